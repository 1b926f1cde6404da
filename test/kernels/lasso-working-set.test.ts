// LASSO at many predictors (issue 15, sparse prediction at fc6 size):
//   * the active set: each penalty starts from the support of its warm start and grows by at most
//     max(WS_MIN_GROWTH, its size) violators per outer iteration, the largest first, so that the
//     sweeps do not run over every predictor that ever violated optimality (nearly all of them
//     with fewer samples than predictors), and the path is still certified by its duality gap;
//   * the WASM solver against the reference, bit for bit, where that choice of violators matters
//     (more violators than the growth allows), with a singular and a regular Gram matrix;
//   * G^-1 in WASM (assembly/lasso-inverse.ts) against the reference gramInverse, bit for bit, at
//     sizes that are not multiples of 4, and null for a singular G.
import { describe, expect, it } from 'vitest';
import { lassoGap, lassoPath, lassoPathReference } from '../../src/kernels/lasso/index.js';
import { gramInverse } from '../../src/kernels/lasso/cholesky.js';
import { WS_MIN_GROWTH } from '../../src/kernels/lasso/contract.js';
import { gramInverseWasm } from '../../src/kernels/lasso/wasm.js';
import { lassoTargetPath } from '../../src/kernels/lasso/reference.js';
import { LassoWork } from '../../src/kernels/lasso/work.js';
import { expectSamePath, randomProblem } from '../helpers/lasso-problems.js';

const ALPHAS = [0.3, 0.1, 0.03, 1e-2, 3e-3, 1e-3];

describe('lasso active set at many predictors', () => {
  it('stays near the support when nearly every predictor violates optimality at w = 0', () => {
    // 301 predictors, 40 samples (G singular), strongly correlated through 2 factors.
    const p = randomProblem(31, 40, 301, 1, 2);
    const d = p.d;
    const c = p.cross; // t = 1: the column is the array
    const m = ALPHAS.length;
    const out = {
      coef: new Float64Array(m * d),
      residual: new Float64Array(m),
      gap: new Float64Array(m),
      iterations: new Int32Array(m),
      newtonSteps: new Int32Array(m),
      activeSize: new Int32Array(m),
    };
    lassoTargetPath(p.gram, null, d, c, 1, ALPHAS, 1e-8, 100_000, true, new LassoWork(d), out);
    const last = ALPHAS[m - 1];
    let violators = 0;
    for (let i = 0; i < d; i++) if (Math.abs(c[i]) > last) violators++;
    // Taking every violator at once (the solver before issue 15) makes the active set this large.
    expect(violators).toBeGreaterThan(0.9 * d);
    for (let k = 0; k < m; k++) {
      const w = out.coef.subarray(k * d, (k + 1) * d);
      let support = 0;
      for (let i = 0; i < d; i++) if (w[i] !== 0) support++;
      expect(out.activeSize[k]).toBeGreaterThanOrEqual(support);
      expect(out.activeSize[k]).toBeLessThan(d / 2);
      const check = lassoGap(p.gram, d, c, 1, w, ALPHAS[k]);
      expect(check.gap).toBeLessThanOrEqual(1e-8);
      expect(Math.abs(check.gap - out.gap[k])).toBeLessThan(1e-12);
    }
  });

  it('WASM picks the same violators as the reference, bit for bit', async () => {
    for (const [seed, n, d, t] of [
      [41, 50, 157, 3], // G singular: direct mode and null steps
      [42, 900, 139, 2], // G regular: dense supports, complement mode
    ] as const) {
      const p = randomProblem(seed, n, d, t, 4);
      const alphas = [...ALPHAS, 1e-4, 1e-5];
      const ref = lassoPathReference(p, alphas, { maxIter: 100_000 });
      const wasm = await lassoPath(p, alphas, { maxIter: 100_000 });
      expectSamePath(ref, wasm);
      expect(ref.converged).toBe(true);
      // The growth limit was reached: more violators than max(WS_MIN_GROWTH, |A|) at once.
      let violators = 0;
      for (let i = 0; i < d; i++) if (Math.abs(p.cross[i * t]) > alphas[alphas.length - 1]) violators++;
      expect(violators).toBeGreaterThan(WS_MIN_GROWTH);
    }
  });
});

describe('G^-1 in WASM', () => {
  it('is the reference gramInverse bit for bit, and null for a singular G', async () => {
    for (const [seed, n, d] of [
      [51, 80, 37],
      [52, 400, 130],
      [53, 300, 203],
    ] as const) {
      const { gram } = randomProblem(seed, n, d, 1, 5);
      const ref = gramInverse(gram, d)!;
      expect(ref).not.toBeNull();
      const wasm = await gramInverseWasm(gram, d);
      expect(wasm).toEqual(ref);
      // It is the inverse: G G^-1 = I to rounding.
      let worst = 0;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += gram[i * d + k] * ref[k * d + j];
          worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-8);
    }
    const singular = randomProblem(54, 30, 61, 1).gram; // 30 samples, 61 predictors
    expect(gramInverse(singular, 61)).toBeNull();
    expect(await gramInverseWasm(singular, 61)).toBeNull();
  });
});
