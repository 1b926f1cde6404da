// Detects batch moments that float32 arithmetic could not carry, so the kernel can take its exact
// (float64) path for that batch instead of returning them.
//
// The float32 kernels (WASM, WebGPU) sum products of centred values in float32. Squares beyond
// float32's range (|x - mean| above ~1.8e19) overflow to Infinity, and the WebGPU shift sums raw
// values, which overflow near 3.4e38; squares below its normal range (|x - mean| below ~1e-19)
// lose their bits or vanish. Both show in the result: an overflow leaves a non-finite mean or
// diagonal co-moment (every partial sum of squares is non-negative, so an Infinity cannot cancel;
// and |sum x_i x_j| <= sqrt(sum x_i^2 sum x_j^2) keeps the off-diagonal finite when the diagonal
// is), and an underflow leaves a sum of squares per sample below 2^-100 (but not an exact zero:
// a constant unit centres to exact zeros on every kernel).
import type { BatchMoments } from './contract.js';
import { batchMomentsReference } from './reference.js';

/** Mean squared deviation below which float32 products may have gone subnormal (2^-100 ~ 7.9e-31). */
export const FLOAT32_TINY_MEAN_SQUARE = 2 ** -100;

/** True when some unit's moments of this batch may be wrong because float32 ran out of range. */
export function outOfFloat32Range(m: BatchMoments): boolean {
  const { d, n, mean, m2 } = m;
  for (let i = 0; i < d; i++) {
    const s = m2[i * d + i];
    if (!Number.isFinite(mean[i]) || !Number.isFinite(s)) return true;
    if (s !== 0 && Math.abs(s) < n * FLOAT32_TINY_MEAN_SQUARE) return true;
  }
  return false;
}

/**
 * The kernel's `result`, or, when float32 ran out of range on this batch, the batch redone exactly
 * in float64 from its values (`values` is called only then: the WebGPU buffer path reads back).
 */
export async function exactIfOutOfFloat32Range(
  result: BatchMoments,
  d: number,
  n: number,
  values: () => Float32Array | Float64Array | Promise<Float32Array | Float64Array>,
): Promise<BatchMoments> {
  if (!outOfFloat32Range(result)) return result;
  return batchMomentsReference(await values(), d, n);
}
