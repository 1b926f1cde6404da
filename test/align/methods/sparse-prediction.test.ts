// Method `sparse-prediction` on the moments of planted data: net A has 8 units (unit 6 dead), net
// B has 6 (unit 3 dead): b0 = 0.7 a3 + noise (one predictor), b1 = -a5 + noise (a negative copy:
// semi-matching, which pairs by the largest correlation, misses it), b2 = 0.5 a1 + 0.5 a2 + noise,
// b4 pure noise, b5 = 2 a0 + 1 (exact). Checks the tables' columns and contents, the weights, the
// one-to-one comparisons (recomputed here from the correlations), that nothing is NaN, options,
// raw covariances, and nets without live units.
import type { ColumnTable } from 'arquero';
import { describe, expect, it } from 'vitest';
import { leastSquaresGram, lassoProblemFromMoments } from '../../../src/kernels/lasso/index.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../../src/kernels/moments/reference.js';
import { parseAlphas, sparsePredictionMethod } from '../../../src/align/methods/sparse-prediction.js';
import { lassoCostNote } from '../../../src/align/methods/sparse-prediction-cost.js';
import type { MethodContext, MethodResult } from '../../../src/align/methods/types.js';
import { contextFromMoments, optionsWithDefaults } from '../../helpers/method-context.js';
import { Rng } from '../../helpers/rng.js';


const N = 2000;

/** Unit-major samples of A (8 units) then B (6 units), and their joint moments. */
function planted(seed = 1): BatchMoments {
  const g = new Rng(seed);
  const x = new Float64Array(14 * N);
  const a = (u: number, s: number) => x[u * N + s];
  for (let s = 0; s < N; s++) {
    for (let u = 0; u < 8; u++) x[u * N + s] = u === 6 ? 2 : g.normal() * (1 + u / 4) + u;
    // A little correlation between a1 and a2.
    x[2 * N + s] += 0.3 * a(1, s);
  }
  const b = (u: number) => (8 + u) * N;
  for (let s = 0; s < N; s++) {
    x[b(0) + s] = 0.7 * ((a(3, s) - 3) / 1.75) + 0.1 * g.normal();
    x[b(1) + s] = -a(5, s) + 0.05 * g.normal();
    x[b(2) + s] = 0.5 * a(1, s) + 0.5 * a(2, s) + 0.1 * g.normal();
    x[b(3) + s] = 0;
    x[b(4) + s] = g.normal();
    x[b(5) + s] = 2 * a(0, s) + 1;
  }
  return batchMomentsReference(x, 14, N);
}

function context(moments: BatchMoments, nets: { name: string; units: number }[], options: Record<string, unknown> = {}): MethodContext & { logs: string[] } {
  return contextFromMoments(moments, nets, optionsWithDefaults(sparsePredictionMethod, options));
}

const NETS = [
  { name: 'A', units: 8 },
  { name: 'B', units: 6 },
];

function rows(t: ColumnTable): Record<string, unknown>[] {
  return t.objects() as Record<string, unknown>[];
}

function expectNoNaN(result: MethodResult): void {
  for (const [name, t] of Object.entries(result.tables ?? {})) {
    for (const row of rows(t)) {
      for (const [col, v] of Object.entries(row)) {
        if (typeof v === 'number') expect(Number.isFinite(v), `${name}.${col}`).toBe(true);
        else expect(v === null || typeof v === 'string', `${name}.${col}`).toBe(true);
      }
    }
  }
  for (const [key, a] of Object.entries(result.arrays ?? {})) for (const v of a.data) expect(Number.isFinite(v), key).toBe(true);
}

describe('sparse-prediction', () => {
  it('finds the planted few-to-one structure', async () => {
    const moments = planted();
    const ctx = context(moments, NETS);
    const result = await sparsePredictionMethod.run(ctx);
    expectNoNaN(result);
    const tables = result.tables!;
    expect(Object.keys(tables).sort()).toEqual(['metrics', 'sparse_prediction', 'sparse_prediction_units']);
    expect(tables.sparse_prediction.columnNames()).toEqual(['layer', 'net_from', 'net_to', 'alpha', 'loss', 'mean_nonzeros']);
    expect(tables.sparse_prediction_units.columnNames()).toEqual(['layer', 'net_from', 'net_to', 'alpha', 'unit', 'loss', 'nonzeros']);
    expect(tables.metrics.columnNames()).toEqual(['layer', 'net_a', 'net_b', 'metric', 'value']);

    const alphas = [0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
    const summary = rows(tables.sparse_prediction);
    expect(summary.length).toBe(12);
    expect(summary.map((r) => [r.net_from, r.net_to, r.alpha])).toEqual([
      ...alphas.map((a) => ['A', 'B', a]),
      ...alphas.map((a) => ['B', 'A', a]),
    ]);
    const units = rows(tables.sparse_prediction_units);
    // Live targets only: 5 of B's units, 7 of A's, for each penalty.
    expect(units.length).toBe(6 * 5 + 6 * 7);
    expect(units.some((r) => r.net_to === 'B' && r.unit === 3)).toBe(false);
    expect(units.some((r) => r.net_to === 'A' && r.unit === 6)).toBe(false);
    const unit = (to: string, u: number, alpha: number) => units.find((r) => r.net_to === to && r.unit === u && r.alpha === alpha)!;

    // b0 = 0.7 a3 (standardized) + noise: one predictor, loss ~ 0.1^2 / (0.49 + 0.01) = 0.02.
    for (const alpha of [1e-2, 1e-1]) expect(unit('B', 0, alpha).nonzeros).toBe(1);
    expect(unit('B', 0, 0).loss as number).toBeGreaterThan(0.015);
    expect(unit('B', 0, 1e-2).loss as number).toBeLessThan(0.03);
    // b1 = -a5: the negative copy is found by the regression.
    expect(unit('B', 1, 1e-2).nonzeros).toBe(1);
    expect(unit('B', 1, 1e-2).loss as number).toBeLessThan(0.01);
    // b2 needs two predictors, b4 none, b5 is exact at alpha 0.
    expect(unit('B', 2, 1e-2).nonzeros).toBe(2);
    expect(unit('B', 4, 1e-1).nonzeros).toBe(0);
    expect(unit('B', 4, 1e-1).loss).toBe(1);
    expect(unit('B', 5, 0).loss as number).toBeLessThan(1e-10);
    expect(unit('B', 5, 1e-1).nonzeros).toBe(1);
    // Least squares is never beaten, and losses grow with the penalty, sparsity with it.
    for (const to of ['A', 'B']) {
      for (const r of units.filter((x) => x.net_to === to && x.alpha === 0)) {
        let prev = r;
        for (const alpha of alphas.slice(1)) {
          const cur = unit(to, r.unit as number, alpha);
          expect(cur.loss as number).toBeGreaterThanOrEqual((prev.loss as number) - 1e-12);
          expect(cur.nonzeros as number).toBeLessThanOrEqual(prev.nonzeros as number);
          prev = cur;
        }
      }
    }
    // Means of the unit rows.
    for (const s of summary) {
      const us = units.filter((r) => r.net_from === s.net_from && r.alpha === s.alpha);
      expect(s.loss as number).toBeCloseTo(us.reduce((a, r) => a + (r.loss as number), 0) / us.length, 14);
      expect(s.mean_nonzeros as number).toBeCloseTo(us.reduce((a, r) => a + (r.nonzeros as number), 0) / us.length, 14);
    }

    // Weights: (units of from) x (units of to), dead rows and columns 0.
    const arrays = result.arrays!;
    expect(Object.keys(arrays).length).toBe(12);
    const w = arrays['sparse_prediction.w.A.B.alpha4']; // alpha 1e-2
    expect(w.shape).toEqual([8, 6]);
    for (let j = 0; j < 6; j++) expect(w.data[6 * 6 + j]).toBe(0);
    for (let i = 0; i < 8; i++) expect(w.data[i * 6 + 3]).toBe(0);
    // Standardized weight of a3 for b0: about corr(a3, b0) - alpha = 0.99 - 0.01.
    expect(w.data[3 * 6 + 0]).toBeGreaterThan(0.96);
    expect(w.data[3 * 6 + 0]).toBeLessThan(0.99);
    expect(w.data[5 * 6 + 1]).toBeLessThan(-0.98);
    expect(arrays['sparse_prediction.w.B.A.alpha0'].shape).toEqual([6, 8]);

    // One-to-one comparisons, recomputed from the correlations.
    const metrics = Object.fromEntries(rows(tables.metrics).map((r) => [r.metric as string, r.value as number]));
    expect(rows(tables.metrics).every((r) => r.net_a === 'A' && r.net_b === 'B' && r.layer === 'fc')).toBe(true);
    expect(Object.keys(metrics).sort()).toEqual([
      'prediction_loss_bipartite_a_from_b',
      'prediction_loss_bipartite_b_from_a',
      'prediction_loss_dense_a_from_b',
      'prediction_loss_dense_b_from_a',
      'prediction_loss_semi_a_from_b',
      'prediction_loss_semi_b_from_a',
    ]);
    const corr = ctx.correlation(0, 1);
    const liveA = [0, 1, 2, 3, 4, 5, 7];
    const liveB = [0, 1, 2, 4, 5];
    let semi = 0;
    for (const u of liveB) semi += 1 - Math.max(...liveA.map((i) => corr[i * 6 + u])) ** 2;
    expect(metrics.prediction_loss_semi_b_from_a).toBeCloseTo(semi / liveB.length, 12);
    let semiBA = 0;
    for (const i of liveA) semiBA += 1 - Math.max(...liveB.map((u) => corr[i * 6 + u])) ** 2;
    expect(metrics.prediction_loss_semi_a_from_b).toBeCloseTo(semiBA / liveA.length, 12);
    // b1 = -a5 is missed by semi-matching (loss near 1 for it), found by the dense map.
    expect(metrics.prediction_loss_semi_b_from_a).toBeGreaterThan(0.2);
    const dense = units.filter((r) => r.net_to === 'B' && r.alpha === 0).reduce((a, r) => a + (r.loss as number), 0) / 5;
    expect(metrics.prediction_loss_dense_b_from_a).toBeCloseTo(dense, 14);
    for (const dir of ['b_from_a', 'a_from_b']) {
      expect(metrics[`prediction_loss_dense_${dir}`]).toBeLessThanOrEqual(metrics[`prediction_loss_semi_${dir}`]);
      expect(metrics[`prediction_loss_dense_${dir}`]).toBeLessThanOrEqual(metrics[`prediction_loss_bipartite_${dir}`]);
    }
    // Bipartite: 5 live units of B matched one-to-one into 7 of A; 2 units of A unmatched (loss 1).
    expect(metrics.prediction_loss_bipartite_a_from_b).toBeGreaterThanOrEqual(2 / 7);
  });

  it('dense loss equals the least-squares R^2 computed independently', async () => {
    const moments = planted(2);
    const result = await sparsePredictionMethod.run(context(moments, NETS, { alphas: '0', weights: false }));
    expect(result.arrays).toBeUndefined();
    const units = rows(result.tables!.sparse_prediction_units).filter((r) => r.net_to === 'B');
    const p = lassoProblemFromMoments(moments, [0, 1, 2, 3, 4, 5, 7], [8, 9, 10, 12, 13]);
    const ls = leastSquaresGram(p);
    units.forEach((r, j) => expect(r.loss as number).toBeCloseTo(Math.max(0, ls.residual[j]), 12));
  });

  it('raw covariances give the same least-squares losses and other weights', async () => {
    const moments = planted(3);
    const std = await sparsePredictionMethod.run(context(moments, NETS, { alphas: '0,0.01' }));
    const raw = await sparsePredictionMethod.run(context(moments, NETS, { alphas: '0,0.01', standardize: 'false' }));
    expectNoNaN(raw);
    const a = rows(std.tables!.sparse_prediction);
    const b = rows(raw.tables!.sparse_prediction);
    expect(b[0].loss as number).toBeCloseTo(a[0].loss as number, 10);
    expect(b[2].loss as number).toBeCloseTo(a[2].loss as number, 10);
    // b5 = 2 a0 + 1 with sd(a0) = 1: raw weight 2, standardized weight 1.
    expect(raw.arrays!['sparse_prediction.w.A.B.alpha0'].data[0 * 6 + 5]).toBeCloseTo(2, 6);
    expect(std.arrays!['sparse_prediction.w.A.B.alpha0'].data[0 * 6 + 5]).toBeCloseTo(1, 6);
  });

  it('three nets, a net without live units, and file-safe array names', async () => {
    const base = planted(4);
    // Add a net "C/dead" of 2 constant units.
    const d = 16;
    const m2 = new Float64Array(d * d);
    for (let i = 0; i < 14; i++) for (let j = 0; j < 14; j++) m2[i * d + j] = base.m2[i * 14 + j];
    const mean = new Float64Array(d);
    mean.set(base.mean);
    mean[14] = 1;
    mean[15] = 5;
    const moments: BatchMoments = { n: base.n, d, mean, m2 };
    const ctx = context(moments, [...NETS, { name: 'C/dead', units: 2 }], { alphas: [0.1, 0] });
    const result = await sparsePredictionMethod.run(ctx);
    expectNoNaN(result);
    const summary = rows(result.tables!.sparse_prediction);
    expect(summary.length).toBe(3 * 2 * 2);
    // Nothing to predict in C: null means; predicting from C: the mean only, loss 1.
    for (const r of summary.filter((x) => x.net_to === 'C/dead')) {
      expect(r.loss).toBeNull();
      expect(r.mean_nonzeros).toBeNull();
    }
    for (const r of summary.filter((x) => x.net_from === 'C/dead')) {
      expect(r.loss).toBe(1);
      expect(r.mean_nonzeros).toBe(0);
    }
    const metrics = rows(result.tables!.metrics);
    expect(metrics.length).toBe(3 * 6);
    for (const r of metrics.filter((x) => x.net_b === 'C/dead' && (x.metric as string).endsWith('b_from_a'))) expect(r.value).toBeNull();
    for (const r of metrics.filter((x) => x.net_b === 'C/dead' && (x.metric as string).endsWith('a_from_b'))) expect(r.value).toBe(1);
    expect(Object.keys(result.arrays!)).toContain('sparse_prediction.w.A.C_dead.alpha1');
    expect(result.arrays!['sparse_prediction.w.C_dead.B.alpha0'].data.every((x) => x === 0)).toBe(true);
  });

  it('logs a singular correlation matrix and unconverged solutions', async () => {
    const base = planted(5);
    // Net A2 = A plus a copy of a0: its correlation matrix is singular.
    const d = 15;
    const m2 = new Float64Array(d * d);
    const src = (i: number) => (i < 8 ? i : i === 8 ? 0 : i - 1);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m2[i * d + j] = base.m2[src(i) * 14 + src(j)];
    const mean = Float64Array.from({ length: d }, (_, i) => base.mean[src(i)]);
    const ctx = context({ n: base.n, d, mean, m2 }, [{ name: 'A2', units: 9 }, { name: 'B', units: 6 }], { alphas: '0,1e-6', 'max-iter': 1, tol: 1e-15 });
    const result = await sparsePredictionMethod.run(ctx);
    expectNoNaN(result);
    expect(ctx.logs.some((l) => /A2's 8 live units is singular \(rank 7\)/.test(l))).toBe(true);
    expect(ctx.logs.some((l) => /solutions not within tol/.test(l))).toBe(true);
  });

  it('says the dense map is undetermined with no more samples than predictors, never a loss of 0', async () => {
    // 6 samples of 8 + 6 random units: any 5 of A's centred units fit B exactly, whatever the data.
    const g = new Rng(11);
    const n = 6;
    const x = Float64Array.from({ length: 14 * n }, () => g.normal());
    const ctx = context(batchMomentsReference(x, 14, n), NETS, { alphas: '0,1e-2' });
    const result = await sparsePredictionMethod.run(ctx);
    expectNoNaN(result);
    const dense = rows(result.tables!.metrics).filter((r) => String(r.metric).startsWith('prediction_loss_dense'));
    expect(dense).toHaveLength(2);
    for (const r of dense) expect(r.value).toBeNull();
    const notes = rows(result.tables!.metric_notes).filter((r) => String(r.metric).startsWith('prediction_loss_dense'));
    expect(notes.map((r) => r.metric).sort()).toEqual(['prediction_loss_dense_a_from_b', 'prediction_loss_dense_b_from_a']);
    for (const r of notes) expect(String(r.reason)).toMatch(/^undetermined: 6 samples span at most 5 directions/);
    const summary = rows(result.tables!.sparse_prediction);
    for (const r of summary.filter((r) => r.alpha === 0)) expect(r.loss).toBeNull();
    for (const r of summary.filter((r) => r.alpha === 1e-2)) expect(typeof r.loss).toBe('number');
    for (const r of rows(result.tables!.sparse_prediction_units).filter((r) => r.alpha === 0)) expect(r.loss).toBeNull();
    // With enough samples the same option set gives numbers and no notes.
    const enough = await sparsePredictionMethod.run(context(planted(2), NETS, { alphas: '0,1e-2' }));
    expect(rows(enough.tables!.metrics).every((r) => typeof r.value === 'number' || !String(r.metric).startsWith('prediction_loss_dense'))).toBe(true);
    expect(enough.tables!.metric_notes).toBeUndefined();
  });

  it('parses and checks its options', async () => {
    expect(parseAlphas('0, 1e-5,1e-3')).toEqual([0, 1e-5, 1e-3]);
    expect(parseAlphas(0.5)).toEqual([0.5]);
    expect(parseAlphas([0.1, '0.2'])).toEqual([0.1, 0.2]);
    expect(() => parseAlphas('0.1,-1')).toThrow(/non-negative/);
    expect(() => parseAlphas('')).toThrow(/empty/);
    expect(() => parseAlphas('0.1,0.1')).toThrow(/repeated/);
    const moments = planted(6);
    await expect(sparsePredictionMethod.run(context(moments, NETS, { tol: 0 }))).rejects.toThrow(/option tol/);
    await expect(sparsePredictionMethod.run(context(moments, NETS, { 'max-iter': 2.5 }))).rejects.toThrow(/option max-iter/);
    await expect(sparsePredictionMethod.run(context(moments, NETS, { standardize: 'maybe' }))).rejects.toThrow(/option standardize/);
    await expect(sparsePredictionMethod.run(context(moments, NETS, { threads: -1 }))).rejects.toThrow(/option threads/);
  });

  it('gives the same tables on one thread and on worker threads', async () => {
    const moments = planted(6);
    const one = (await sparsePredictionMethod.run(context(moments, NETS, { threads: 1 }))).tables!;
    const two = (await sparsePredictionMethod.run(context(moments, NETS, { threads: 2 }))).tables!;
    expect(two.sparse_prediction_units.objects()).toEqual(one.sparse_prediction_units.objects());
  });

  it('announces a long direction with an estimate before it starts, and not a short one', () => {
    expect(lassoCostNote('fc1 B from A', 384, 384, 2000, 6, 2)).toBeNull();
    expect(lassoCostNote('fc6 B from A', 4096, 4096, 50000, 6, 2)).toMatch(/^fc6 B from A: 4096 targets x 4096 predictors x 6 penalties on 2 threads, about [\d.]+ h \(an estimate\)$/);
    expect(lassoCostNote('fc6 B from A', 4096, 4096, 300, 6, 16)).toMatch(/about [\d.]+ (min|h) \(an estimate; 300 samples for 4096 predictors: G is singular\)$/);
  });
});
