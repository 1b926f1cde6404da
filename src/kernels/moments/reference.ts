// The living definition of the moment kernel: plain float64, two passes over the batch.
// WASM and WGSL versions are tested against this; this is tested against numpy fixtures.
//
// accumulate() forms the co-moments a block of rows at a time and merges each block into the
// running total (./merge.ts RowBlockMerge); batchMoments() is the same into an empty total.
import type { BatchMoments, MomentKernel } from './contract.js';
import { RowBlockMerge, emptyMoments } from './merge.js';

/** Rows of the co-moment matrix formed, then merged, at a time. */
const BLOCK_ROWS = 32;

/** Merges the moments of `data` (d units x n samples, unit-major) into `total`; see MomentKernel.accumulate. */
export function accumulateMomentsReference(total: BatchMoments, data: Float32Array | Float64Array, d: number, n: number, exponents?: Int32Array): void {
  if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
  if (n === 0) return;
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += data[i * n + k];
    mean[i] = s / n;
  }
  const centred = new Float64Array(d * n);
  for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) centred[i * n + k] = data[i * n + k] - mean[i];
  const merge = new RowBlockMerge(total, n, mean, exponents);
  // Row i - i0 of the block holds entries j >= i at (i - i0) * d + (j - i0).
  const block = new Float64Array(Math.min(BLOCK_ROWS, d) * d);
  for (let i0 = 0; i0 < d; i0 += BLOCK_ROWS) {
    const i1 = Math.min(d, i0 + BLOCK_ROWS);
    for (let i = i0; i < i1; i++) {
      const at = (i - i0) * d - i0;
      for (let j = i; j < d; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += centred[i * n + k] * centred[j * n + k];
        block[at + j] = s;
      }
    }
    merge.rows(i0, i1, block, d, i0);
  }
  merge.finish();
}

export function batchMomentsReference(data: Float32Array | Float64Array, d: number, n: number): BatchMoments {
  const total = emptyMoments(d);
  accumulateMomentsReference(total, data, d, n);
  total.n = n;
  return total;
}

export function createReferenceMomentKernel(): MomentKernel {
  return {
    name: 'reference (float64 TypeScript)',
    async batchMoments(data, d, n) {
      return batchMomentsReference(data, d, n);
    },
    async accumulate(total, data, d, n, exponents) {
      accumulateMomentsReference(total, data, d, n, exponents);
    },
    dispose() {},
  };
}
