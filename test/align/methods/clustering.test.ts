// The clustering methods `spectral` and `hac` (src/align/methods/spectral.ts, src/align/methods/hac.ts) on
// method contexts built the way align builds them (moments -> unit stats -> correlations):
//   * planted data: 3 latent groups of 4 dimensions, each net's units of a group mixed by a
//     different random rotation, plus noise and dead units: both methods recover the groups,
//     each cluster holding its group's units of both nets (k given, or by the eigengap rule);
//   * the embedded example's fc1 (copied units, a rotated subspace, unique and dead units): with
//     the default options the eigengap rule finds every copied pair and the subspace;
//   * the scikit-learn / scipy fixtures (test/fixtures/cluster/) through the whole method;
//   * the tables (exact columns, dead units left out, permutation, sizes, summary), more than two
//     nets, stacking of both methods' tables, options and their refusals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { table, type ColumnTable } from 'arquero';
import { describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../../src/align/cluster/labels.js';
import { PLANTED_IMAGES, PLANTED_LAYERS, plantedLayer } from '../../../src/example/planted.js';
import { seededNormal, seededPermutation, seededRotation } from '../../../src/util/random.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../../src/kernels/moments/reference.js';
import { hacMethod } from '../../../src/align/methods/hac.js';
import { spectralMethod } from '../../../src/align/methods/spectral.js';
import type { Method, MethodContext, NetLayer } from '../../../src/align/methods/types.js';
import { contextFromMoments, optionsWithDefaults } from '../../helpers/method-context.js';
import { mergeMethodTables } from '../../../src/tables/combine.js';

// ---- Contexts ----

interface NetData {
  name: string;
  /** Unit-major: units x samples. */
  x: Float64Array;
  units: number;
}

/** A context over the moments with `method`'s declared defaults under `overrides`. */
function methodContext(moments: BatchMoments, nets: { name: string; units: number }[], method: Method, overrides: Record<string, unknown> = {}, logs: string[] = []): MethodContext {
  return contextFromMoments(moments, nets, optionsWithDefaults(method, overrides), 'fc', logs);
}

function momentsOf(nets: NetData[], samples: number): BatchMoments {
  const d = nets.reduce((s, n) => s + n.units, 0);
  const stacked = new Float64Array(d * samples);
  let u = 0;
  for (const n of nets) {
    stacked.set(n.x, u * samples);
    u += n.units;
  }
  return batchMomentsReference(stacked, d, samples);
}

/** A context whose correlations are a given matrix, its first `na` units net A, the rest net B. */
function contextFromCorrelation(corr: Float64Array, n: number, na: number, method: Method, overrides: Record<string, unknown> = {}): MethodContext {
  const sizes = [na, n - na];
  const offsets = [0, na];
  const nets: NetLayer[] = ['A', 'B'].map((name, k) => ({
    name,
    units: sizes[k],
    offset: offsets[k],
    stats: { mean: new Float64Array(sizes[k]), std: new Float64Array(sizes[k]).fill(1), dead: new Uint8Array(sizes[k]) },
  }));
  const options = optionsWithDefaults(method, overrides);
  return {
    layer: 'fc',
    samples: 1,
    nets,
    moments: { n: 1, d: n, mean: new Float64Array(n), m2: new Float64Array(n * n) },
    pairs: [[0, 1]],
    correlation(a, b) {
      const out = new Float64Array(sizes[a] * sizes[b]);
      for (let i = 0; i < sizes[a]; i++) for (let j = 0; j < sizes[b]; j++) out[i * sizes[b] + j] = corr[(offsets[a] + i) * n + offsets[b] + j];
      return out;
    },
    backend: {} as MethodContext['backend'],
    options,
    runDir: '',
    log: () => {},
    table: (columns) => table(columns as Record<string, unknown[]>),
  };
}

// ---- Planted data ----

interface Planted {
  nets: NetData[];
  /** Group of each unit of each net, -1 for dead units. */
  groups: number[][];
  samples: number;
}

/**
 * `groups` latent groups of `dim` dimensions. Each net has, per group, `dim` units mixing that
 * group's latents by its own random rotation (`positive`: the rotation's entries made positive),
 * plus Gaussian noise; units are shuffled within each net, and `dead` constant units are inserted.
 */
function planted(seed: number, netNames = ['A', 'B'], groups = 3, dim = 4, samples = 2000, noise = 0.5, dead = 1, mixing: 'rotation' | 'positive' = 'rotation'): Planted {
  const normal = seededNormal(seed);
  const latents = Array.from({ length: groups * dim }, () => Float64Array.from({ length: samples }, () => normal()));
  const nets: NetData[] = [];
  const groupOf: number[][] = [];
  netNames.forEach((name, k) => {
    const rows: Float64Array[] = [];
    const truth: number[] = [];
    for (let g = 0; g < groups; g++) {
      const rot = seededRotation(dim, seed * 100 + k * 10 + g).map((v) => (mixing === 'positive' ? Math.abs(v) : v));
      for (let i = 0; i < dim; i++) {
        const row = new Float64Array(samples);
        for (let s = 0; s < samples; s++) {
          let v = noise * normal();
          for (let j = 0; j < dim; j++) v += rot[i * dim + j] * latents[g * dim + j][s];
          row[s] = v;
        }
        rows.push(row);
        truth.push(g);
      }
    }
    const perm = seededPermutation(rows.length, seed + 7 * k + 1);
    const shuffled = perm.map((p) => rows[p]);
    const shuffledTruth = perm.map((p) => truth[p]);
    for (let j = 0; j < dead; j++) {
      const at = Math.min(shuffled.length, 3 + 5 * j);
      shuffled.splice(at, 0, new Float64Array(samples).fill(0.25));
      shuffledTruth.splice(at, 0, -1);
    }
    const x = new Float64Array(shuffled.length * samples);
    shuffled.forEach((r, u) => x.set(r, u * samples));
    nets.push({ name, x, units: shuffled.length });
    groupOf.push(shuffledTruth);
  });
  return { nets, groups: groupOf, samples };
}

function columns(t: ColumnTable): string[] {
  return t.columnNames();
}

function rows(t: ColumnTable): Record<string, unknown>[] {
  return t.objects() as Record<string, unknown>[];
}

/** Cluster of each (net, unit) of one pair from a clusters table. */
function clusterOf(t: ColumnTable, netA: string, netB: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows(t)) if (r.net_a === netA && r.net_b === netB) out.set(`${r.net}:${r.unit}`, r.cluster as number);
  return out;
}

function expectRecoversPlanted(t: ColumnTable, p: Planted, a: number, b: number): void {
  const names = [p.nets[a].name, p.nets[b].name];
  const found = clusterOf(t, names[0], names[1]);
  const ours: number[] = [];
  const truth: number[] = [];
  [a, b].forEach((k, side) => {
    p.groups[k].forEach((g, u) => {
      const key = `${names[side]}:${u}`;
      if (g < 0) {
        expect(found.has(key), `dead ${key} has no row`).toBe(false);
        return;
      }
      expect(found.has(key), key).toBe(true);
      ours.push(found.get(key)!);
      truth.push(g);
    });
  });
  expect(Array.from(canonicalLabels(ours))).toEqual(Array.from(canonicalLabels(truth)));
}

/** Every cluster lies within one planted group and holds units of both nets. */
function expectRefinesPlanted(t: ColumnTable, p: Planted, a: number, b: number): void {
  const names = [p.nets[a].name, p.nets[b].name];
  const found = clusterOf(t, names[0], names[1]);
  const groupOf = new Map<number, number>();
  const nets = new Map<number, Set<string>>();
  [a, b].forEach((k, side) => {
    p.groups[k].forEach((g, u) => {
      if (g < 0) return;
      const c = found.get(`${names[side]}:${u}`)!;
      if (!groupOf.has(c)) groupOf.set(c, g);
      expect(groupOf.get(c), `cluster ${c} mixes groups`).toBe(g);
      if (!nets.has(c)) nets.set(c, new Set());
      nets.get(c)!.add(names[side]);
    });
  });
  for (const [c, s] of nets) expect(s.size, `cluster ${c} holds one net only`).toBe(2);
}

const CLUSTERS_COLUMNS = ['layer', 'method', 'net_a', 'net_b', 'net', 'unit', 'cluster'];
const SIZES_COLUMNS = ['layer', 'method', 'net_a', 'net_b', 'cluster', 'size_a', 'size_b'];
const ORDER_COLUMNS = ['layer', 'method', 'net_a', 'net_b', 'position', 'net', 'unit'];

describe('planted groups (rotated shared subspaces)', () => {
  const p = planted(11);
  const moments = momentsOf(p.nets, p.samples);
  const nets = p.nets.map((n) => ({ name: n.name, units: n.units }));

  it('spectral recovers the 3 groups across both nets (k = 3), dead units left out', async () => {
    const logs: string[] = [];
    const result = await spectralMethod.run(methodContext(moments, nets, spectralMethod, { k: 3 }, logs));
    const t = result.tables!;
    expect(columns(t.clusters)).toEqual(CLUSTERS_COLUMNS);
    expect(columns(t.cluster_sizes)).toEqual(SIZES_COLUMNS);
    expect(columns(t.cluster_order)).toEqual(ORDER_COLUMNS);
    expect(t.clusters.numRows()).toBe(24);
    expectRecoversPlanted(t.clusters, p, 0, 1);
    // Each cluster: 4 units of A and 4 of B.
    expect(rows(t.cluster_sizes).map((r) => [r.cluster, r.size_a, r.size_b])).toEqual([[0, 4, 4], [1, 4, 4], [2, 4, 4]]);
    expect(rows(t.summary)).toEqual([{ layer: 'fc', net_a: 'A', net_b: 'B', spectral_k: 3, spectral_shared: 3 }]);
    expect(logs.join('\n')).toContain('24 live units in 3 clusters');
  });

  it('with k by eigengap: |r| finds the 3 groups; r^2 (the default) finds them or a refinement', async () => {
    for (const seed of [1, 2, 3, 4, 5, 11]) {
      const q = planted(seed);
      const mq = momentsOf(q.nets, q.samples);
      const netsQ = q.nets.map((n) => ({ name: n.name, units: n.units }));
      expectRecoversPlanted((await spectralMethod.run(methodContext(mq, netsQ, spectralMethod, { affinity: 'abs', seed }))).tables!.clusters, q, 0, 1);
      // r^2 weighs the strongest cross-net pairs of a rotated group most, and the eigengap may
      // split a group into such pairs: never mixing groups, every cluster holding both nets' units.
      expectRefinesPlanted((await spectralMethod.run(methodContext(mq, netsQ, spectralMethod, { seed }))).tables!.clusters, q, 0, 1);
      expectRefinesPlanted((await hacMethod.run(methodContext(mq, netsQ, hacMethod, { distance: 'abs' }))).tables!.clusters, q, 0, 1);
    }
  });

  it('hac (1 - |r|) recovers the 3 groups across both nets (k = 3)', async () => {
    const result = await hacMethod.run(methodContext(moments, nets, hacMethod, { distance: 'abs', k: 3 }));
    expectRecoversPlanted(result.tables!.clusters, p, 0, 1);
    expect(rows(result.tables!.summary)).toEqual([{ layer: 'fc', net_a: 'A', net_b: 'B', hac_k: 3, hac_shared: 3 }]);
  });

  it('hac on 1 - r (the default) recovers sign-consistent groups', async () => {
    // Rotations give the units of one group correlations of both signs across nets, which 1 - r
    // reads as far apart; with positive mixing weights (|rotation|) 1 - r recovers the groups.
    const q = planted(12, ['A', 'B'], 3, 4, 2000, 0.5, 1, 'positive');
    const mq = momentsOf(q.nets, q.samples);
    const netsQ = q.nets.map((n) => ({ name: n.name, units: n.units }));
    expectRecoversPlanted((await hacMethod.run(methodContext(mq, netsQ, hacMethod))).tables!.clusters, q, 0, 1);
    expectRecoversPlanted((await hacMethod.run(methodContext(mq, netsQ, hacMethod, { k: 3 }))).tables!.clusters, q, 0, 1);
    expectRecoversPlanted((await spectralMethod.run(methodContext(mq, netsQ, spectralMethod, { affinity: 'positive' }))).tables!.clusters, q, 0, 1);
  });

  it('cluster_order is a permutation of the live units grouping each cluster', async () => {
    const result = await spectralMethod.run(methodContext(moments, nets, spectralMethod));
    const order = rows(result.tables!.cluster_order);
    const cl = clusterOf(result.tables!.clusters, 'A', 'B');
    expect(order.map((r) => r.position)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(new Set(order.map((r) => `${r.net}:${r.unit}`)).size).toBe(24);
    const seq = order.map((r) => cl.get(`${r.net}:${r.unit}`)!);
    for (let i = 1; i < seq.length; i++) expect(seq[i]).toBeGreaterThanOrEqual(seq[i - 1]);
    // Within a cluster: net A's units first, each net's in unit order.
    for (let i = 1; i < order.length; i++) {
      if (seq[i] !== seq[i - 1]) continue;
      const prev = order[i - 1];
      const cur = order[i];
      if (prev.net === cur.net) expect(cur.unit as number).toBeGreaterThan(prev.unit as number);
      else expect([prev.net, cur.net]).toEqual(['A', 'B']);
    }
  });

  it('clusters every pair of three nets, naming the pair on every row; both methods stack', async () => {
    const three = planted(13, ['A', 'B', 'C']);
    const m3 = momentsOf(three.nets, three.samples);
    const nets3 = three.nets.map((n) => ({ name: n.name, units: n.units }));
    // k given: with three rotations some pairs' groups split further (a product of two random
    // rotations can be close to a signed permutation, making a group look like 4 pairs of units).
    const spectral = (await spectralMethod.run(methodContext(m3, nets3, spectralMethod, { k: 3 }))).tables!;
    const hac = (await hacMethod.run(methodContext(m3, nets3, hacMethod, { k: 3, distance: 'abs' }))).tables!;
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) {
      expectRecoversPlanted(spectral.clusters, three, a, b);
      expectRecoversPlanted(hac.clusters, three, a, b);
    }
    expect(new Set(rows(spectral.clusters).map((r) => `${r.net_a}/${r.net_b}`))).toEqual(new Set(['A/B', 'A/C', 'B/C']));
    const merged = new Map<string, ColumnTable>();
    mergeMethodTables(merged, spectral);
    mergeMethodTables(merged, hac);
    expect(columns(merged.get('clusters')!)).toEqual(CLUSTERS_COLUMNS);
    expect(merged.get('clusters')!.numRows()).toBe(2 * 3 * 24);
    expect(new Set(rows(merged.get('clusters')!).map((r) => r.method))).toEqual(new Set(['spectral', 'hac']));
    expect(columns(merged.get('summary')!)).toEqual(['layer', 'net_a', 'net_b', 'spectral_k', 'spectral_shared', 'hac_k', 'hac_shared']);
  });
});

describe('the embedded example (copied units, a rotated 8-dim subspace, unique and dead units)', () => {
  it('finds every copied pair and the shared subspace with k by eigengap (spectral; hac on 1 - |r|)', async () => {
    for (const seed of [2000, 7]) {
      const layer = plantedLayer(PLANTED_LAYERS[1], PLANTED_IMAGES, seed);
      const n = layer.units;
      const s = PLANTED_IMAGES;
      const unitMajor = (x: Float32Array) => {
        const out = new Float64Array(n * s);
        for (let i = 0; i < s; i++) for (let u = 0; u < n; u++) out[u * s + i] = x[i * n + u];
        return out;
      };
      const data: NetData[] = [{ name: 'A', units: n, x: unitMajor(layer.a) }, { name: 'B', units: n, x: unitMajor(layer.b) }];
      const m = momentsOf(data, s);
      const netsE = data.map((d) => ({ name: d.name, units: d.units }));
      const { copy, subspace } = layer.spec;
      for (const [method, overrides] of [[spectralMethod, {}], [hacMethod, { distance: 'abs' }]] as const) {
        const t = (await method.run(methodContext(m, netsE, method, overrides))).tables!;
        const cl = clusterOf(t.clusters, 'A', 'B');
        const label = `${method.name} seed ${seed}`;
        // 24 copied pairs and 1 subspace: 25 clusters.
        expect(t.cluster_sizes.numRows(), label).toBe(copy + 1);
        const pairClusters = new Set<number>();
        for (let i = 0; i < copy; i++) {
          expect(cl.get(`B:${layer.copyPartner[i]}`), `${label} pair ${i}`).toBe(cl.get(`A:${i}`));
          pairClusters.add(cl.get(`A:${i}`)!);
        }
        // Net A's subspace units are copy..copy+subspace-1 (net B's are permuted): one cluster.
        const sub = new Set(Array.from({ length: subspace }, (_, i) => cl.get(`A:${copy + i}`)));
        expect(sub.size, label).toBe(1);
        if (method === spectralMethod) {
          // Spectral: each pair its own cluster, the subspace another (unique units join one).
          expect(pairClusters.size, label).toBe(copy);
          expect(pairClusters.has([...sub][0]!), label).toBe(false);
        }
        // (HAC: the unique units, uncorrelated with everything, stay apart until the top of the
        // dendrogram, so a cut into 25 clusters keeps some of them alone and joins some pairs.)
      }
    }
  });
});

describe('against scikit-learn and scipy through the methods', () => {
  const FIX = 'test/fixtures/cluster';
  const fixture = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));
  const matrix = async (name: string) => Float64Array.from((await readNpy(join(FIX, `${name}.npy`))).data);

  function labelsFrom(t: ColumnTable, na: number): number[] {
    const out: number[] = [];
    for (const r of rows(t)) out[(r.net === 'A' ? 0 : na) + (r.unit as number)] = r.cluster as number;
    return out;
  }

  it('spectral: sklearn SpectralClustering(affinity=precomputed) partitions, given k and by eigengap', async () => {
    for (const c of fixture.cases.filter((x: { kind: string }) => x.kind === 'spectral')) {
      const corr = await matrix(c.name);
      const na = Math.floor(c.n / 2);
      for (const overrides of [{ k: c.k }, {}, { k: c.k, seed: 5, 'n-init': 1 }]) {
        const ctx = contextFromCorrelation(corr, c.n, na, spectralMethod, { affinity: c.affinity, ...overrides });
        const t = (await spectralMethod.run(ctx)).tables!;
        expect(labelsFrom(t.clusters, na)).toEqual(Array.from(canonicalLabels(c.labels)));
      }
    }
  });

  it('hac: scipy linkage(average) + fcluster(maxclust) partitions, and the distance threshold', async () => {
    for (const c of fixture.cases.filter((x: { kind: string }) => x.kind === 'hac')) {
      const corr = await matrix(c.name);
      const na = Math.floor(c.n / 3);
      for (const cut of c.maxclust) {
        const ctx = contextFromCorrelation(corr, c.n, na, hacMethod, { distance: c.distance, k: cut.k });
        const t = (await hacMethod.run(ctx)).tables!;
        expect(labelsFrom(t.clusters, na), `${c.name} k=${cut.k}`).toEqual(Array.from(canonicalLabels(cut.labels)));
      }
      for (const cut of c.distance_cuts) {
        const ctx = contextFromCorrelation(corr, c.n, na, hacMethod, { distance: c.distance, threshold: cut.t });
        const t = (await hacMethod.run(ctx)).tables!;
        expect(labelsFrom(t.clusters, na), `${c.name} t=${cut.t}`).toEqual(Array.from(canonicalLabels(cut.labels)));
      }
    }
  });
});

describe('options and edge cases', () => {
  const p = planted(21, ['A', 'B'], 2, 3, 500);
  const moments = momentsOf(p.nets, p.samples);
  const nets = p.nets.map((n) => ({ name: n.name, units: n.units }));

  it('refuses bad option values with the option named', async () => {
    const bad: [Method, Record<string, unknown>, string][] = [
      [spectralMethod, { affinity: 'signed' }, 'method spectral: option affinity must be one of square, abs, positive, positive-square, got "signed"'],
      [spectralMethod, { k: -1 }, 'method spectral: option k must be an integer >= 0'],
      [spectralMethod, { k: 2.5 }, 'method spectral: option k must be an integer >= 0'],
      [spectralMethod, { 'max-k': 1 }, 'method spectral: option max-k must be an integer >= 2'],
      [spectralMethod, { 'n-init': 0 }, 'method spectral: option n-init must be an integer >= 1'],
      [hacMethod, { distance: 'cosine' }, 'method hac: option distance must be one of signed, abs, got "cosine"'],
      [hacMethod, { threshold: -0.5 }, 'method hac: option threshold must be a number >= 0'],
    ];
    for (const [method, overrides, message] of bad) {
      await expect(Promise.resolve().then(() => method.run(methodContext(moments, nets, method, overrides)))).rejects.toThrow(message);
    }
  });

  it('takes k as given (clamped to the live units) and is deterministic for a seed', async () => {
    const one = (await spectralMethod.run(methodContext(moments, nets, spectralMethod, { k: 1 }))).tables!;
    expect(new Set(rows(one.clusters).map((r) => r.cluster))).toEqual(new Set([0]));
    expect(rows(one.summary)[0]).toMatchObject({ spectral_k: 1, spectral_shared: 1 });
    const many = (await hacMethod.run(methodContext(moments, nets, hacMethod, { k: 1000 }))).tables!;
    expect(many.cluster_sizes.numRows()).toBe(12);
    expect(rows(many.summary)[0]).toMatchObject({ hac_k: 12, hac_shared: 0 });
    const run = async () => rows((await spectralMethod.run(methodContext(moments, nets, spectralMethod, { k: 4, seed: 3 }))).tables!.clusters);
    expect(await run()).toEqual(await run());
  });

  it('cuts hac at a distance threshold', async () => {
    const t = (await hacMethod.run(methodContext(moments, nets, hacMethod, { threshold: 1e-9 }))).tables!;
    expect(t.cluster_sizes.numRows()).toBe(12); // nothing merges at distance 0
    const all = (await hacMethod.run(methodContext(moments, nets, hacMethod, { threshold: 2 }))).tables!;
    expect(all.cluster_sizes.numRows()).toBe(1);
  });

  it('writes no rows for a pair without live units, and an empty summary cell', async () => {
    const samples = 50;
    const deadNets: NetData[] = ['A', 'B'].map((name) => ({ name, units: 2, x: new Float64Array(2 * samples).fill(1) }));
    const m = momentsOf(deadNets, samples);
    for (const method of [spectralMethod, hacMethod]) {
      const logs: string[] = [];
      const t = (await method.run(methodContext(m, [{ name: 'A', units: 2 }, { name: 'B', units: 2 }], method, {}, logs))).tables!;
      expect(t.clusters.numRows()).toBe(0);
      expect(columns(t.clusters)).toEqual(CLUSTERS_COLUMNS);
      expect(rows(t.summary)).toEqual([{ layer: 'fc', net_a: 'A', net_b: 'B', [`${method.name}_k`]: null, [`${method.name}_shared`]: null }]);
      expect(logs.join('\n')).toContain('no live units');
    }
  });

  it('clusters a pair with a single live unit', async () => {
    const samples = 50;
    const normal = seededNormal(3);
    const a: NetData = { name: 'A', units: 1, x: Float64Array.from({ length: samples }, () => normal()) };
    const b: NetData = { name: 'B', units: 1, x: new Float64Array(samples).fill(2) };
    const m = momentsOf([a, b], samples);
    for (const method of [spectralMethod, hacMethod]) {
      const t = (await method.run(methodContext(m, [{ name: 'A', units: 1 }, { name: 'B', units: 1 }], method))).tables!;
      expect(rows(t.clusters)).toEqual([{ layer: 'fc', method: method.name, net_a: 'A', net_b: 'B', net: 'A', unit: 0, cluster: 0 }]);
      expect(rows(t.cluster_sizes)).toEqual([{ layer: 'fc', method: method.name, net_a: 'A', net_b: 'B', cluster: 0, size_a: 1, size_b: 0 }]);
    }
  });
});
