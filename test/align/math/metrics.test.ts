// The similarity metrics as pure functions of covariance blocks, from moments of numpy-made data,
// against numpy's computations on the raw data (scripts/fixtures/make_metric_fixtures.py) and the
// published values of Kornblith et al.'s demo.
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../../src/util/random.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { covarianceBlocks, type CovarianceBlocks } from '../../../src/align/math/blocks.js';
import { canonicalCorrelations, principalDims, svcca } from '../../../src/align/math/cca.js';
import { linearCka } from '../../../src/align/math/cka.js';
import { inverseSqrt, matMul, singularValues, transpose } from '../../../src/align/math/linalg.js';
import { procrustesDistance } from '../../../src/align/math/procrustes.js';
import { regressionR2 } from '../../../src/align/math/regression.js';
import { unitStats } from '../../../src/align/unit-stats.js';
import { columns, expected, jointMoments, loadData, randomMatrix, transform, type Data } from './helpers.js';

/** Blocks of the live units of A (first da) and B (the rest) of a joint summary. */
function blocksOf(m: BatchMoments, da: number, options: { centred?: boolean } = {}): CovarianceBlocks {
  const db = m.d - da;
  return covarianceBlocks(m, { offset: 0, units: da, dead: unitStats(m, 0, da).dead }, { offset: da, units: db, dead: unitStats(m, da, db).dead }, options);
}

async function allMetrics(a: Data, b: Data, keep = 0.99) {
  const k = blocksOf(jointMoments(a, b), a.d);
  const { sab, saa, sbb, da, db } = k;
  const cca = await canonicalCorrelations(sab, saa, sbb, da, db);
  const sv = await svcca(sab, saa, sbb, da, db, { keep });
  const bFromA = await regressionR2(sab, saa, sbb, da, db);
  const aFromB = await regressionR2(transpose(sab, da, db), sbb, saa, db, da);
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  return {
    blocks: k,
    linear_cka: linearCka(sab, saa, sbb, da, db),
    cca,
    mean_cca: mean(cca.values),
    mean_cca_sq: mean(cca.values.map((v) => v * v)),
    svcca: sv,
    r2_b_from_a: bFromA.r2,
    mean_r2_b_from_a: bFromA.meanR2,
    r2_a_from_b: aFromB.r2,
    mean_r2_a_from_b: aFromB.meanR2,
    procrustes: await procrustesDistance(sab, saa, sbb, da, db),
  };
}

function expectClose(actual: number | null | undefined, want: number, tol: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - want)).toBeLessThanOrEqual(tol);
}

describe('Kornblith et al. demo data (np.random.seed(1337), X 100 x 10, Y = noise + X)', () => {
  it('linear CKA is 0.55761, as published', async () => {
    const { a, b } = await loadData('kornblith');
    const m = await allMetrics(a, b);
    expect(m.linear_cka).toBeCloseTo(0.55761, 5);
    expectClose(m.linear_cka, expected.kornblith.linear_cka, 1e-9);
  });

  it('mean squared CCA is 0.54312 on the uncentred data the demo passes to cca(), 0.54540 centred', async () => {
    const { a, b } = await loadData('kornblith');
    // The demo's cca() runs QR on X and Y as given, without centring; the raw second moments
    // (m2 / n + mean mean') reproduce exactly that computation.
    const raw = blocksOf(jointMoments(a, b), a.d, { centred: false });
    const uncentred = await canonicalCorrelations(raw.sab, raw.saa, raw.sbb, raw.da, raw.db);
    const r2 = uncentred.values.reduce((s, v) => s + v * v, 0) / uncentred.values.length;
    expect(r2).toBeCloseTo(0.54312, 5);
    expectClose(r2, expected.kornblith.mean_cca_sq_uncentred, 1e-9);
    // What convergent reports: CCA of the centred features (all that moments-based CCA can mean).
    const m = await allMetrics(a, b);
    expect(m.mean_cca_sq).toBeCloseTo(0.5454, 5);
    expectClose(m.mean_cca_sq, expected.kornblith.mean_cca_sq, 1e-9);
  });
});

describe.each(['kornblith', 'structured'])('against numpy on the raw data (%s)', (name) => {
  it('every canonical correlation, their mean and mean square', async () => {
    const { a, b } = await loadData(name);
    const want = expected[name];
    const m = await allMetrics(a, b);
    expect(m.cca.values.length).toBe(want.canonical_correlations.length);
    want.canonical_correlations.forEach((v, i) => expectClose(m.cca.values[i], v, 1e-9));
    expectClose(m.mean_cca, want.mean_cca, 1e-9);
    expectClose(m.mean_cca_sq, want.mean_cca_sq, 1e-9);
    expect(m.cca.rankA).toBe(want.units_a - want.dead_a.length);
    expect(m.cca.rankB).toBe(want.units_b - want.dead_b.length);
  });

  it('linear CKA', async () => {
    const { a, b } = await loadData(name);
    expectClose((await allMetrics(a, b)).linear_cka, expected[name].linear_cka, 1e-9);
  });

  it('SVCCA: the dimensions kept and the canonical correlations of the reduced spaces', async () => {
    const { a, b } = await loadData(name);
    const want = expected[name];
    const { svcca: sv } = await allMetrics(a, b, want.svcca_keep);
    expect(sv.dimsA).toBe(want.svcca_dims_a);
    expect(sv.dimsB).toBe(want.svcca_dims_b);
    expect(sv.values.length).toBe(want.svcca_correlations.length);
    want.svcca_correlations.forEach((v, i) => expectClose(sv.values[i], v, 1e-9));
    expectClose(sv.mean, want.svcca, 1e-9);
  });

  it('regression R^2 both ways, variance-weighted and mean per unit', async () => {
    const { a, b } = await loadData(name);
    const want = expected[name];
    const m = await allMetrics(a, b);
    expectClose(m.r2_b_from_a, want.r2_b_from_a, 1e-9);
    expectClose(m.r2_a_from_b, want.r2_a_from_b, 1e-9);
    expectClose(m.mean_r2_b_from_a, want.mean_r2_b_from_a, 1e-9);
    expectClose(m.mean_r2_a_from_b, want.mean_r2_a_from_b, 1e-9);
  });

  it('Procrustes distance (numpy solves the orthogonal Procrustes problem literally)', async () => {
    const { a, b } = await loadData(name);
    expectClose((await allMetrics(a, b)).procrustes, expected[name].procrustes, 1e-9);
  });
});

describe('invariances', () => {
  it('CKA is invariant to orthogonal transforms and isotropic scaling of either side', async () => {
    const { a, b } = await loadData('structured');
    const live = columns(a, [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
    const base = (await allMetrics(live, b)).linear_cka as number;
    const q = randomMatrix(12, seededNormal(7), 'orthogonal');
    const rotated = transform(live, q.map((v) => v * 3.7), 12, 5);
    const qb = randomMatrix(8, seededNormal(8), 'orthogonal');
    const rotatedB = transform(b, qb.map((v) => v * 0.02), 8, -1);
    expectClose((await allMetrics(rotated, b)).linear_cka, base, 1e-12);
    expectClose((await allMetrics(live, rotatedB)).linear_cka, base, 1e-12);
    expectClose((await allMetrics(rotated, rotatedB)).linear_cka, base, 1e-12);
    // ... but not to an arbitrary invertible map (CKA is not CCA).
    const skew = transform(live, randomMatrix(12, seededNormal(9), 'invertible'), 12);
    expect(Math.abs(((await allMetrics(skew, b)).linear_cka as number) - base)).toBeGreaterThan(1e-3);
  });

  it('CCA, SVCCA at keep = 1 and regression R^2 of the predicted side are invariant to invertible linear maps', async () => {
    const { a, b } = await loadData('kornblith');
    const base = await allMetrics(a, b, 1);
    const ma = randomMatrix(10, seededNormal(11), 'invertible');
    const mb = randomMatrix(10, seededNormal(12), 'invertible');
    const moved = await allMetrics(transform(a, ma, 10, 3), transform(b, mb, 10, -7), 1);
    base.cca.values.forEach((v, i) => expectClose(moved.cca.values[i], v, 1e-10));
    base.svcca.values.forEach((v, i) => expectClose(moved.svcca.values[i], v, 1e-10));
    // Predicting B from A does not depend on how A is parametrized.
    const movedA = await allMetrics(transform(a, ma, 10, 3), b);
    expectClose(movedA.r2_b_from_a, base.r2_b_from_a as number, 1e-10);
    expectClose(movedA.mean_r2_b_from_a, base.mean_r2_b_from_a as number, 1e-10);
  });

  it('Procrustes is invariant to per-unit scale and shift, symmetric, and 0 for copies of units', async () => {
    const { a, b } = await loadData('kornblith');
    const base = (await allMetrics(a, b)).procrustes as number;
    const scale = new Float64Array(100);
    for (let i = 0; i < 10; i++) scale[i * 10 + i] = 0.5 + i;
    expectClose((await allMetrics(transform(a, scale, 10, 2), b)).procrustes, base, 1e-12);
    expectClose((await allMetrics(b, a)).procrustes, base, 1e-12);
    // B made of every unit of A twice: Zb = Za R for an orthogonal R once Za is zero-padded.
    const twice = columns(a, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectClose((await allMetrics(a, twice)).procrustes, 0, 1e-12);
  });
});

describe('edge cases', () => {
  it('identical nets: CKA 1, every canonical correlation 1, SVCCA 1, Procrustes 0, R^2 1', async () => {
    const { a } = await loadData('structured');
    const m = await allMetrics(a, a);
    expectClose(m.linear_cka, 1, 1e-12);
    expect(m.cca.values.length).toBe(12);
    m.cca.values.forEach((v) => expectClose(v, 1, 1e-9));
    m.svcca.values.forEach((v) => expectClose(v, 1, 1e-9));
    expectClose(m.procrustes, 0, 1e-12);
    for (const r2 of [m.r2_a_from_b, m.r2_b_from_a, m.mean_r2_a_from_b, m.mean_r2_b_from_a]) expectClose(r2, 1, 1e-9);
  });

  it('a dead unit is left out: no NaN, the same values as without it', async () => {
    const { a, b } = await loadData('kornblith');
    const withDead = columns(b, [0, 1, { constant: 0 }, 2, 3, 4, 5, 6, { constant: 4.25 }, 7, 8, 9]);
    const base = await allMetrics(a, b);
    const dead = await allMetrics(a, withDead);
    expect(dead.blocks.db).toBe(10);
    for (const key of ['linear_cka', 'mean_cca', 'mean_cca_sq', 'r2_b_from_a', 'r2_a_from_b', 'mean_r2_b_from_a', 'mean_r2_a_from_b', 'procrustes'] as const) {
      expect(Number.isFinite(dead[key])).toBe(true);
      expectClose(dead[key] as number, base[key] as number, 1e-12);
    }
    expectClose(dead.svcca.mean, base.svcca.mean as number, 1e-12);
  });

  it('rank-deficient covariances (a unit repeated, fewer samples than units) give no NaN', async () => {
    const { a, b } = await loadData('kornblith');
    // A's unit 0 twice and unit 1 + unit 2 as a third: rank 10 of 12.
    const mix = new Float64Array(10 * 12);
    for (let i = 0; i < 10; i++) mix[i * 12 + i] = 1;
    mix[0 * 12 + 10] = 1;
    mix[1 * 12 + 11] = 1;
    mix[2 * 12 + 11] = 1;
    const base = await allMetrics(a, b);
    const redundant = await allMetrics(transform(a, mix, 12), b);
    expect(redundant.cca.rankA).toBe(10);
    base.cca.values.forEach((v, i) => expectClose(redundant.cca.values[i], v, 1e-8));
    expectClose(redundant.r2_b_from_a, base.r2_b_from_a as number, 1e-8);
    // 8 samples of 10 + 10 units: rank 7 each, and then CCA is trivially perfect.
    const few = (d: Data): Data => ({ x: d.x.slice(0, 8 * d.d), n: 8, d: d.d });
    const tiny = await allMetrics(few(a), few(b));
    expect(tiny.cca.rankA).toBe(7);
    expect(tiny.cca.rankB).toBe(7);
    tiny.cca.values.forEach((v) => expectClose(v, 1, 1e-6));
    for (const v of [tiny.linear_cka, tiny.mean_cca, tiny.r2_b_from_a, tiny.procrustes, tiny.svcca.mean]) expect(Number.isFinite(v)).toBe(true);
  });

  it('no live units: null, not NaN', async () => {
    const { sab, saa, sbb } = { sab: new Float64Array(0), saa: new Float64Array(0), sbb: new Float64Array(4) };
    sbb[0] = sbb[3] = 1;
    expect(linearCka(sab, saa, sbb, 0, 2)).toBeNull();
    expect(await procrustesDistance(sab, saa, sbb, 0, 2)).toBeNull();
    expect((await canonicalCorrelations(sab, saa, sbb, 0, 2)).values.length).toBe(0);
    expect((await svcca(sab, saa, sbb, 0, 2)).mean).toBeNull();
    expect((await regressionR2(new Float64Array(0), sbb, saa, 2, 0)).r2).toBeNull();
  });
});

describe('linear algebra helpers', () => {
  it('singular values keep their absolute accuracy when small (better than the square root of the Gram eigenvalues)', async () => {
    // T = U diag(s) V' with known s, 7 x 5 and transposed, several random bases.
    const cases: [number[], number][] = [
      [[3, 1, 0.1, 1e-3, 1e-6], 1e-14],
      [[1, 0.9, 0.5, 0.1, 0], 1e-14],
      // sqrt(lambda) would be off by ~5e-8 here.
      [[3, 1, 1e-4, 1e-9, 1e-14], 3e-9],
    ];
    for (const [s, tol] of cases) {
      for (let seed = 1; seed <= 3; seed++) {
        const u = randomMatrix(7, seededNormal(seed), 'orthogonal');
        const v = randomMatrix(5, seededNormal(seed + 10), 'orthogonal');
        const us = new Float64Array(7 * 5);
        for (let i = 0; i < 7; i++) for (let k = 0; k < 5; k++) us[i * 5 + k] = u[i * 7 + k] * s[k];
        const t = matMul(us, transpose(v, 5, 5), 7, 5, 5);
        for (const [mat, m, n] of [[t, 7, 5], [transpose(t, 7, 5), 5, 7]] as const) {
          const got = await singularValues(mat, m, n);
          expect(got.length).toBe(5);
          s.forEach((want, i) => expect(Math.abs(got[i] - want)).toBeLessThan(tol));
        }
      }
    }
  });

  it('inverse square root, a pseudo-inverse one where the matrix is singular', async () => {
    const { a } = await loadData('kornblith');
    const saa = blocksOf(jointMoments(a, a), 10).saa;
    const { matrix: w, rank } = await inverseSqrt(saa, 10);
    expect(rank).toBe(10);
    const id = matMul(matMul(w, saa, 10, 10, 10), w, 10, 10, 10);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) expect(Math.abs(id[i * 10 + j] - (i === j ? 1 : 0))).toBeLessThan(1e-12);
    const singular = Float64Array.of(1, 1, 1, 1);
    const p = await inverseSqrt(singular, 2);
    expect(p.rank).toBe(1);
    [...p.matrix].forEach((x) => expect(x).toBeCloseTo(0.5 / Math.SQRT2, 14));
  });

  it('principal dimensions: the fewest leading eigenvalues reaching the fraction', () => {
    const values = Float64Array.of(5, 3, 1.5, 0.5, 0);
    expect(principalDims(values, 0.5)).toBe(1);
    expect(principalDims(values, 0.8)).toBe(2);
    expect(principalDims(values, 0.95)).toBe(3);
    expect(principalDims(values, 1)).toBe(4);
    expect(principalDims(new Float64Array(3), 0.99)).toBe(0);
  });
});
