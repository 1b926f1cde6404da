// `--mi.binning li2016` end to end: probe the fixture activations (test/fixtures/mi-li2016/, made
// by scripts/fixtures/mi_li2016.py, which runs the paper's own MI code on them), align with the
// `mi` method, and compare the MI matrices with the paper's numbers within 1e-9 on every backend;
// the units where the paper's code fails (below 1e-6 on more than 99.9% of samples) are left out
// with a note naming them; `convergent run --method mi --mi.binning li2016` reaches the reducer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { align } from '../../../src/align/align.js';
import { builtinPlugin } from '../../../src/align/methods/builtin/index.js';
import { createBackend } from '../../../src/backend/select.js';
import type { BackendRequest } from '../../../src/backend/types.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import { PluginRegistry } from '../../../src/plugins/registry.js';
import { probe } from '../../../src/probe/probe.js';
import { miHistogramsReducer, type MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import { webgpuAvailability } from '../../helpers/webgpu.js';

const FIX = 'test/fixtures/mi-li2016';

interface Run {
  bins: number;
  samples: number;
  raises: Record<string, number[]>;
  mi: (number | null)[][];
}
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as { sets: Record<string, { dtype: string; runs: Run[] }> };
const netsOf = (set: string) => ['netA', 'netB'].map((name) => ({ name, path: join(FIX, set, name) }));

function registry() {
  const r = new PluginRegistry();
  r.add(builtinPlugin, 'built-in');
  return r.methods;
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  // Quoted fields (the notes) may hold commas: split on commas outside quotes.
  return lines.map((line) => Object.fromEntries((line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).map((v, i) => [cols[i], v.replace(/,$/, '').replace(/^"|"$/g, '')])));
}

/** The MI matrix against the paper's: within 1e-9, NaN exactly where the paper's code raises. */
function expectPaperMi(got: ArrayLike<number>, run: Run): void {
  const cols = run.mi[0].length;
  run.mi.forEach((row, i) =>
    row.forEach((want, j) => {
      const g = got[i * cols + j];
      if (want === null) expect(Number.isNaN(g), `mi[${i}, ${j}] should be NaN (the paper's code raises)`).toBe(true);
      else expect(Math.abs(g - want), `mi[${i}, ${j}]: ${g} vs ${want}`).toBeLessThanOrEqual(1e-9);
    }),
  );
}

const gpu = await webgpuAvailability();
const backends: { name: BackendRequest; skip: boolean }[] = [
  { name: 'reference', skip: false },
  { name: 'wasm', skip: false },
  { name: 'webgpu', skip: !gpu.available },
];

describe.each(backends)('mi --binning li2016 on the paper\'s numbers ($name backend)', ({ name, skip }) => {
  it.skipIf(skip)('probe + align give the MI of the paper\'s code within 1e-9; the units it fails on are left out, named', async () => {
    const backend = await createBackend(name, { threads: 2 });
    try {
      for (const [set, { runs }] of Object.entries(expected.sets)) {
        for (const run of runs) {
          const out = await mkdtemp(join(tmpdir(), `convergent-mi-li2016-${name}-`));
          await probe({ nets: netsOf(set), out, backend, batchSamples: 101, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { binning: 'li2016', bins: run.bins } } });
          const logs: string[] = [];
          await align({ run: out, backend, registry: registry(), methods: ['mi'], log: (m: string) => logs.push(m) });
          const json = JSON.parse(await readFile(join(out, 'reducers', 'mi-histograms', 'fc', 'result.json'), 'utf8')) as MiHistogramsJson;
          expect(json.binning).toBe('li2016');
          expect(json.nets.map((n) => n.li2016Raises)).toEqual([run.raises.netA, run.raises.netB]);
          expectPaperMi((await readNpy(join(out, 'stats', 'fc', 'mi.netA.netB.npy'))).data as Float64Array, run);
          const tables = await Promise.all(['mi_matches.csv', 'metrics.csv'].map((f) => readFile(join(out, 'tables', f), 'utf8')));
          for (const t of tables) expect(t).not.toMatch(/NaN|Infinity/);
          const raising = run.raises.netA.length + run.raises.netB.length > 0;
          if (!raising) continue;
          // The crash case: the paper's code raises on netA unit 1 and netB unit 2 (zero on 2002 and 2001 of 2003 samples).
          expect(run.raises).toEqual({ netA: [1], netB: [2] });
          const notes = parseCsv(await readFile(join(out, 'tables', 'metric_notes.csv'), 'utf8'));
          expect(notes).toHaveLength(1);
          expect(notes[0]).toMatchObject({ layer: 'fc', net_a: 'netA', net_b: 'netB', metric: 'mi' });
          expect(notes[0].reason).toMatch(/binning li2016: netA units 1; netB units 2 left out of the MI \(NaN\) and its matchings: below 1e-6 on more than 99.9% of samples/);
          expect(logs.join('\n')).toMatch(/fc netA\/netB mi: binning li2016: netA units 1; netB units 2 left out/);
          const matches = parseCsv(tables[0]);
          const row = (a: string, unit: number) => matches.find((r) => r.net_a === a && r.unit_a === String(unit))!;
          expect(row('netA', 1)).toMatchObject({ mi_semi_unit_b: '', mi_semi: '', mi_bipartite_unit_b: '' });
          expect(row('netB', 2)).toMatchObject({ mi_semi_unit_b: '', mi_semi: '', mi_bipartite_unit_b: '' });
          // No other unit is matched to them, and the others keep their matches.
          for (const r of matches) expect(r.net_a === 'netA' ? r.mi_semi_unit_b !== '2' : r.mi_semi_unit_b !== '1').toBe(true);
          expect(row('netA', 0).mi_semi_unit_b).not.toBe('');
          // Asking align for the other binning is refused, naming the probe's.
          await expect(align({ run: out, backend, registry: registry(), methods: ['mi'], methodOptions: { mi: { binning: 'default' } } })).rejects.toThrow(
            /was probed with --mi-histograms.binning li2016, not default/,
          );
        }
      }
    } finally {
      await backend.dispose();
    }
  }, 120_000);
});

describe('mi --binning li2016 from the command line', () => {
  const convergent = (args: string[]) => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('run --method mi --mi.binning li2016 probes with the paper\'s binning and gives its numbers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'convergent-mi-li2016-cli-'));
    const nets = netsOf('crash').flatMap((n) => ['--net', `${n.name}=${n.path}`]);
    const r = convergent(['run', ...nets, '--out', out, '--backend', 'wasm', '--quiet', '--method', 'mi', '--mi.binning', 'li2016']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'reducers', 'mi-histograms', 'fc', 'result.json'), 'utf8')) as MiHistogramsJson;
    expect(json).toMatchObject({ binning: 'li2016', bins: 10 });
    expectPaperMi((await readNpy(join(out, 'stats', 'fc', 'mi.netA.netB.npy'))).data as Float64Array, expected.sets.crash.runs[0]);
    const bad = convergent(['run', ...nets, '--out', mkdtempSync(join(tmpdir(), 'convergent-mi-li2016-bad-')), '--backend', 'wasm', '--quiet', '--method', 'mi', '--mi.binning', 'paper']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/binning must be one of default, li2016, got paper/);
  }, 120_000);
});
