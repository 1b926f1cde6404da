// End to end on files numpy wrote (a directory of .npy, a savez .npz and a savez_compressed .npz),
// checked against numpy/scipy's answers (scripts/fixtures/make_e2e_fixtures.py), on every backend.
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { BackendRequest } from '../../src/backend/types.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probe } from '../../src/probe/probe.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { threeNets } from '../helpers/fixture-nets.js';

const FIX = 'test/fixtures/e2e';
const nets = threeNets(FIX);

interface Expected {
  layers: Record<string, {
    nets: Record<string, { samples: number; mean: number[]; std: number[]; dead: number[] }>;
    pairs: { a: string; b: string; corr: (number | null)[][]; semi_ab: Record<string, number>; semi_ba: Record<string, number>; bipartite: Record<string, number>; semi_mean: number; bipartite_mean: number }[];
  }>;
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])));
}

const gpu = await webgpuAvailability();
const backends: { name: BackendRequest; tol: number; skip: boolean }[] = [
  { name: 'reference', tol: 1e-6, skip: false },
  { name: 'wasm', tol: 1e-6, skip: false },
  { name: 'webgpu', tol: 1e-6, skip: !gpu.available },
];

describe.each(backends)('probe + align on numpy files ($name backend)', ({ name, tol, skip }) => {
  it.skipIf(skip)('gives numpy\'s statistics, correlations and scipy\'s matchings', async () => {
    const expected = JSON.parse(await readFile(join(FIX, 'expected.json'), 'utf8')) as Expected;
    const out = await mkdtemp(join(tmpdir(), `convergent-e2e-${name}-`));
    const backend = await createBackend(name, { threads: 2 });
    try {
      // Small batches so that many batches are merged (conv: 9 positions per image).
      const manifest = await probe({ nets, out, backend, batchSamples: 40 });
      expect(manifest.layers.map((l) => l.name).sort()).toEqual(['conv', 'fc']);
      const registry = new PluginRegistry();
      registry.add(builtinPlugin, 'built-in');
      const result = await align({ run: out, backend, registry: registry.methods, methods: ['semi', 'bipartite'] });

      for (const [layer, want] of Object.entries(expected.layers)) {
        for (const [net, stats] of Object.entries(want.nets)) {
          const mean = await readNpy(join(out, 'stats', layer, `${net}.mean.npy`));
          const std = await readNpy(join(out, 'stats', layer, `${net}.std.npy`));
          stats.mean.forEach((m, u) => expect(Math.abs(mean.data[u] - m)).toBeLessThan(tol * (1 + Math.abs(m))));
          stats.std.forEach((s, u) => expect(Math.abs(std.data[u] - s)).toBeLessThan(tol * (1 + Math.abs(s))));
        }
        for (const pair of want.pairs) {
          const corr = await readNpy(join(out, 'stats', layer, `corr.${pair.a}.${pair.b}.npy`));
          const back = await readNpy(join(out, 'stats', layer, `corr.${pair.b}.${pair.a}.npy`));
          const cols = pair.corr[0].length;
          expect(corr.shape).toEqual([pair.corr.length, cols]);
          pair.corr.forEach((row, i) =>
            row.forEach((v, j) => {
              const got = corr.data[i * cols + j];
              if (v === null) expect(Number.isNaN(got)).toBe(true);
              else expect(Math.abs(got - v)).toBeLessThan(tol);
              expect(Object.is(back.data[j * pair.corr.length + i], got) || Math.abs(back.data[j * pair.corr.length + i] - got) < 1e-15).toBe(true);
            }),
          );
        }
      }

      const matches = parseCsv(await readFile(join(out, 'tables', 'matches.csv'), 'utf8'));
      const summary = parseCsv(await readFile(join(out, 'tables', 'summary.csv'), 'utf8'));
      const units = parseCsv(await readFile(join(out, 'tables', 'units.csv'), 'utf8'));
      for (const [layer, want] of Object.entries(expected.layers)) {
        for (const pair of want.pairs) {
          const rows = matches.filter((r) => r.layer === layer && r.net_a === pair.a && r.net_b === pair.b);
          expect(rows.length).toBe(want.nets[pair.a].mean.length);
          for (const r of rows) {
            const u = r.unit_a;
            expect(r.semi_unit_b).toBe(pair.semi_ab[u] === undefined ? '' : String(pair.semi_ab[u]));
            expect(r.bipartite_unit_b).toBe(pair.bipartite[u] === undefined ? '' : String(pair.bipartite[u]));
          }
          const reverse = matches.filter((r) => r.layer === layer && r.net_a === pair.b && r.net_b === pair.a);
          for (const r of reverse) expect(r.semi_unit_b).toBe(pair.semi_ba[r.unit_a] === undefined ? '' : String(pair.semi_ba[r.unit_a]));
          const s = summary.find((r) => r.layer === layer && r.net_a === pair.a && r.net_b === pair.b)!;
          expect(Math.abs(Number(s.semi_corr) - pair.semi_mean)).toBeLessThan(tol);
          expect(Math.abs(Number(s.bipartite_corr) - pair.bipartite_mean)).toBeLessThan(tol);
          expect(Number(s.dead_a)).toBe(want.nets[pair.a].dead.length);
          expect(Number(s.dead_b)).toBe(want.nets[pair.b].dead.length);
          // Activation files have no per-image records: the rare-unit rule does not apply, and says so with empty cells.
          expect([s.rare_a, s.rare_b]).toEqual(['', '']);
        }
        for (const [net, stats] of Object.entries(want.nets)) {
          const dead = units.filter((r) => r.layer === layer && r.net === net && r.dead === 'true').map((r) => Number(r.unit));
          expect(dead).toEqual(stats.dead);
        }
      }
      // NaN never reaches a table.
      for (const file of ['matches.csv', 'summary.csv', 'units.csv']) {
        expect(await readFile(join(out, 'tables', file), 'utf8')).not.toMatch(/NaN|Infinity/);
      }
      const summaryJson = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
      expect(summaryJson.layers.length).toBe(6);
      expect(result.summary.numRows()).toBe(6);
    } finally {
      await backend.dispose();
    }
  });
});

describe('probe refuses bad input before any work, naming what is wrong', () => {
  it('needs two nets, distinct names, common layers', async () => {
    const backend = await createBackend('reference');
    const out = await mkdtemp(join(tmpdir(), 'convergent-bad-'));
    await expect(probe({ nets: [nets[0]], out, backend })).rejects.toThrow(/at least two nets/);
    await expect(probe({ nets: [nets[0], { ...nets[1], name: 'netA' }], out, backend })).rejects.toThrow(/"netA" is given twice/);
    await expect(probe({ nets: nets.slice(0, 2), out, backend, layers: ['fc7'] })).rejects.toThrow(/net netA .* has no layer "fc7"; it has: conv, fc/);
  });
});
