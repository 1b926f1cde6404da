// LASSO paths from moments (src/kernels/lasso, assembly/lasso.ts):
//   * the reference and the WASM solver against scikit-learn's Lasso (and numpy's lstsq at
//     alpha 0) on seeded data (test/fixtures/lasso/sklearn.json from
//     scripts/fixtures/make_lasso_fixtures.py): coefficients within 1e-6 where the solution is
//     unique, objective values and losses where it is not (collinear predictors, fewer samples
//     than predictors), with and without Newton steps;
//   * every solution certified by its duality gap, recomputed here from scratch;
//   * the WASM solver against the reference, bit for bit, on sizes that are not multiples of 2
//     or 4, singular Gram matrices, both Newton modes and plain coordinate descent;
//   * alpha 0 = least squares, penalties above alpha_max, constant predictors, the caller's alpha
//     order, the iteration limit, raw covariances, empty problems and refusals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type LassoPathResult,
  type LassoProblem,
  lassoGap,
  lassoPath,
  lassoPathReference,
  lassoProblemFromMoments,
} from '../../src/kernels/lasso/index.js';
import type { BatchMoments } from '../../src/kernels/moments/contract.js';
import { lassoPathOn } from '../../src/kernels/lasso/wasm.js';
import { WasmInstance } from '../../src/kernels/wasm-module.js';
import { expectSamePath, randomMoments, randomProblem, range } from '../helpers/lasso-problems.js';

interface Fit {
  alpha: number;
  coef: number[];
  loss: number[];
  dual_gap: number[];
}
interface Case {
  name: string;
  n: number;
  p: number;
  t: number;
  unique: boolean;
  mean: number[];
  m2: number[];
  fits: Fit[];
}
const fixture: { alphas: number[]; cases: Case[] } = JSON.parse(readFileSync('test/fixtures/lasso/sklearn.json', 'utf8'));

type Solver = (p: LassoProblem, alphas: readonly number[], o?: Parameters<typeof lassoPathReference>[2]) => Promise<LassoPathResult>;
const solvers: [string, Solver][] = [
  ['reference', async (p, a, o) => lassoPathReference(p, a, o)],
  ['wasm', lassoPath],
];

function caseProblem(c: Case): LassoProblem {
  const m: BatchMoments = { n: c.n, d: c.p + c.t, mean: Float64Array.from(c.mean), m2: Float64Array.from(c.m2) };
  return lassoProblemFromMoments(m, range(0, c.p), range(c.p, c.p + c.t));
}


/** Target j's column of a d x t matrix. */
function column(x: ArrayLike<number>, d: number, t: number, j: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = x[i * t + j];
  return out;
}

/** Every (alpha, target) of a path: the gap recomputed from scratch is within tol * v. */
function certify(p: LassoProblem, path: LassoPathResult, tol: number): void {
  path.alphas.forEach((alpha, k) => {
    for (let j = 0; j < p.t; j++) {
      const w = column(path.coef[k], p.d, p.t, j);
      const c = column(p.cross, p.d, p.t, j);
      const check = lassoGap(p.gram, p.d, c, p.targetVar[j], w, alpha);
      expect(check.residual).toBeCloseTo(path.residual[k][j], 12);
      if (alpha > 0) {
        expect(check.gap).toBeLessThanOrEqual(tol * p.targetVar[j] + 1e-14);
        expect(Math.abs(check.gap - path.gap[k][j])).toBeLessThan(1e-12);
      } else {
        // Least squares: the gradient vanishes on the predictors used.
        const used = path.rank === p.d;
        if (used) expect(check.dualNorm).toBeLessThan(1e-10);
        expect(path.gap[k][j]).toBeLessThan(1e-14);
      }
    }
  });
}

describe('lasso against scikit-learn', () => {
  for (const c of fixture.cases) {
    for (const [name, solve] of solvers) {
      for (const newton of [true, false]) {
        it(`${c.name}: ${name}${newton ? '' : ' (plain coordinate descent)'}`, async () => {
          const p = caseProblem(c);
          const path = await solve(p, fixture.alphas, { tol: 1e-12, maxIter: 1_000_000, newton });
          expect(path.converged).toBe(true);
          certify(p, path, 1e-12);
          fixture.alphas.forEach((alpha, k) => {
            const fit = c.fits[k];
            expect(fit.alpha).toBe(alpha);
            for (let j = 0; j < p.t; j++) expect(Math.abs(path.residual[k][j] - fit.loss[j])).toBeLessThan(1e-9);
            if (c.unique || alpha > 0) {
              // Unique solutions; for positive alphas also the rank-deficient cases, whose LASSO
              // solutions are unique here (random predictors in general position).
              for (let i = 0; i < p.d * p.t; i++) expect(Math.abs(path.coef[k][i] - fit.coef[i])).toBeLessThan(1e-6);
            }
            if (alpha > 0) {
              // The objective is never worse than sklearn's.
              for (let j = 0; j < p.t; j++) {
                const c0 = column(p.cross, p.d, p.t, j);
                const ours = lassoGap(p.gram, p.d, c0, 1, column(path.coef[k], p.d, p.t, j), alpha).objective;
                const theirs = lassoGap(p.gram, p.d, c0, 1, column(fit.coef, p.d, p.t, j), alpha).objective;
                expect(ours).toBeLessThanOrEqual(theirs + 1e-13);
              }
            }
          });
          expect(path.rank).toBe(c.unique ? c.p : c.name === 'collinear' ? c.p - 1 : c.n - 1);
        });
      }
    }
  }
});

// ---- Seeded random problems ----


const PATH = [0.3, 0.1, 0.03, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5, 0];


describe('lasso WASM against the reference, bit for bit', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 40],
    [2, 3, 40],
    [3, 1, 50],
    [5, 5, 60],
    [7, 3, 80],
    [13, 2, 100],
    [33, 3, 200],
    [47, 5, 300],
  ];
  for (const [d, t, n] of shapes) {
    for (const newton of [true, false]) {
      it(`d = ${d}, t = ${t}${newton ? '' : ', plain coordinate descent'}`, async () => {
        const p = randomProblem(1000 + d, n, d, t);
        const ref = lassoPathReference(p, PATH, { newton });
        const wasm = await lassoPath(p, PATH, { newton });
        expectSamePath(ref, wasm);
        expect(ref.converged).toBe(true);
        certify(p, ref, 1e-8);
        if (newton && d >= 13) expect(ref.newtonSteps.some((s) => s.some((x) => x > 0))).toBe(true);
        if (!newton) expect(ref.newtonSteps.every((s) => s.every((x) => x === 0))).toBe(true);
      });
    }
  }

  it('singular Gram matrices: a duplicated predictor, and fewer samples than predictors', async () => {
    for (const [p, rank] of [
      [randomProblem(7, 120, 21, 3, 4, true), 20],
      [randomProblem(8, 15, 29, 3, 6), 14],
    ] as const) {
      const ref = lassoPathReference(p, PATH, { maxIter: 100_000 });
      const wasm = await lassoPath(p, PATH, { maxIter: 100_000 });
      expectSamePath(ref, wasm);
      expect(ref.rank).toBe(rank);
      expect(ref.converged).toBe(true);
      certify(p, ref, 1e-8);
    }
  });

  it('many targets in chunks, tight tolerance', async () => {
    const p = randomProblem(9, 500, 61, 37, 8);
    const alphas = [1e-2, 1e-3, 1e-4];
    const ref = lassoPathReference(p, alphas, { tol: 1e-13 });
    const wasm = await lassoPath(p, alphas, { tol: 1e-13 });
    expectSamePath(ref, wasm);
    // Targets in chunks of 5 (the last one shorter) on a fresh instance.
    expectSamePath(ref, lassoPathOn(await WasmInstance.create(), p, alphas, { tol: 1e-13 }, 5));
    expect(ref.converged).toBe(true);
    certify(p, ref, 1e-13);
  });
});

describe('lasso paths', () => {
  it('alpha 0 is the least-squares map', async () => {
    const p = randomProblem(21, 300, 17, 4);
    const path = await lassoPath(p, [0]);
    expect(path.rank).toBe(17);
    for (let j = 0; j < p.t; j++) {
      const w = column(path.coef[0], p.d, p.t, j);
      const c = column(p.cross, p.d, p.t, j);
      // Normal equations G w = c, and R2 = v - c'w at the optimum.
      const check = lassoGap(p.gram, p.d, c, 1, w, 0);
      expect(check.dualNorm).toBeLessThan(1e-12);
      let cw = 0;
      for (let i = 0; i < p.d; i++) cw += c[i] * w[i];
      expect(path.residual[0][j]).toBeCloseTo(1 - cw, 13);
      // A tiny penalty is close to it.
      const tiny = await lassoPath(p, [1e-9], { tol: 1e-14 });
      for (let i = 0; i < p.d; i++) expect(Math.abs(tiny.coef[0][i * p.t + j] - w[i])).toBeLessThan(1e-5);
    }
    expect(path.iterations[0].every((x) => x === 0)).toBe(true);
  });

  it('penalties at or above alpha_max = max |c| give w = 0 and the full residual', async () => {
    const p = randomProblem(22, 200, 9, 3);
    let amax = 0;
    for (const x of p.cross) amax = Math.max(amax, Math.abs(x));
    const path = await lassoPath(p, [amax, 2 * amax]);
    for (let k = 0; k < 2; k++) {
      expect(path.coef[k].every((x) => x === 0)).toBe(true);
      for (let j = 0; j < p.t; j++) expect(path.residual[k][j]).toBe(1);
    }
    expect(path.converged).toBe(true);
  });

  it('a constant predictor (zero row and column of G) keeps weight 0', async () => {
    const base = randomProblem(23, 200, 6, 2);
    const d = 7;
    const gram = new Float64Array(d * d);
    const cross = new Float64Array(d * 2);
    // Predictor 3 is constant: its row and column are 0.
    const map = [0, 1, 2, -1, 3, 4, 5];
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) if (map[i] >= 0 && map[k] >= 0) gram[i * d + k] = base.gram[map[i] * 6 + map[k]];
      for (let j = 0; j < 2; j++) if (map[i] >= 0) cross[i * 2 + j] = base.cross[map[i] * 2 + j];
    }
    const p: LassoProblem = { gram, d, cross, t: 2, targetVar: base.targetVar };
    for (const [, solve] of solvers) {
      const path = await solve(p, PATH);
      const without = await solve(base, PATH);
      expect(path.rank).toBe(6);
      for (let k = 0; k < PATH.length; k++) {
        for (let j = 0; j < 2; j++) {
          expect(path.coef[k][3 * 2 + j]).toBe(0);
          for (let i = 0; i < d; i++) if (map[i] >= 0) expect(Math.abs(path.coef[k][i * 2 + j] - without.coef[k][map[i] * 2 + j])).toBeLessThan(1e-9);
        }
      }
    }
    expect(() => lassoProblemFromMoments({ n: 3, d: 2, mean: new Float64Array(2), m2: new Float64Array([1, 0, 0, 0]) }, [0, 1], [0])).toThrow(/unit 1 has no variance/);
  });

  it('returns results in the caller order of the penalties', async () => {
    const p = randomProblem(24, 150, 11, 3);
    const sorted = await lassoPath(p, [0.1, 0.01, 1e-3, 0]);
    const shuffled = await lassoPath(p, [1e-3, 0, 0.1, 0.01]);
    const at = [2, 3, 0, 1];
    for (let k = 0; k < 4; k++) {
      expect(shuffled.alphas[k]).toBe(sorted.alphas[at[k]]);
      expect(shuffled.coef[k]).toEqual(sorted.coef[at[k]]);
    }
  });

  it('reports an iteration limit as unconverged', async () => {
    const p = randomProblem(25, 200, 40, 3, 3);
    for (const [, solve] of solvers) {
      const path = await solve(p, [1e-4], { maxIter: 1, newton: false, tol: 1e-12 });
      expect(path.converged).toBe(false);
      expect(path.iterations[0].every((x) => x <= 1)).toBe(true);
      expect(path.gap[0].some((g) => g > 1e-12)).toBe(true);
    }
  });

  it('raw covariances: the same least-squares map in other units, certified paths', async () => {
    const m = randomMoments(26, 300, 8, 3);
    const std = lassoProblemFromMoments(m, range(0, 8), range(8, 11));
    const raw = lassoProblemFromMoments(m, range(0, 8), range(8, 11), false);
    const sd = (u: number) => Math.sqrt(m.m2[u * m.d + u] / m.n);
    for (let j = 0; j < 3; j++) expect(raw.targetVar[j]).toBeCloseTo(sd(8 + j) ** 2, 12);
    const a = await lassoPath(std, [0, 1e-3]);
    const b = await lassoPath(raw, [0, 1e-3]);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 3; j++) {
        const scaled = (a.coef[0][i * 3 + j] * sd(8 + j)) / sd(i);
        expect(Math.abs(b.coef[0][i * 3 + j] - scaled)).toBeLessThan(1e-9 * (1 + Math.abs(scaled)));
      }
    }
    for (let j = 0; j < 3; j++) expect(b.residual[0][j] / raw.targetVar[j]).toBeCloseTo(a.residual[0][j], 10);
    expect(b.converged).toBe(true);
    certify(raw, b, 1e-8);
  });

  it('handles empty problems', async () => {
    const noPredictors: LassoProblem = { gram: new Float64Array(0), d: 0, cross: new Float64Array(0), t: 2, targetVar: Float64Array.of(1, 2) };
    for (const [, solve] of solvers) {
      const path = await solve(noPredictors, [0, 0.1]);
      expect([...path.residual[0]]).toEqual([1, 2]);
      expect([...path.residual[1]]).toEqual([1, 2]);
      expect(path.rank).toBe(0);
      expect(path.converged).toBe(true);
      const noTargets = await solve({ gram: Float64Array.of(1), d: 1, cross: new Float64Array(0), t: 0, targetVar: new Float64Array(0) }, [0.1]);
      expect(noTargets.coef[0].length).toBe(0);
      const noAlphas = await solve(randomProblem(27, 50, 3, 1), []);
      expect(noAlphas.coef).toEqual([]);
    }
  });

  it('refuses malformed input', async () => {
    const p = randomProblem(28, 50, 3, 2);
    for (const [, solve] of solvers) {
      await expect(solve({ ...p, gram: new Float64Array(8) }, [0.1])).rejects.toThrow(/gram has 8 entries, expected 3 x 3/);
      await expect(solve({ ...p, cross: new Float64Array(5) }, [0.1])).rejects.toThrow(/cross has 5 entries/);
      await expect(solve({ ...p, targetVar: new Float64Array(1) }, [0.1])).rejects.toThrow(/targetVar has 1 entries/);
      const nan = Float64Array.from(p.gram);
      nan[4] = NaN;
      await expect(solve({ ...p, gram: nan }, [0.1])).rejects.toThrow(/gram has NaN at \(1, 1\)/);
      await expect(solve(p, [-1])).rejects.toThrow(/alpha must be finite and >= 0/);
      await expect(solve(p, [0.1], { tol: -1 })).rejects.toThrow(/tol/);
      await expect(solve(p, [0.1], { maxIter: 0 })).rejects.toThrow(/maxIter/);
    }
  });
});
