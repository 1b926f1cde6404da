// Mutual information between units: the `mi-histograms` reducer (two passes: edges, then joint
// counts) and the `mi` method, checked against numpy/scipy (scripts/fixtures/make_mi_fixtures.py):
// a direct histogram computation on three small nets, and the analytic MI of binned correlated
// Gaussians; plus an end-to-end probe + align on the e2e fixtures, the refusals, and the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import type { Backend, BackendRequest } from '../../../src/backend/types.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../../src/align/methods/builtin/index.js';
import { miMethod, mutualInformation } from '../../../src/align/methods/mi.js';
import { PluginRegistry } from '../../../src/plugins/registry.js';
import { miHistogramsReducer, orderStatistic, selectRanks, type MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import type { ReducerOutput } from '../../../src/probe/reducers/types.js';
import { align } from '../../../src/align/align.js';
import { probe } from '../../../src/probe/probe.js';
import { webgpuAvailability } from '../../helpers/webgpu.js';
import { threeNets } from '../../helpers/fixture-nets.js';

const FIX = 'test/fixtures/mi';
const nets = threeNets(FIX);

interface PairExpected {
  a: string;
  b: string;
  joint: number[];
  mi: (number | null)[][];
  mi_miller_madow: (number | null)[][];
  semi_ab: number[];
  semi_ba: number[];
  bipartite_a: number[];
  bipartite_b: number[];
  metrics: Record<string, number | null>;
}
interface Expected {
  configs: { bins: number; zero_threshold: number; layers: Record<string, { samples: number; edges: Record<string, number[][]>; dead: Record<string, number[]>; pairs: PairExpected[] }> }[];
  gaussian: { cases: { bins: number; rho: number; mi: number; var_n1: number }[] };
}
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected;

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.add(builtinPlugin, 'built-in');
  if (!r.methods.has('mi')) r.add({ meta: { name: 'mi-test', version: '1.0.0' }, methods: [miMethod], reducers: [miHistogramsReducer] }, 'test');
  return r;
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])));
}

const cell = (v: number) => (v >= 0 ? String(v) : '');

describe('mutualInformation', () => {
  it('is 0 for independent counts, ln k for a one-to-one map over k equal bins, NaN without samples', () => {
    const bins = 3;
    const independent = [2, 4, 6, 1, 2, 3, 3, 6, 9]; // outer product of (2, 1, 3) and (1, 2, 3)
    const diagonal = [5, 0, 0, 0, 5, 0, 0, 0, 5];
    const mi = mutualInformation(new Float64Array([...independent, ...diagonal, ...new Array(9).fill(0)]), 1, 3, bins);
    expect(mi[0]).toBeCloseTo(0, 15);
    expect(mi[1]).toBeCloseTo(Math.log(3), 14);
    expect(Number.isNaN(mi[2])).toBe(true);
  });

  it('adds the Miller-Madow correction (m_a + m_b - m_ab - 1) / 2N of H(a) + H(b) - H(a, b)', () => {
    const counts = new Float64Array([3, 1, 0, 2, 4, 0, 0, 0, 0]); // bins 3, row 2 and column 2 empty
    const n = 10;
    const h = (ps: number[]) => -ps.filter((p) => p > 0).reduce((s, p) => s + p * Math.log(p), 0);
    const hA = h([4 / n, 6 / n, 0]);
    const hB = h([5 / n, 5 / n, 0]);
    const hAB = h([3 / n, 1 / n, 2 / n, 4 / n]);
    const mm = (hA + 1 / (2 * n)) + (hB + 1 / (2 * n)) - (hAB + 3 / (2 * n));
    const [plugin] = mutualInformation(counts, 1, 1, 3);
    const [corrected] = mutualInformation(counts, 1, 1, 3, true);
    expect(plugin).toBeCloseTo(hA + hB - hAB, 15);
    expect(corrected).toBeCloseTo(mm, 15);
    expect(corrected - plugin).toBeCloseTo((2 + 2 - 4 - 1) / (2 * n), 15);
  });
});

const gpu = await webgpuAvailability();
const backends: { name: BackendRequest; skip: boolean }[] = [
  { name: 'reference', skip: false },
  { name: 'wasm', skip: false },
  { name: 'webgpu', skip: !gpu.available },
];

function expectMatrix(got: ArrayLike<number>, want: (number | null)[][], tol: number, what: string): void {
  const cols = want[0].length;
  want.forEach((row, i) =>
    row.forEach((v, j) => {
      const g = got[i * cols + j];
      if (v === null) expect(Number.isNaN(g), `${what}[${i}, ${j}] should be NaN`).toBe(true);
      else expect(Math.abs(g - v), `${what}[${i}, ${j}]: ${g} vs ${v}`).toBeLessThanOrEqual(tol);
    }),
  );
}

describe.each(backends)('mi on numpy fixtures ($name backend)', ({ name, skip }) => {
  it.skipIf(skip)('edges, joint counts, MI (plug-in and Miller-Madow), matchings and agreement as numpy/scipy compute them', async () => {
    const backend = await createBackend(name, { threads: 2 });
    try {
      for (const config of expected.configs) {
        const out = await mkdtemp(join(tmpdir(), `convergent-mi-${name}-`));
        // Small batches: many batches per pass (conv: 9 positions per image).
        await probe({ nets, out, backend, batchSamples: 250, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: config.bins, 'zero-threshold': config.zero_threshold } } });
        for (const millerMadow of [false, true]) {
          await align({ run: out, backend, registry: registry().methods, methods: ['semi', 'bipartite', 'mi'], methodOptions: { mi: { 'miller-madow': millerMadow } } });
          const miMatches = parseCsv(await readFile(join(out, 'tables', 'mi_matches.csv'), 'utf8'));
          const metrics = parseCsv(await readFile(join(out, 'tables', 'metrics.csv'), 'utf8'));
          for (const [layer, want] of Object.entries(config.layers)) {
            const rdir = join(out, 'reducers', 'mi-histograms', layer);
            const json = JSON.parse(await readFile(join(rdir, 'result.json'), 'utf8')) as MiHistogramsJson;
            expect(json).toMatchObject({ bins: config.bins, zeroThreshold: config.zero_threshold, samples: want.samples });
            for (const n of json.nets) expect(n.exactEdges).toBe(n.units); // every unit fits the reservoir
            for (const [net, edges] of Object.entries(want.edges)) {
              const got = await readNpy(join(rdir, `edges.${net}.npy`));
              expect(got.shape).toEqual([edges.length, config.bins - 1]);
              expect(Array.from(got.data)).toEqual(edges.flat());
            }
            for (const pair of want.pairs) {
              const joint = await readNpy(join(rdir, `joint.${pair.a}.${pair.b}.npy`));
              expect(Array.from(joint.data)).toEqual(pair.joint);
              const wantMi = millerMadow ? pair.mi_miller_madow : pair.mi;
              const mi = await readNpy(join(out, 'stats', layer, `mi.${pair.a}.${pair.b}.npy`));
              expect(mi.shape).toEqual([wantMi.length, wantMi[0].length]);
              expectMatrix(mi.data, wantMi, 1e-12, `mi.${pair.a}.${pair.b}`);
              const back = await readNpy(join(out, 'stats', layer, `mi.${pair.b}.${pair.a}.npy`));
              expectMatrix(back.data, wantMi[0].map((_, j) => wantMi.map((row) => row[j])), 1e-12, `mi.${pair.b}.${pair.a}`);
              if (millerMadow) continue; // the matchings below are those of the fixture's plug-in MI
              const rows = miMatches.filter((r) => r.layer === layer && r.net_a === pair.a && r.net_b === pair.b);
              expect(rows.map((r) => r.mi_semi_unit_b)).toEqual(pair.semi_ab.map(cell));
              expect(rows.map((r) => r.mi_bipartite_unit_b)).toEqual(pair.bipartite_a.map(cell));
              const reverse = miMatches.filter((r) => r.layer === layer && r.net_a === pair.b && r.net_b === pair.a);
              expect(reverse.map((r) => r.mi_semi_unit_b)).toEqual(pair.semi_ba.map(cell));
              expect(reverse.map((r) => r.mi_bipartite_unit_b)).toEqual(pair.bipartite_b.map(cell));
              const m = (a: string, b: string, metric: string) => metrics.find((r) => r.layer === layer && r.net_a === a && r.net_b === b && r.metric === metric)?.value;
              const close = (got: string | undefined, v: number | null) => (v === null ? expect(got).toBe('') : expect(Math.abs(Number(got) - v)).toBeLessThan(1e-12));
              close(m(pair.a, pair.b, 'mi_semi'), pair.metrics.mi_semi_ab);
              close(m(pair.b, pair.a, 'mi_semi'), pair.metrics.mi_semi_ba);
              close(m(pair.a, pair.b, 'mi_bipartite'), pair.metrics.mi_bipartite);
              close(m(pair.a, pair.b, 'mi_semi_agreement'), pair.metrics.mi_semi_agreement_ab);
              close(m(pair.b, pair.a, 'mi_semi_agreement'), pair.metrics.mi_semi_agreement_ba);
              close(m(pair.a, pair.b, 'mi_matching_agreement'), pair.metrics.mi_matching_agreement);
            }
          }
          for (const file of ['mi_matches.csv', 'metrics.csv', 'matches.csv']) expect(await readFile(join(out, 'tables', file), 'utf8')).not.toMatch(/NaN|Infinity/);
        }
      }
    } finally {
      await backend.dispose();
    }
  });
});

// Deterministic standard normals: mulberry32 and Box-Muller.
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Runs the reducer by hand over unit-major float64 data of two nets, in batches. */
async function reduce(data: [Float64Array, Float64Array], units: [number, number], n: number, backend: Backend, options: Record<string, unknown>, batch: number): Promise<ReducerOutput> {
  const layer = { layer: 'g', nets: [{ name: 'x', units: units[0] }, { name: 'y', units: units[1] }], samples: n, backend, options };
  miHistogramsReducer.validate?.(layer);
  const state = miHistogramsReducer.create(layer);
  try {
    for (let pass = 0; pass < 2; pass++) {
      if (pass > 0) await state.nextPass?.(pass);
      for (let s0 = 0; s0 < n; s0 += batch) {
        const len = Math.min(batch, n - s0);
        const parts = data.map((d, k) => {
          const out = new Float64Array(units[k] * len);
          for (let u = 0; u < units[k]; u++) out.set(d.subarray(u * n + s0, u * n + s0 + len), u * len);
          return out;
        });
        await state.update({ nets: parts, samples: len, firstSample: s0, pass });
      }
    }
    return await state.finish();
  } finally {
    await state.dispose?.();
  }
}

describe('mi of binned correlated Gaussians against the analytic value', () => {
  const n = 200_000;
  const rhos = [0, 0.3, 0.6, 0.9, -0.5];
  const g = normals(99);
  const x = new Float64Array(rhos.length * n);
  const y = new Float64Array(rhos.length * n);
  for (let s = 0; s < n; s++) {
    rhos.forEach((rho, r) => {
      const a = g();
      x[r * n + s] = a;
      y[r * n + s] = rho * a + Math.sqrt(1 - rho * rho) * g();
    });
  }

  it.each([
    { bins: 10, reservoir: n, label: 'exact edges' },
    { bins: 10, reservoir: 65536, label: 'edges from a 65536-value reservoir' },
    { bins: 4, reservoir: 4096, label: 'edges from a 4096-value reservoir' },
  ])('$bins bins, $label: within the sampling error', async ({ bins, reservoir }) => {
    const backend = await createBackend('wasm', { threads: 1 });
    try {
      const out = await reduce([x, y], [rhos.length, rhos.length], n, backend, { bins, reservoir }, 30_000);
      const json = out.json as MiHistogramsJson;
      expect(json.nets.map((m) => m.exactEdges)).toEqual(reservoir >= n ? [5, 5] : [0, 0]);
      const joint = out.arrays!['joint.x.y'].data;
      const plugin = mutualInformation(joint, rhos.length, rhos.length, bins);
      const mm = mutualInformation(joint, rhos.length, rhos.length, bins, true);
      const k = (bins - 1) ** 2;
      rhos.forEach((ra, i) =>
        rhos.forEach((_, j) => {
          const rho = i === j ? ra : 0;
          const want = expected.gaussian.cases.find((c) => c.bins === bins && Math.abs(c.rho - rho) < 1e-12)!;
          // Plug-in: bias (K_ab - K_a - K_b + 1) / 2N = (bins - 1)^2 / 2N; spread: the delta-method
          // standard deviation sqrt(var / N), or at rho = 0 that of chi^2((bins-1)^2) / 2N.
          const sd = Math.max(Math.sqrt(want.var_n1 / n), Math.sqrt(2 * k) / (2 * n));
          // Edges from a reservoir of K values shift each bin's mass by ~0.5 / sqrt(K) (see
          // mi-histograms.ts); allow the MI that much relative change on top.
          const edgeTol = reservoir >= n ? 0 : (want.mi * 4) / Math.sqrt(reservoir);
          const tol = 5 * sd + edgeTol;
          expect(Math.abs(plugin[i * rhos.length + j] - k / (2 * n) - want.mi), `rho ${rho} plug-in`).toBeLessThan(tol);
          expect(Math.abs(mm[i * rhos.length + j] - want.mi), `rho ${rho} Miller-Madow`).toBeLessThan(tol);
        }),
      );
      // Every positive bin holds about 1/(bins-1) of the values above the threshold: exactly but
      // for the ceil rounding with exact edges; within the DKW bound (alpha = 1e-6) of a reservoir.
      const cells = bins * bins;
      const dkw = Math.sqrt(Math.log(2e6) / (2 * Math.min(reservoir, n)));
      for (let u = 0; u < rhos.length; u++) {
        const marginal = new Float64Array(bins);
        for (let i = 0; i < bins; i++) for (let j = 0; j < bins; j++) marginal[i] += joint[u * rhos.length * cells + i * bins + j];
        const above = n - marginal[0];
        for (let i = 1; i < bins; i++) {
          const mass = marginal[i] / above;
          if (reservoir >= n) expect(Math.abs(marginal[i] - above / (bins - 1))).toBeLessThanOrEqual(1);
          else expect(Math.abs(mass - 1 / (bins - 1))).toBeLessThanOrEqual(2 * dkw);
        }
      }
    } finally {
      await backend.dispose();
    }
  });

  it('edges do not depend on the batch size (each unit draws from its own generator)', async () => {
    const backend = await createBackend('reference');
    const m = 20_000;
    const xs = x.slice(0, 2 * n).filter((_, i) => i % n < m);
    const ys = y.slice(0, 2 * n).filter((_, i) => i % n < m);
    const a = await reduce([xs, ys], [2, 2], m, backend, { reservoir: 1000, seed: 5 }, 777);
    const b = await reduce([xs, ys], [2, 2], m, backend, { reservoir: 1000, seed: 5 }, 5000);
    const c = await reduce([xs, ys], [2, 2], m, backend, { reservoir: 1000, seed: 6 }, 5000);
    expect(Array.from(a.arrays!['edges.x'].data)).toEqual(Array.from(b.arrays!['edges.x'].data));
    expect(Array.from(a.arrays!['joint.x.y'].data)).toEqual(Array.from(b.arrays!['joint.x.y'].data));
    expect(Array.from(a.arrays!['edges.x'].data)).not.toEqual(Array.from(c.arrays!['edges.x'].data));
  });

  it('selectRanks gives the values a full sort gives, ties and sorted input included', () => {
    const g = normals(3);
    for (const [len, grid] of [[1, 0], [2, 0], [7, 4], [1000, 0], [5000, 3], [4096, 0]]) {
      const values = Float64Array.from({ length: len }, (_, i) => (len === 4096 ? i % 97 : grid ? Math.round(g() * grid) / grid : g()));
      const sorted = values.slice().sort();
      for (const parts of [2, 3, 9, 63]) {
        const ranks = Array.from({ length: parts - 1 }, (_, k) => orderStatistic(len, k + 1, parts) - 1);
        const plus = (v: number) => v + 0; // -0 and +0 tie (a sort puts -0 first); as edges they bin alike
        expect(selectRanks(values.slice(), ranks).map(plus)).toEqual(ranks.map((r) => plus(sorted[r])));
        expect(selectRanks(Float32Array.from(sorted), ranks).map(plus)).toEqual(ranks.map((r) => plus(Math.fround(sorted[r]))));
      }
    }
  });

  it('order statistics: ceil(m k / parts), in integers', () => {
    expect(orderStatistic(9, 1, 9)).toBe(1);
    expect(orderStatistic(10, 1, 9)).toBe(2);
    expect(orderStatistic(1, 8, 9)).toBe(1);
    expect(orderStatistic(3_000_000_001, 8, 9)).toBe(Math.ceil((3_000_000_001 * 8) / 9));
  });
});

describe('mi end to end on the e2e fixtures', () => {
  const e2e = [
    { name: 'netA', path: 'test/fixtures/e2e/netA' },
    { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
    { name: 'netC', path: 'test/fixtures/e2e/netC.npz' },
  ];

  it('probe with the reducer, align with mi: MI matrices and tables, no NaN but for dead units', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convergent-mi-e2e-'));
    const backend = await createBackend('wasm', { threads: 2 });
    try {
      const manifest = await probe({ nets: e2e, out, backend, batchSamples: 40, reducers: [miHistogramsReducer] });
      expect(manifest.reducers).toEqual(['moments', 'mi-histograms']);
      const result = await align({ run: out, backend, registry: registry().methods, methods: ['semi', 'bipartite', 'mi'] });
      expect(result.files.some((f) => f.endsWith(join('stats', 'fc', 'mi.netA.netC.npy')))).toBe(true);
      const units = parseCsv(await readFile(join(out, 'tables', 'units.csv'), 'utf8'));
      for (const layer of ['conv', 'fc']) {
        for (const [a, b] of [['netA', 'netB'], ['netA', 'netC'], ['netB', 'netC'], ['netC', 'netA']]) {
          const mi = await readNpy(join(out, 'stats', layer, `mi.${a}.${b}.npy`));
          const deadA = new Set(units.filter((r) => r.layer === layer && r.net === a && r.dead === 'true').map((r) => Number(r.unit)));
          const deadB = new Set(units.filter((r) => r.layer === layer && r.net === b && r.dead === 'true').map((r) => Number(r.unit)));
          const [ra, cb] = mi.shape;
          for (let i = 0; i < ra; i++) {
            for (let j = 0; j < cb; j++) {
              const v = mi.data[i * cb + j];
              if (deadA.has(i) || deadB.has(j)) expect(Number.isNaN(v)).toBe(true);
              else expect(Number.isFinite(v) && v >= 0).toBe(true);
            }
          }
        }
      }
      for (const file of ['mi_matches.csv', 'metrics.csv']) {
        const text = await readFile(join(out, 'tables', file), 'utf8');
        expect(text).not.toMatch(/NaN|Infinity/);
        expect(parseCsv(text).length).toBeGreaterThan(0);
      }
      const metrics = parseCsv(await readFile(join(out, 'tables', 'metrics.csv'), 'utf8'));
      expect(new Set(metrics.map((r) => r.metric))).toEqual(new Set(['mi_semi', 'mi_bipartite', 'mi_semi_agreement', 'mi_matching_agreement']));
      expect(metrics.filter((r) => r.metric === 'mi_matching_agreement').length).toBe(6); // 2 layers x 3 pairs
    } finally {
      await backend.dispose();
    }
  });

  it('refuses: align --method mi on a run probed without the reducer; options that contradict the probe; a limit below one unit pair\'s counters', async () => {
    const backend = await createBackend('reference');
    const plain = await mkdtemp(join(tmpdir(), 'convergent-mi-plain-'));
    await probe({ nets: e2e.slice(0, 2), out: plain, backend });
    await expect(align({ run: plain, backend, registry: registry().methods, methods: ['mi'] })).rejects.toThrow(
      /method mi needs the reducer "mi-histograms", which run .* was not probed with .*--reducer mi-histograms/,
    );
    const run = await mkdtemp(join(tmpdir(), 'convergent-mi-opts-'));
    await probe({ nets: e2e.slice(0, 2), out: run, backend, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 5 } } });
    await expect(align({ run, backend, registry: registry().methods, methods: ['mi'], methodOptions: { mi: { bins: 6 } } })).rejects.toThrow(
      /probed with --mi-histograms.bins 5, not 6/,
    );
    await align({ run, backend, registry: registry().methods, methods: ['mi'], methodOptions: { mi: { bins: 5 } } });
    const big = await mkdtemp(join(tmpdir(), 'convergent-mi-big-'));
    await expect(
      probe({ nets: e2e.slice(0, 2), out: big, backend, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { 'max-memory-mb': 0.002, reservoir: 10 } } }),
    ).rejects.toThrow(/layer conv .*: counting in tiles needs at least 2.3 KiB .*one unit pair's 100 counters x 16 bytes.*over the limit of 0.002 MiB, and the binned columns do not fit either; raise the limit \(--mi.max-memory-mb/);
    await expect(
      probe({ nets: e2e.slice(0, 2), out: big, backend, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { 'max-memory-mb': 0.002 } } }),
    ).rejects.toThrow(/layer conv .*: the reservoirs that place the bin edges need 36.4 KiB .* over the limit of 0.002 MiB; keep fewer values per unit \(--mi.reservoir/);
    expect(existsSync(join(big, 'probe.json'))).toBe(false); // refused before any work
    await expect(probe({ nets: e2e.slice(0, 2), out: big, backend, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 65 } } })).rejects.toThrow(
      /bins must be an integer from 2 to 64/,
    );
    await expect(probe({ nets: e2e.slice(0, 2), out: big, backend, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bogus: 1 } } })).rejects.toThrow(
      /reducer mi-histograms has no option "bogus"/,
    );
  });
});

describe('method arrays', () => {
  it('are written as RUN/stats/<layer>/<key>.npy, and refused over align\'s files, with a bad name or the wrong shape', async () => {
    const backend = await createBackend('reference');
    const run = await mkdtemp(join(tmpdir(), 'convergent-arrays-'));
    await probe({ nets: [{ name: 'netA', path: 'test/fixtures/e2e/netA' }, { name: 'netB', path: 'test/fixtures/e2e/netB.npz' }], out: run, backend, layers: ['fc'] });
    const withArrays = (name: string, arrays: Record<string, { data: Float64Array; shape: number[] }>) => {
      const r = registry();
      r.add({ meta: { name, version: '1' }, methods: [{ name, description: 'arrays', run: () => ({ arrays }) }] }, 'test');
      return align({ run, backend, registry: r.methods, methods: [name] });
    };
    const result = await withArrays('ok', { 'ok.netA': { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] } });
    expect(result.files).toContain(join(run, 'stats', 'fc', 'ok.netA.npy'));
    const back = await readNpy(join(run, 'stats', 'fc', 'ok.netA.npy'));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(withArrays('clobber', { 'corr.netA.netB': { data: new Float64Array(1), shape: [1] } })).rejects.toThrow(/would overwrite .*corr.netA.netB.npy/);
    await expect(withArrays('badname', { '../x': { data: new Float64Array(1), shape: [1] } })).rejects.toThrow(/array name "..\/x"/);
    await expect(withArrays('badshape', { y: { data: new Float64Array(5), shape: [2, 3] } })).rejects.toThrow(/has 5 values but shape \[2,3\]/);
  });
});

describe('mi from the command line', () => {
  const CLI = 'dist/cli/main.js';
  const convergent = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const netArgs = ['--net', 'netA=test/fixtures/e2e/netA', '--net', 'netB=test/fixtures/e2e/netB.npz'];
  const plugin = ['--plugin', join(FIX, 'plugin.mjs')];

  it('run --method mi adds the reducer and passes --mi.<option> on to it; align without it says how to re-probe', () => {
    const out = mkdtempSync(join(tmpdir(), 'convergent-mi-cli-'));
    const r = convergent(['run', ...netArgs, ...plugin, '--out', out, '--backend', 'wasm', '--quiet', '--method', 'semi', '--method', 'bipartite', '--method', 'mi', '--mi.bins', '6', '--mi.zero-threshold', '0.1', '--mi.miller-madow']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'reducers', 'mi-histograms', 'fc', 'result.json'), 'utf8'));
    expect(json).toMatchObject({ bins: 6, zeroThreshold: 0.1 });
    for (const f of ['stats/fc/mi.netA.netB.npy', 'stats/conv/mi.netB.netA.npy', 'tables/mi_matches.csv', 'tables/metrics.csv']) expect(existsSync(join(out, f)), f).toBe(true);

    const plain = mkdtempSync(join(tmpdir(), 'convergent-mi-cli-plain-'));
    expect(convergent(['probe', ...netArgs, '--out', plain, '--backend', 'reference', '--quiet']).code).toBe(0);
    const refused = convergent(['align', plain, ...plugin, '--method', 'mi', '--backend', 'reference']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/convergent: error: method mi needs the reducer "mi-histograms", which run .* was not probed with .*--reducer mi-histograms/);

    const probed = mkdtempSync(join(tmpdir(), 'convergent-mi-cli-probe-'));
    const p = convergent(['probe', ...netArgs, ...plugin, '--out', probed, '--backend', 'reference', '--quiet', '--reducer', 'mi-histograms', '--mi-histograms.bins', '5']);
    expect(p.code, p.stderr).toBe(0);
    const a = convergent(['align', probed, ...plugin, '--method', 'mi', '--backend', 'reference']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(probed, 'reducers', 'mi-histograms', 'conv', 'result.json'), 'utf8')).bins).toBe(5);
  }, 120_000);
});
