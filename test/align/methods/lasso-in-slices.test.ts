// Issue 10, item 18: sparse-prediction solves its targets a slice at a time to report progress;
// the slices give the same coefficients, residuals and gaps as one call, bit for bit.
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../../src/util/random.js';
import { readFileSync } from 'node:fs';
import { lassoGap, lassoPath, lassoProblemFromMoments } from '../../../src/kernels/lasso/index.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { lassoPathInSlices } from '../../../src/align/methods/lasso-in-slices.js';
import { gramInverse } from '../../../src/kernels/lasso/cholesky.js';

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
  it('gives the same numbers on worker threads, bit for bit, also with fewer samples than predictors (singular G)', async () => {
    // 41 samples of 115 units: G of the 45 predictors has rank 40; 70 targets make 3 slices.
    const m = moments(41, 115);
    const problem = lassoProblemFromMoments(m, Array.from({ length: 45 }, (_, i) => i), Array.from({ length: 70 }, (_, i) => 45 + i));
    const alphas = [0.1, 0.01, 0.001, 0];
    const whole = await lassoPath(problem, alphas, { tol: 1e-6 });
    expect(whole.rank).toBe(40);
    for (const threads of [1, 2, 3]) {
      const calls: number[] = [];
      const sliced = await lassoPathInSlices({ ...problem, cross: problem.cross.slice(), targetVar: problem.targetVar.slice() }, alphas, { tol: 1e-6, threads }, (done) => calls.push(done));
      expect(calls.at(-1)).toBe(70);
      expect(calls.length).toBe(3);
      for (let k = 0; k < alphas.length; k++) {
        expect(sliced.coef[k], `threads ${threads}, alpha ${alphas[k]}`).toEqual(whole.coef[k]);
        expect(sliced.gap[k]).toEqual(whole.gap[k]);
      }
      expect(sliced.converged).toBe(whole.converged);
    }
  });

  it('agrees with scikit-learn at its default tolerance on a singular problem (60 samples, 150 predictors), on worker threads', async () => {
    // test/fixtures/lasso/sklearn-default-tol.json from scripts/fixtures/make_lasso_default_tol_fixtures.py.
    const fx: { n: number; p: number; t: number; mean: number[]; m2: number[]; alphas: number[]; fits: { coef: number[]; dual_gap: number[] }[] } = JSON.parse(
      readFileSync('test/fixtures/lasso/sklearn-default-tol.json', 'utf8'),
    );
    const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    const problem = lassoProblemFromMoments({ n: fx.n, d: fx.p + fx.t, mean: Float64Array.from(fx.mean), m2: Float64Array.from(fx.m2) }, idx(0, fx.p), idx(fx.p, fx.p + fx.t));
    const tol = 1e-4;
    const path = await lassoPathInSlices(problem, fx.alphas, { tol, threads: 2 }, () => {});
    expect(path.converged).toBe(true);
    const col = (x: ArrayLike<number>, j: number) => Float64Array.from({ length: fx.p }, (_, i) => x[i * fx.t + j]);
    fx.alphas.forEach((alpha, k) => {
      for (let j = 0; j < fx.t; j++) {
        const c = col(problem.cross, j);
        const ours = lassoGap(problem.gram, fx.p, c, 1, col(path.coef[k], j), alpha);
        const theirs = lassoGap(problem.gram, fx.p, c, 1, col(fx.fits[k].coef, j), alpha);
        // Both objectives are within their own gaps of the optimum (ours certified here, from scratch).
        expect(ours.gap).toBeLessThanOrEqual(tol * (1 + 1e-9));
        expect(ours.objective).toBeLessThanOrEqual(theirs.objective + ours.gap + 1e-12);
        expect(Math.abs(ours.objective - theirs.objective)).toBeLessThanOrEqual(ours.gap + fx.fits[k].dual_gap[j] + 1e-9);
      }
    });
  });

  it('takes a precomputed G^-1 (computed once for all slices) and refuses one of the wrong size', async () => {
    const m = moments(157, 60);
    const problem = lassoProblemFromMoments(m, Array.from({ length: 30 }, (_, i) => i), Array.from({ length: 30 }, (_, i) => 30 + i));
    const inverse = gramInverse(problem.gram, 30);
    expect(inverse).not.toBeNull();
    const given = await lassoPath(problem, [0.05, 0.001], { tol: 1e-10, gramInverse: inverse });
    const computed = await lassoPath(problem, [0.05, 0.001], { tol: 1e-10 });
    expect(given.coef).toEqual(computed.coef);
    await expect(lassoPath(problem, [0.05], { gramInverse: new Float64Array(10) })).rejects.toThrow('lasso: gramInverse has 10 entries, expected 30 x 30');
  });

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
