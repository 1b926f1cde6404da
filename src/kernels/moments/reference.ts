// The living definition of the moment kernel: plain float64, two passes over the batch.
// WASM and WGSL versions are tested against this; this is tested against numpy fixtures.
import type { BatchMoments, MomentKernel } from './contract.js';

export function batchMomentsReference(data: Float32Array | Float64Array, d: number, n: number): BatchMoments {
  if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += data[i * n + k];
    mean[i] = n > 0 ? s / n : 0;
  }
  const centred = new Float64Array(d * n);
  for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) centred[i * n + k] = data[i * n + k] - mean[i];
  const m2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += centred[i * n + k] * centred[j * n + k];
      m2[i * d + j] = s;
      m2[j * d + i] = s;
    }
  }
  return { n, d, mean, m2 };
}

export function createReferenceMomentKernel(): MomentKernel {
  return {
    name: 'reference (float64 TypeScript)',
    async batchMoments(data, d, n) {
      return batchMomentsReference(data, d, n);
    },
    dispose() {},
  };
}
