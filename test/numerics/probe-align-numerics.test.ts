// Issue 10, items 2, 3 and 9, end to end: probe + align on activations at the edges of floating
// point, on every backend, against numpy/scipy (scripts/fixtures/make_numerics_fixtures.py).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend, BackendRequest } from '../../src/backend/types.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probe } from '../../src/probe/probe.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { caseNets, expected, writeCcaCase, type StatsCase } from './fixtures.js';

const gpu = await webgpuAvailability();
const backends: { name: BackendRequest; skip: boolean }[] = [
  { name: 'reference', skip: false },
  { name: 'wasm', skip: false },
  { name: 'webgpu', skip: !gpu.available },
];

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])));
}

function registry() {
  const r = new PluginRegistry();
  r.add(builtinPlugin, 'built-in');
  return r.methods;
}

async function withBackend(name: BackendRequest, fn: (backend: Backend) => Promise<void>): Promise<void> {
  const backend = await createBackend(name, { threads: 2 });
  try {
    await fn(backend);
  } finally {
    await backend.dispose();
  }
}

/** Probes a case in batches of 97 samples (many merges, no multiple of 4) into a fresh run. */
async function probeCase(backend: Backend, nets: { name: string; path: string }[], tag: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), `convergent-numerics-${tag}-`));
  await probe({ nets, out, backend, batchSamples: 97 });
  return out;
}

/** The run's stats and correlations against numpy's, and tables free of NaN and Infinity. */
async function expectRunMatches(out: string, want: StatsCase, tol: number): Promise<void> {
  for (const net of ['a', 'b']) {
    const mean = await readNpy(join(out, 'stats', 'fc', `${net}.mean.npy`));
    const std = await readNpy(join(out, 'stats', 'fc', `${net}.std.npy`));
    want.std[net].forEach((s, u) => {
      expect(Math.abs(std.data[u] - s)).toBeLessThanOrEqual(tol * s);
      expect(Math.abs(mean.data[u] - want.mean[net][u])).toBeLessThanOrEqual(tol * (s + 1e-7 * Math.abs(want.mean[net][u])));
    });
  }
  const corr = await readNpy(join(out, 'stats', 'fc', 'corr.a.b.npy'));
  const cols = want.corr[0].length;
  want.corr.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v === null) expect(Number.isNaN(corr.data[i * cols + j])).toBe(true);
      else expect(Math.abs(corr.data[i * cols + j] - v)).toBeLessThanOrEqual(tol);
    }),
  );
  const units = parseCsv(await readFile(join(out, 'tables', 'units.csv'), 'utf8'));
  for (const net of ['a', 'b']) {
    const dead = units.filter((r) => r.net === net && r.dead === 'true').map((r) => Number(r.unit));
    expect(dead).toEqual(want.dead[net]);
  }
  for (const file of ['matches.csv', 'summary.csv', 'units.csv']) {
    expect(await readFile(join(out, 'tables', file), 'utf8')).not.toMatch(/NaN|Infinity/);
  }
}

async function countJson(out: string): Promise<{ dtype: Record<string, string> }> {
  return JSON.parse(await readFile(join(out, 'moments', 'fc', 'count.json'), 'utf8'));
}

describe.each(backends)('numerics end to end ($name backend)', ({ name, skip }) => {
  it.skipIf(skip).each([
    { name: 'overflow_f32' as const, dtype: 'float32', what: 'item 2: float32 units at 1e20 and 3e38 give numpy\'s float64 statistics and correlations' },
    { name: 'overflow_f64' as const, dtype: 'float64', what: 'item 2: float64 units at 1e60 and 1e-60 give numpy\'s statistics and correlations' },
    { name: 'dead_f64' as const, dtype: 'float64', what: 'item 9: a float64 layer with mean 1e6 and std 1e-3 is live (numpy\'s correlations); exact constants are dead' },
  ])('$what', async ({ name: fixtureCase, dtype }) => {
    await withBackend(name, async (backend) => {
      const out = await probeCase(backend, caseNets(fixtureCase), name);
      await align({ run: out, backend, registry: registry(), methods: ['semi', 'bipartite', 'linear-cka'] });
      await expectRunMatches(out, expected[fixtureCase], 2e-6);
      const metrics = await readFile(join(out, 'tables', 'metrics.csv'), 'utf8');
      expect(metrics).not.toMatch(/NaN|Infinity/);
      const cka = Number(parseCsv(metrics).find((r) => r.metric === 'linear_cka')!.value);
      expect(Math.abs(cka - expected[fixtureCase].linear_cka)).toBeLessThanOrEqual(2e-6 * expected[fixtureCase].linear_cka);
      // The precision the dead-unit rule followed, as the probe recorded it.
      expect((await countJson(out)).dtype).toEqual({ a: dtype, b: dtype });
    });
  });

  it.skipIf(skip)('item 2: a float64 value of 1e300 is refused, naming net, layer, unit, sample and value', async () => {
    await withBackend(name, async (backend) => {
      const out = await mkdtemp(join(tmpdir(), `convergent-numerics-huge-${name}-`));
      await expect(probe({ nets: caseNets('huge_f64'), out, backend, batchSamples: 97 })).rejects.toThrow(
        /^net a, layer fc: unit 1 is 1e\+300 at sample 37, .*Rescale this layer's activations/,
      );
    });
  });

  it.skipIf(skip)('item 3: 64 units spanning a shared 6-dimensional subspace give rank 6/6 and six canonical correlations of 1', async () => {
    await withBackend(name, async (backend) => {
      const input = await mkdtemp(join(tmpdir(), `convergent-numerics-cca-input-${name}-`));
      const out = await mkdtemp(join(tmpdir(), `convergent-numerics-cca-${name}-`));
      await probe({ nets: await writeCcaCase(input), out, backend, batchSamples: 4999 });
      const want = expected.cca_rank;
      await align({ run: out, backend, registry: registry(), methods: ['cca'] });
      const metrics = parseCsv(await readFile(join(out, 'tables', 'metrics.csv'), 'utf8'));
      const value = (metric: string) => Number(metrics.find((r) => r.metric === metric)!.value);
      expect(value('cca_rank_a')).toBe(want.rank_a);
      expect(value('cca_rank_b')).toBe(want.rank_b);
      const canonical = parseCsv(await readFile(join(out, 'tables', 'canonical_correlations.csv'), 'utf8')).map((r) => Number(r.value));
      expect(canonical.length).toBe(want.canonical.length);
      canonical.forEach((v, i) => expect(Math.abs(v - want.canonical[i])).toBeLessThan(1e-5));
      expect(Math.abs(value('mean_cca') - 1)).toBeLessThan(1e-5);
    });
  }, 120_000);

  it.skipIf(skip)('item 3: two samples are refused (every correlation is +-1), naming the layer', async () => {
    await withBackend(name, async (backend) => {
      const out = await probeCase(backend, caseNets('few_samples_2'), name);
      await expect(align({ run: out, backend, registry: registry(), methods: ['semi'] })).rejects.toThrow(
        /^layer fc: 2 samples; correlations need at least 3 \(with 2, every correlation is \+1 or -1/,
      );
    });
  });

  it.skipIf(skip)('item 3: with three samples CCA and regression are null with an "undetermined" note, correlations are numpy\'s', async () => {
    await withBackend(name, async (backend) => {
      const out = await probeCase(backend, caseNets('few_samples_3'), name);
      const logged: string[] = [];
      await align({ run: out, backend, registry: registry(), methods: ['semi', 'cca', 'regression', 'svcca'], log: (m) => logged.push(m) });
      await expectRunMatches(out, expected.few_samples_3, 2e-6);
      const metrics = parseCsv(await readFile(join(out, 'tables', 'metrics.csv'), 'utf8'));
      const undetermined = ['mean_cca', 'mean_cca_sq', 'r2_b_from_a', 'mean_r2_b_from_a', 'r2_a_from_b', 'mean_r2_a_from_b', 'svcca'];
      for (const metric of undetermined) expect(metrics.find((r) => r.metric === metric)!.value).toBe('');
      // The reasons hold commas: the CSV quotes them.
      const notes = await readFile(join(out, 'tables', 'metric_notes.csv'), 'utf8');
      for (const metric of undetermined) expect(notes).toMatch(new RegExp(`^fc,a,b,${metric},"undetermined: 3 samples span at most 2 directions`, 'm'));
      expect(logged.some((m) => /fc a\/b mean_cca: undetermined/.test(m))).toBe(true);
    });
  });
});

describe('align refuses non-finite moments on disk (a run written before the overflow guard)', () => {
  it('names the file, net and unit', async () => {
    await withBackend('reference', async (backend) => {
      const out = await probeCase(backend, caseNets('overflow_f32'), 'stale');
      const m2Path = join(out, 'moments', 'fc', 'm2.npy');
      const m2 = await readNpy(m2Path);
      const d = m2.shape[0];
      // Unit 2 of net a, as the kernels left it before the guard: an Infinity sum of squares.
      m2.data[2 * d + 2] = Infinity;
      await writeNpy(m2Path, Float64Array.from(m2.data), m2.shape);
      await expect(align({ run: out, backend, registry: registry(), methods: ['semi'] })).rejects.toThrow(
        /moments\/fc\/m2\.npy: net a, unit 2 has co-moment Infinity with net a, unit 2; probe the layer again$/,
      );
    });
  });
});
