// Seeded random LASSO problems for the kernel tests (test/kernels/lasso*.test.ts), and the
// bit-for-bit comparison of two paths.
import { expect } from 'vitest';
import type { LassoPathResult, LassoProblem } from '../../src/kernels/lasso/index.js';
import { lassoProblemFromMoments } from '../../src/kernels/lasso/index.js';
import type { BatchMoments } from '../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { Rng } from './rng.js';

export function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/**
 * Moments of n samples of d predictors then t targets: predictors from `factors` latent factors
 * plus noise (correlated), targets sparse combinations of predictors plus noise; `duplicate`
 * copies predictor 0 into predictor d - 1 (a singular Gram matrix).
 */
export function randomMoments(seed: number, n: number, d: number, t: number, factors = 3, duplicate = false): BatchMoments {
  const g = new Rng(seed);
  const z = Array.from({ length: factors * n }, () => g.normal());
  const x = new Float64Array((d + t) * n);
  for (let u = 0; u < d; u++) {
    const load = Array.from({ length: factors }, () => g.normal());
    for (let s = 0; s < n; s++) {
      let v = 0.6 * g.normal() + 3 * g.uniform();
      for (let f = 0; f < factors; f++) v += load[f] * z[f * n + s];
      x[u * n + s] = v;
    }
  }
  if (duplicate && d > 1) for (let s = 0; s < n; s++) x[(d - 1) * n + s] = x[s];
  for (let j = 0; j < t; j++) {
    const row = (d + j) * n;
    for (let q = 0; q < 3; q++) {
      const i = Math.floor(g.uniform() * d);
      const wgt = g.normal();
      for (let s = 0; s < n; s++) x[row + s] += wgt * x[i * n + s];
    }
    for (let s = 0; s < n; s++) x[row + s] += 0.5 * g.normal();
  }
  return batchMomentsReference(x, d + t, n);
}

export function randomProblem(seed: number, n: number, d: number, t: number, factors = 3, duplicate = false): LassoProblem {
  return lassoProblemFromMoments(randomMoments(seed, n, d, t, factors, duplicate), range(0, d), range(d, d + t));
}

/** Two paths are the same, bit for bit (the WASM solver against the reference). */
export function expectSamePath(a: LassoPathResult, b: LassoPathResult): void {
  expect(b.alphas).toEqual(a.alphas);
  expect(b.converged).toBe(a.converged);
  expect(b.rank).toBe(a.rank);
  for (let k = 0; k < a.alphas.length; k++) {
    expect(b.coef[k]).toEqual(a.coef[k]);
    expect(b.residual[k]).toEqual(a.residual[k]);
    expect(b.gap[k]).toEqual(a.gap[k]);
    expect(b.iterations[k]).toEqual(a.iterations[k]);
    expect(b.newtonSteps[k]).toEqual(a.newtonSteps[k]);
  }
}
