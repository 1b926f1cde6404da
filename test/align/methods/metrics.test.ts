// The six metric methods through Method.run: on contexts built from moments, and end to end
// through probe + align, where their `metrics` tables stack into one.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../../src/align/methods/builtin/index.js';
import { metricMethods } from '../../../src/align/methods/metrics/index.js';
import type { Method } from '../../../src/align/methods/types.js';
import { covarianceBlocks } from '../../../src/align/math/blocks.js';
import { linearCka } from '../../../src/align/math/cka.js';
import { PluginRegistry } from '../../../src/plugins/registry.js';
import { align } from '../../../src/align/align.js';
import { probe } from '../../../src/probe/probe.js';
import { unitStats } from '../../../src/align/unit-stats.js';
import { mergeMethodTables } from '../../../src/tables/combine.js';
import { columns, expected, jointMoments, loadData } from '../math/helpers.js';
import { contextFromMoments } from '../../helpers/method-context.js';
import { threeNets } from '../../helpers/fixture-nets.js';

const METRIC_COLUMNS = ['layer', 'net_a', 'net_b', 'metric', 'value'];
const method = (name: string): Method => metricMethods.find((m) => m.name === name)!;

/** metric -> value for one pair, from a `metrics` table. */
function metricsOf(t: ColumnTable, a = 'A', b = 'B'): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const r of t.objects() as Record<string, unknown>[]) if (r.net_a === a && r.net_b === b) out[r.metric as string] = r.value as number | null;
  return out;
}

function expectNoNaN(t: ColumnTable): void {
  for (const row of t.objects() as Record<string, unknown>[]) {
    for (const v of Object.values(row)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  }
}

async function runAll(ctx: ReturnType<typeof contextFromMoments>, methods = metricMethods): Promise<Map<string, ColumnTable>> {
  const tables = new Map<string, ColumnTable>();
  for (const m of methods) mergeMethodTables(tables, (await m.run(ctx)).tables);
  return tables;
}

describe('metric methods on a context built from moments', () => {
  it('exports the six methods, registered as built-ins', () => {
    expect(metricMethods.map((m) => m.name)).toEqual(['linear-cka', 'cca', 'svcca', 'regression', 'procrustes', 'activation-stats']);
    const registry = new PluginRegistry();
    registry.add(builtinPlugin, 'built-in');
    expect(registry.methods.names()).toEqual(expect.arrayContaining(['semi', 'bipartite', 'linear-cka', 'activation-stats']));
  });

  it.each(['kornblith', 'structured'])('each method writes its rows of the long metrics table, numpy values (%s)', async (name) => {
    const { a, b } = await loadData(name);
    const want = expected[name];
    const ctx = contextFromMoments(jointMoments(a, b), [{ name: 'A', units: a.d }, { name: 'B', units: b.d }]);
    const rowsOf: Record<string, string[]> = {
      'linear-cka': ['linear_cka'],
      cca: ['mean_cca', 'mean_cca_sq', 'cca_rank_a', 'cca_rank_b'],
      svcca: ['svcca', 'svcca_dims_a', 'svcca_dims_b'],
      regression: ['r2_b_from_a', 'mean_r2_b_from_a', 'r2_a_from_b', 'mean_r2_a_from_b'],
      procrustes: ['procrustes'],
    };
    for (const [m, metrics] of Object.entries(rowsOf)) {
      const { tables } = await method(m).run(ctx);
      expect(tables!.metrics.columnNames()).toEqual(METRIC_COLUMNS);
      expect(tables!.metrics.array('metric')).toEqual(metrics);
      expect(tables!.metric_notes).toBeUndefined();
    }
    const all = await runAll(ctx);
    const metrics = all.get('metrics')!;
    expect(metrics.columnNames()).toEqual(METRIC_COLUMNS);
    expect(metrics.numRows()).toBe(13);
    expectNoNaN(metrics);
    const got = metricsOf(metrics);
    for (const key of ['linear_cka', 'mean_cca', 'mean_cca_sq', 'svcca', 'r2_b_from_a', 'r2_a_from_b', 'mean_r2_b_from_a', 'mean_r2_a_from_b', 'procrustes'] as const) {
      expect(Math.abs((got[key] as number) - want[key])).toBeLessThan(1e-9);
    }
    expect(got.svcca_dims_a).toBe(want.svcca_dims_a);
    expect(got.svcca_dims_b).toBe(want.svcca_dims_b);
    expect(got.cca_rank_a).toBe(want.units_a - want.dead_a.length);
    const cc = all.get('canonical_correlations')!;
    expect(cc.columnNames()).toEqual(['layer', 'net_a', 'net_b', 'index', 'value']);
    expect(cc.array('index')).toEqual(want.canonical_correlations.map((_, i) => i));
    want.canonical_correlations.forEach((v, i) => expect(Math.abs((cc.array('value')[i] as number) - v)).toBeLessThan(1e-9));
    expect(all.get('svcca_correlations')!.numRows()).toBe(want.svcca_correlations.length);
    if (name === 'kornblith') {
      expect(got.linear_cka).toBeCloseTo(0.55761, 5);
      expect(got.mean_cca_sq).toBeCloseTo(0.5454, 5);
    }
  });

  it('activation_stats: each net\'s means sorted high to low, dead units flagged', async () => {
    const { a, b } = await loadData('structured');
    const ctx = contextFromMoments(jointMoments(a, b), [{ name: 'A', units: a.d }, { name: 'B', units: b.d }], {}, 'conv1');
    const t = (await method('activation-stats').run(ctx)).tables!.activation_stats;
    expect(t.columnNames()).toEqual(['layer', 'net', 'rank', 'unit', 'mean', 'dead', 'rare']);
    expect(t.numRows()).toBe(a.d + b.d);
    for (const [net, k] of [['A', 0], ['B', 1]] as const) {
      const rows = (t.objects() as { layer: string; net: string; rank: number; unit: number; mean: number; dead: boolean }[]).filter((r) => r.net === net);
      expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i));
      expect([...rows.map((r) => r.unit)].sort((x, y) => x - y)).toEqual(rows.map((_, i) => i));
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1].mean).toBeGreaterThanOrEqual(rows[i].mean);
      for (const r of rows) {
        expect(r.layer).toBe('conv1');
        expect(r.mean).toBe(ctx.nets[k].stats.mean[r.unit]);
        expect(r.dead).toBe(net === 'A' && r.unit === 5);
      }
    }
    const deadRow = (t.objects() as { net: string; unit: number; mean: number; dead: boolean }[]).find((r) => r.dead)!;
    expect(deadRow).toMatchObject({ net: 'A', unit: 5, mean: 2 });
    expect((t.objects() as { rare: boolean }[]).every((r) => r.rare === false)).toBe(true);
  });

  it('activation_stats: a rare unit (left out like a dead one) is flagged rare, not dead', async () => {
    const { a, b } = await loadData('structured');
    const ctx = contextFromMoments(jointMoments(a, b), [{ name: 'A', units: a.d }, { name: 'B', units: b.d }], {}, 'conv1');
    // What the rare-unit rule of align leaves: unit 2 of B fires on 3 images, below the minimum of 20.
    const stats = ctx.nets[1].stats;
    const rare = new Uint8Array(b.d);
    rare[2] = 1;
    const activeImages = Int32Array.from({ length: b.d }, (_, u) => (u === 2 ? 3 : 100));
    ctx.nets[1].stats = { ...stats, dead: Uint8Array.from(stats.dead, (v, u) => v | rare[u]), rareRule: { minActiveImages: 20, activeImages, constant: stats.dead, rare } } as typeof stats;
    const t = (await method('activation-stats').run(ctx)).tables!.activation_stats;
    const rows = t.objects() as { net: string; unit: number; dead: boolean; rare: boolean }[];
    expect(rows.find((r) => r.net === 'B' && r.unit === 2)).toMatchObject({ dead: false, rare: true });
    expect(rows.filter((r) => r.rare)).toHaveLength(1);
    expect(rows.filter((r) => r.dead)).toMatchObject([{ net: 'A', unit: 5 }]);
  });

  it('options: svcca.keep and epsilon are read, defaulted and checked', async () => {
    const { a, b } = await loadData('structured');
    const moments = jointMoments(a, b);
    const nets = [{ name: 'A', units: a.d }, { name: 'B', units: b.d }];
    const half = metricsOf((await method('svcca').run(contextFromMoments(moments, nets, { keep: 0.5 }))).tables!.metrics);
    expect(half.svcca_dims_a).toBe(1);
    expect(half.svcca_dims_b).toBe(2);
    const all = metricsOf((await method('svcca').run(contextFromMoments(moments, nets, { keep: 1, epsilon: 1e-10 }))).tables!.metrics);
    expect(all.svcca_dims_a).toBe(12);
    await expect(method('svcca').run(contextFromMoments(moments, nets, { keep: 1.5 }))).rejects.toThrow(/option keep must be in \(0, 1\]/);
    await expect(method('cca').run(contextFromMoments(moments, nets, { epsilon: -1 }))).rejects.toThrow(/option epsilon/);
    expect(method('svcca').options!.keep.default).toBe(0.99);
  });

  it('three nets, one of them all dead: every pair gets rows, null values with notes, never NaN', async () => {
    const { a, b } = await loadData('kornblith');
    const dead = columns(a, [{ constant: 0 }, { constant: 1.5 }, { constant: 0 }]);
    const ctx = contextFromMoments(jointMoments(a, b, dead), [{ name: 'A', units: 10 }, { name: 'B', units: 10 }, { name: 'C', units: 3 }]);
    const all = await runAll(ctx);
    const metrics = all.get('metrics')!;
    expectNoNaN(metrics);
    expect(metrics.numRows()).toBe(3 * 13);
    const ab = metricsOf(metrics, 'A', 'B');
    expect(Math.abs((ab.linear_cka as number) - expected.kornblith.linear_cka)).toBeLessThan(1e-9);
    const ac = metricsOf(metrics, 'A', 'C');
    for (const key of ['linear_cka', 'mean_cca', 'svcca', 'r2_b_from_a', 'procrustes']) expect(ac[key]).toBeNull();
    expect(ac.svcca_dims_b).toBe(0);
    const notes = all.get('metric_notes')!;
    expect(notes.columnNames()).toEqual(['layer', 'net_a', 'net_b', 'metric', 'reason']);
    expect(notes.objects()).toContainEqual({ layer: 'fc', net_a: 'B', net_b: 'C', metric: 'linear_cka', reason: 'no live units in C (all dead, or no samples)' });
    expect(ctx.logs.some((l) => l.includes('no live units in C'))).toBe(true);
    const stats = all.get('activation_stats')!;
    expect(stats.numRows()).toBe(23);
    expect(stats.array('dead').filter(Boolean).length).toBe(3);
  });
});

describe('end to end: probe + align with the metric methods', () => {
  it('writes one stacked metrics table whose values follow from the saved moments', async () => {
    const nets = threeNets('test/fixtures/e2e');
    const out = await mkdtemp(join(tmpdir(), 'convergent-metrics-'));
    const backend = await createBackend('reference');
    try {
      const manifest = await probe({ nets, out, backend, batchSamples: 40 });
      const registry = new PluginRegistry();
      registry.add(builtinPlugin, 'built-in');
      const result = await align({
        run: out,
        backend,
        registry: registry.methods,
        methods: ['semi', ...metricMethods.map((m) => m.name)],
        methodOptions: { svcca: { keep: '0.9' } },
      });
      const metrics = result.tables.get('metrics')!;
      expect(metrics.columnNames()).toEqual(METRIC_COLUMNS);
      // 2 layers x 3 pairs x 13 scalars.
      expect(metrics.numRows()).toBe(2 * 3 * 13);
      const files = await readdir(join(out, 'tables'));
      expect(files).toEqual(expect.arrayContaining(['metrics.csv', 'canonical_correlations.csv', 'svcca_correlations.csv', 'activation_stats.csv']));
      for (const f of files) expect(await readFile(join(out, 'tables', f), 'utf8')).not.toMatch(/NaN|Infinity/);
      // linear CKA recomputed from the moments the probe saved.
      for (const layer of manifest.layers) {
        const mean = await readNpy(join(out, 'moments', layer.name, 'mean.npy'));
        const m2 = await readNpy(join(out, 'moments', layer.name, 'm2.npy'));
        const moments = { n: layer.samples, d: mean.shape[0], mean: Float64Array.from(mean.data), m2: Float64Array.from(m2.data) };
        const ua = layer.units.netA;
        const ub = layer.units.netB;
        const k = covarianceBlocks(moments, { offset: 0, units: ua, dead: unitStats(moments, 0, ua).dead }, { offset: ua, units: ub, dead: unitStats(moments, ua, ub).dead });
        const want = linearCka(k.sab, k.saa, k.sbb, k.da, k.db)!;
        const row = (metrics.objects() as Record<string, unknown>[]).find((r) => r.layer === layer.name && r.net_a === 'netA' && r.net_b === 'netB' && r.metric === 'linear_cka')!;
        expect(Math.abs((row.value as number) - want)).toBeLessThan(1e-12);
      }
      const csv = await readFile(join(out, 'tables', 'metrics.csv'), 'utf8');
      expect(csv.split('\n')[0]).toBe('layer,net_a,net_b,metric,value');
    } finally {
      await backend.dispose();
    }
  });
});
