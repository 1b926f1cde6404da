// The run directory always describes one consistent state (issue 10 items 1, 5, 8, 13, 14):
// names never share a folder, a re-probe needs --overwrite and replaces the old run only when
// complete, an align replaces the previous align's tables as a whole and the report reads only
// those, a run without samples or with a bad --limit is refused before anything is written, and
// plugin table names cannot reach outside the run. Fixtures: scripts/fixtures/make_run_dir_fixtures.py
// and make_e2e_fixtures.py.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newRun, referenceBackend } from './run-helpers.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import type { Method } from '../../src/align/methods/types.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { loadRun, readRunTable } from '../../src/report/load.js';
import { align } from '../../src/align/align.js';
import { runPaths, type ProbeManifest } from '../../src/run-dir/layout.js';
import { probe } from '../../src/probe/probe.js';
import thresholdPlugin from '../../examples/threshold-plugin.mjs';

const FIX = 'test/fixtures/run-dir';
const E2E = [
  { name: 'netA', path: 'test/fixtures/e2e/netA' },
  { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
];

interface Expected {
  dirs: Record<string, Record<string, { mean: number[]; std: number[] }>>;
  npz: Record<string, Record<string, { mean: number[]; std: number[] }>>;
}

const reference = referenceBackend();
const registry = new PluginRegistry();
registry.add(builtinPlugin, 'built-in');
registry.add(thresholdPlugin(), 'examples/threshold-plugin.mjs');


function manifestOf(run: string): ProbeManifest {
  return JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest;
}

/** A plugin reducer that fails on one layer, standing in for any error (a full disk, a bad file) mid-probe. */
function failingOn(layer: string): Reducer {
  return {
    name: 'fails',
    description: 'fails on one layer',
    create: (l) => ({
      update() {
        if (l.layer === layer) throw new Error(`simulated failure in layer ${layer}`);
      },
      finish: () => ({}),
    }),
  };
}

describe('item 1: layer names that differ only in unsafe characters keep their own folders', () => {
  it.each([
    ['directories with "x fc.npy" and "x_fc.npy"', 'dirs', ['names/netA', 'names/netB'], ['x fc', 'x_fc']],
    ['.npz archives with keys "x/fc" and "x_fc"', 'npz', ['names/netA.npz', 'names/netB.npz'], ['x/fc', 'x_fc']],
  ] as const)('%s: two rows with their own values (numpy)', async (_, kind, paths, layers) => {
    const expected = (JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected)[kind];
    const run = newRun('rundir');
    const nets = [{ name: 'netA', path: join(FIX, paths[0]) }, { name: 'netB', path: join(FIX, paths[1]) }];
    const manifest = await probe({ nets, out: run, backend: reference.get() });
    expect(manifest.layers.map((l) => l.name).sort()).toEqual([...layers].sort());
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi', 'bipartite'] });
    expect(readdirSync(join(run, 'moments')).length).toBe(2);
    const summary = JSON.parse(readFileSync(runPaths.summary(run), 'utf8'));
    const units = (await readRunTable(run, 'units', summary.tables))!;
    for (const layer of layers) {
      for (const net of ['netA', 'netB']) {
        const want = expected[net][layer];
        const mean = await readNpy(join(runPaths.statsDir(run, layer), `${net}.mean.npy`));
        const std = await readNpy(join(runPaths.statsDir(run, layer), `${net}.std.npy`));
        const rows = units.filter((r) => r.layer === layer && r.net === net);
        expect(rows.length).toBe(want.mean.length);
        want.mean.forEach((m, u) => {
          expect(Math.abs(mean.data[u] - m)).toBeLessThan(1e-6 * (1 + Math.abs(m)));
          expect(Math.abs(Number(rows[u].mean) - m)).toBeLessThan(1e-6 * (1 + Math.abs(m)));
          expect(Math.abs(std.data[u] - want.std[u])).toBeLessThan(1e-6 * (1 + want.std[u]));
        });
      }
    }
    expect(summary.layers.map((r: { layer: string }) => r.layer).sort()).toEqual([...layers].sort());
  });
});

describe('item 8 and 13: a run without samples or with a bad --limit is refused before anything is written', () => {
  it('refuses a 0-row .npy, naming the layer and file', async () => {
    const run = newRun('rundir');
    const nets = [{ name: 'netA', path: join(FIX, 'empty/netA') }, { name: 'netB', path: join(FIX, 'empty/netB') }];
    await expect(probe({ nets, out: run, backend: reference.get() })).rejects.toThrow(/layer fc has no samples to probe \(0 items x 1 positions; net netA: .*empty\/netA\/fc\.npy, shape \[0,4\]/);
    expect(existsSync(run)).toBe(false);
  });

  it('refuses an (N, C, 0, W) layer, naming the layer, file and shape', async () => {
    const run = newRun('rundir');
    const nets = [{ name: 'netA', path: join(FIX, 'zero-map/netA') }, { name: 'netB', path: join(FIX, 'zero-map/netB') }];
    await expect(probe({ nets, out: run, backend: reference.get() })).rejects.toThrow(/layer conv has no samples to probe \(5 items x 0 positions; net netA: .*zero-map\/netA\/conv\.npy, shape \[5,3,0,4\]/);
    expect(existsSync(run)).toBe(false);
  });

  it.each([0, -5, 2.5])('refuses --limit %s without creating the run directory', async (limit) => {
    const run = newRun('rundir');
    await expect(probe({ nets: E2E, out: run, backend: reference.get(), limitItems: limit })).rejects.toThrow(`--limit must be a whole number of items, at least 1; got ${limit}`);
    expect(existsSync(run)).toBe(false);
  });

  it('names the run directory and the cause when it cannot be created', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'convergent-rundir-'));
    writeFileSync(join(parent, 'file'), 'x');
    const run = join(parent, 'file', 'run');
    await expect(probe({ nets: E2E, out: run, backend: reference.get() })).rejects.toThrow(`could not create the run directory ${run}: a part of the path is a file, not a folder (ENOTDIR)`);
  });
});

describe('item 5: a re-probe needs --overwrite and replaces the old run only when complete', () => {
  it('refuses a second probe into a run without overwrite, changing nothing', async () => {
    const run = newRun('rundir');
    await probe({ nets: E2E, out: run, backend: reference.get() });
    const before = readFileSync(runPaths.manifest(run), 'utf8');
    await expect(probe({ nets: E2E, out: run, backend: reference.get(), layers: ['fc'] })).rejects.toThrow(/already holds a run \(probe.json, moments\); pass --overwrite/);
    expect(readFileSync(runPaths.manifest(run), 'utf8')).toBe(before);
  });

  it('a failing re-probe leaves the old run whole; a complete one replaces probe, align and report outputs', async () => {
    const run = newRun('rundir');
    await probe({ nets: E2E, out: run, backend: reference.get() });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi', 'bipartite'] });
    writeFileSync(join(run, 'report.html'), '<p>old report</p>');
    const before = readFileSync(runPaths.manifest(run), 'utf8');
    const oldMean = readFileSync(join(runPaths.momentsDir(run, 'conv'), 'mean.npy'));

    const notes: string[] = [];
    await expect(probe({ nets: E2E, out: run, backend: reference.get(), overwrite: true, reducers: [failingOn('fc')], log: (m) => notes.push(m) })).rejects.toThrow(/simulated failure in layer fc/);
    expect(readFileSync(runPaths.manifest(run), 'utf8')).toBe(before);
    expect(manifestOf(run).layers.map((l) => l.name)).toEqual(['conv', 'fc']);
    expect(readFileSync(join(runPaths.momentsDir(run, 'conv'), 'mean.npy'))).toEqual(oldMean);
    expect(existsSync(join(run, 'tables', 'matches.csv'))).toBe(true);
    expect(notes.join('\n')).toMatch(/the run in .* is unchanged; the layers this probe finished are in .*\.staging-probe/);

    await probe({ nets: E2E, out: run, backend: reference.get(), overwrite: true, layers: ['fc'] });
    expect(manifestOf(run).layers.map((l) => l.name)).toEqual(['fc']);
    expect(manifestOf(run).pending).toEqual([]);
    for (const gone of ['moments/conv', 'stats', 'tables', 'summary.json', 'report.html', '.staging-probe', '.replaced-probe']) expect(existsSync(join(run, gone)), gone).toBe(false);
    expect(readdirSync(run).sort()).toEqual(['moments', 'probe.json']);
  });

  it('a fresh probe that fails keeps the layers it finished (and leaves nothing when it finished none)', async () => {
    const run = newRun('rundir');
    await expect(probe({ nets: E2E, out: run, backend: reference.get(), reducers: [failingOn('fc')] })).rejects.toThrow(/simulated failure/);
    expect(manifestOf(run).layers.map((l) => l.name)).toEqual(['conv']);
    expect(manifestOf(run).pending).toEqual(['fc']);

    const other = newRun('rundir');
    await expect(probe({ nets: E2E, out: other, backend: reference.get(), reducers: [failingOn('conv')] })).rejects.toThrow(/simulated failure/);
    expect(existsSync(other)).toBe(false);
  });
});

describe('item 5: align replaces the previous align as a whole; the report reads only its tables', () => {
  it('leaves no table of an earlier align (other methods, other format)', async () => {
    const run = newRun('rundir');
    await probe({ nets: E2E, out: run, backend: reference.get() });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi', 'bipartite'] });
    expect(readdirSync(join(run, 'tables')).sort()).toEqual(['matches.csv', 'summary.csv', 'units.csv']);

    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['count-above'], format: 'json' });
    expect(readdirSync(join(run, 'tables')).sort()).toEqual(['count_above.json', 'summary.json', 'units.json']);
    expect(readdirSync(run).filter((e) => e.startsWith('.'))).toEqual([]);
    const data = await loadRun(run);
    expect(await data.table('matches')).toBeUndefined();
    expect((await data.table('count_above'))!.length).toBeGreaterThan(0);

    // A stale file dropped in by hand is not read either: the report reads what summary.json lists.
    writeFileSync(join(run, 'tables', 'matches.csv'), 'layer,net_a,net_b,unit_a\nconv,netA,netB,0\n');
    expect(await (await loadRun(run)).table('matches')).toBeUndefined();
  });

  it('align --layer replaces the stats of every layer of the previous align', async () => {
    const run = newRun('rundir');
    await probe({ nets: E2E, out: run, backend: reference.get() });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'] });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'], layers: ['fc'] });
    expect(readdirSync(join(run, 'stats'))).toEqual(['fc']);
  });
});

describe('item 14: plugin table names cannot reach outside the run', () => {
  it('refuses a table named ../../x, naming the method and table, and keeps the previous align', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'convergent-rundir-'));
    const run = join(parent, 'a', 'run');
    mkdirSync(join(parent, 'a'));
    await probe({ nets: E2E, out: run, backend: reference.get() });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'] });
    const before = readFileSync(runPaths.summary(run), 'utf8');
    const evil: Method = {
      name: 'evil',
      description: 'writes a table outside the run',
      run: (ctx) => ({ tables: { '../../x': ctx.table({ layer: [ctx.layer] }) } }),
    };
    const methods = new PluginRegistry();
    methods.add({ meta: { name: 'evil', version: '1' }, methods: [evil] }, 'test');
    await expect(align({ run, backend: reference.get(), registry: methods.methods, methods: ['evil'] })).rejects.toThrow(/method evil: table name "\.\.\/\.\.\/x" may use letters, digits/);
    expect(readdirSync(parent)).toEqual(['a']);
    expect(existsSync(join(parent, 'x.csv'))).toBe(false);
    expect(readFileSync(runPaths.summary(run), 'utf8')).toBe(before);
    expect(existsSync(join(run, '.staging-align'))).toBe(false);
  });

  it('refuses a reducer array named like a path, naming the reducer and layer', async () => {
    const bad: Reducer = { name: 'bad', description: '', create: () => ({ update() {}, finish: () => ({ arrays: { '../m2': { data: new Float64Array(1), shape: [1] } } }) }) };
    const run = newRun('rundir');
    await expect(probe({ nets: E2E, out: run, backend: reference.get(), reducers: [bad] })).rejects.toThrow(/reducer bad, layer conv: array name "\.\.\/m2"/);
  });
});
