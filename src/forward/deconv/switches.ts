// The "switches" of a max pooling (Zeiler & Fergus 2014): for every output of the forward pass,
// which input position its window took. Same window rules as the forward reference
// (src/forward/reference/pool.ts): taps spaced `dilations` apart from o*stride - padBegin, taps
// outside the input skipped, the first maximum in row-major window order wins (strictly greater),
// a window with no tap inside the input records -1. Output size from the plan (ceil_mode applied).
import type { PoolStep } from '../plan.js';
import { tapRange, windowGeometry } from './windows.js';

/** Flat indices into x (1, C, H, W) per output of (1, C, OH, OW). */
export function maxPoolSwitches(step: PoolStep, x: Float32Array, inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const { C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl } = windowGeometry(step, inShape, outShape);
  const switches = new Int32Array(C * OH * OW).fill(-1);
  for (let oy = 0; oy < OH; oy++) {
    const [ky0, ky1] = tapRange(oy, sh, pt, KH, dh, H);
    for (let ox = 0; ox < OW; ox++) {
      const [kx0, kx1] = tapRange(ox, sw, pl, KW, dw, W);
      for (let c = 0; c < C; c++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = ky0; ky <= ky1; ky++) {
          const row = (c * H + oy * sh - pt + ky * dh) * W + ox * sw - pl;
          for (let kx = kx0; kx <= kx1; kx++) {
            const i = row + kx * dw;
            // The first tap inside the input is taken even if it is -Infinity or NaN, as the
            // forward pass starts from it; later taps replace it only when strictly greater.
            if (at < 0 || x[i] > best) {
              best = x[i];
              at = i;
            }
          }
        }
        switches[(c * OH + oy) * OW + ox] = at;
      }
    }
  }
  return switches;
}
