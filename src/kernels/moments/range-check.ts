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

/**
 * Sum of squares (formed in float64) up to which float32 sums of the products cannot overflow:
 * 2^126, half of float32's largest value; every partial sum of squares stays below it, and every
 * partial sum of products too (|sum x_i x_j| <= sqrt(sum x_i^2 sum x_j^2)).
 */
export const FLOAT32_SAFE_SUM_OF_SQUARES = 2 ** 126;

/** True when some unit's moments of this batch may be wrong because float32 ran out of range. */
export function outOfFloat32Range(m: BatchMoments): boolean {
  const { d, n, mean, m2 } = m;
  for (let i = 0; i < d; i++) if (unitOutOfRange(n, mean[i], m2[i * d + i], Infinity)) return true;
  return false;
}

/**
 * The same decision from each unit's mean and sum of squared deviations alone, before any block
 * of co-moments is merged. The WASM kernel gives the sum of squares of its centred values as
 * rounded to float32, added in float64 (momentsCentre), before any float32 sum: with `most` =
 * FLOAT32_SAFE_SUM_OF_SQUARES a batch that passes cannot overflow float32 in any co-moment sum.
 * The WebGPU kernel gives the diagonal its float32 sums produced (`most` = Infinity).
 */
export function sumsOutOfFloat32Range(n: number, mean: Float64Array, sumsq: Float64Array, most = FLOAT32_SAFE_SUM_OF_SQUARES): boolean {
  for (let i = 0; i < mean.length; i++) if (unitOutOfRange(n, mean[i], sumsq[i], most)) return true;
  return false;
}

function unitOutOfRange(n: number, mean: number, sumOfSquares: number, most: number): boolean {
  if (!Number.isFinite(mean) || !Number.isFinite(sumOfSquares) || Math.abs(sumOfSquares) > most) return true;
  return sumOfSquares !== 0 && Math.abs(sumOfSquares) < n * FLOAT32_TINY_MEAN_SQUARE;
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

/** Samples [s0, s1) of every unit of `data` (d rows of `rowLength`), as a batch of their own: what the exact path redoes. */
export function samplesOf(data: Float32Array, rowLength: number, d: number, s0: number, s1: number): Float32Array {
  if (s0 === 0 && s1 === rowLength) return data;
  const out = new Float32Array(d * (s1 - s0));
  for (let u = 0; u < d; u++) out.set(data.subarray(u * rowLength + s0, u * rowLength + s1), u * (s1 - s0));
  return out;
}
