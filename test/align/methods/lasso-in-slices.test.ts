// Issue 10, item 18: sparse-prediction solves its targets a slice at a time to report progress;
// the slices give the same coefficients, residuals and gaps as one call, bit for bit.
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../../src/util/random.js';
import { lassoPath, lassoProblemFromMoments } from '../../../src/kernels/lasso/index.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { lassoPathInSlices } from '../../../src/align/methods/lasso-in-slices.js';

/** Exact moments of n seeded samples of d units, each a mix of a few shared factors plus noise. */
function moments(n: number, d: number): BatchMoments {
  const next = seededNormal(11);
  const factors = Array.from({ length: 5 }, () => Float64Array.from({ length: n }, next));
  const loadings = Array.from({ length: d }, () => Float64Array.from({ length: 5 }, next));
  const x = Array.from({ length: d }, (_, u) => Float64Array.from({ length: n }, (_, s) => loadings[u].reduce((a, l, f) => a + l * factors[f][s], 0) + 0.5 * next()));
  const mean = Float64Array.from(x, (row) => row.reduce((a, b) => a + b, 0) / n);
  const m2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m2[i * d + j] = x[i].reduce((a, v, s) => a + (v - mean[i]) * (x[j][s] - mean[j]), 0);
  return { n, d, mean, m2 };
}

describe('lassoPathInSlices', () => {
  it('matches one lassoPath call exactly (with and without alpha 0) and reports every target once, in order', async () => {
    const m = moments(157, 90);
    const problem = lassoProblemFromMoments(m, Array.from({ length: 37 }, (_, i) => i), Array.from({ length: 53 }, (_, i) => 37 + i));
    for (const alphas of [[0.1, 0, 0.01], [0.05, 0.001]]) await compare(problem, alphas);
  });
});

async function compare(problem: ReturnType<typeof lassoProblemFromMoments>, alphas: number[]) {
  const whole = await lassoPath(problem, alphas, { tol: 1e-10 });
  const calls: [number, number][] = [];
  const sliced = await lassoPathInSlices(problem, alphas, { tol: 1e-10 }, (done, total) => calls.push([done, total]));
  expect(calls.length).toBeGreaterThan(1);
  expect(calls.at(-1)).toEqual([53, 53]);
  expect(calls.every(([done], i) => i === 0 || done > calls[i - 1][0])).toBe(true);
  for (let k = 0; k < alphas.length; k++) {
    expect(sliced.coef[k]).toEqual(whole.coef[k]);
    expect(sliced.residual[k]).toEqual(whole.residual[k]);
    expect(sliced.gap[k]).toEqual(whole.gap[k]);
    expect(sliced.iterations[k]).toEqual(whole.iterations[k]);
  }
  expect(sliced.converged).toBe(whole.converged);
  expect(sliced.rank).toBe(whole.rank);
}
