// The probe with mi-histograms counting in tiles (a limit below the layer's counters): each layer
// is read 1 + tiles times (layers of different widths, different numbers of passes), the plan is
// logged before the first pass, and `align --method mi` on the run gives the same MI matrices and
// tables, byte for byte, as on the run counted whole; from activation files and from ONNX models.
// A tiled probe stopped after any batch (inside any tile) and resumed equals the uninterrupted
// one; --shard is refused for a tiled layer before any work, naming the flag. The same for a
// probe counting from binned columns (two passes: the edges, then the bins of every sample, the
// pairs counted at the end), stopped and resumed anywhere in the columns pass.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { align } from '../../src/align/align.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { miMethod } from '../../src/align/methods/mi.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { probe, type ProbeOptions } from '../../src/probe/probe.js';
import { miHistogramsReducer, type MiHistogramsJson } from '../../src/probe/reducers/mi-histograms.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { tempDir, writeExactActivations } from '../merge/helpers.js';
import { expectSameRun, mnistProbe, seededPoints, STOP, stopAt, writeMnistNet } from './resume-helpers.js';

const backend = referenceBackend();

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.add(builtinPlugin, 'built-in');
  if (!r.methods.has('mi')) r.add({ meta: { name: 'mi-test', version: '1.0.0' }, methods: [miMethod], reducers: [miHistogramsReducer] }, 'test');
  return r;
}

/** The result.json of mi-histograms for a layer of run `out`. */
const resultOf = (out: string, layer: string) => JSON.parse(readFileSync(join(out, 'reducers', 'mi-histograms', layer, 'result.json'), 'utf8')) as MiHistogramsJson;

/** align --method mi (plug-in, then Miller-Madow) on both runs: the MI matrices and the mi tables are the same bytes. */
async function expectSameAlignment(whole: string, tiled: string, layers: string[], nets: string[]): Promise<void> {
  for (const millerMadow of [false, true]) {
    for (const run of [whole, tiled]) await align({ run, backend: backend.get(), registry: registry().methods, methods: ['mi'], methodOptions: { mi: { 'miller-madow': millerMadow } }, overwrite: true });
    for (const layer of layers) {
      for (const [a, b] of [[nets[0], nets[1]], [nets[1], nets[0]]]) {
        const file = join('stats', layer, `mi.${a}.${b}.npy`);
        expect(readFileSync(join(tiled, file)).equals(readFileSync(join(whole, file))), `${file} (miller-madow ${millerMadow})`).toBe(true);
      }
    }
    for (const table of ['mi_matches.csv', 'metrics.csv']) {
      const [x, y] = [whole, tiled].map((run) => readFileSync(join(run, 'tables', table), 'utf8'));
      expect(y).toBe(x);
    }
  }
}

describe('mi-histograms in tiles, probing activation files', () => {
  const dir = tempDir('mi-tiled-act');
  const nets = writeExactActivations(join(dir, 'nets'), 29); // conv: 29 x 6 positions of 3 units, fc: 29 rows of 5 units
  // 4 bins, 256 bytes a unit pair on the reference backend (16 a counter). conv: 9 unit pairs (2304 bytes) in 2 tiles (2 rows of 3, then 1); fc: 25 unit pairs in 5 tiles (a row of 5 each).
  // The reservoirs (fc: 10 units x 28 values x 8 bytes) fit the limit too.
  const LIMIT = 2300 / 2 ** 20;
  const options = (out: string, more: Partial<ProbeOptions> = {}, limit: number | null = LIMIT): ProbeOptions => ({
    nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 3 },
    reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 28, ...(limit !== null ? { 'max-memory-mb': limit, counting: 'tiles' } : {}) } }, ...more,
  });
  const [whole, tiled] = [join(dir, 'whole'), join(dir, 'tiled')];
  const lines: string[] = [];
  let batches = 0;
  beforeAll(async () => {
    await probe(options(whole, {}, null)); // counted whole (the default limit)
    const counter = stopAt();
    await probe(options(tiled, { onProgress: counter.onProgress, log: (line) => lines.push(line) }));
    batches = counter.count();
  });

  it('reads each layer once per tile more, logs the plan, and aligns to the whole run\'s MI byte for byte', async () => {
    expect(batches).toBe((3 + 6) * 8); // conv 1 + 2 tiles, fc 1 + 5 tiles; 8 batches a pass
    expect(resultOf(whole, 'fc').tiled).toBeUndefined();
    expect(resultOf(tiled, 'conv').tiled).toEqual({ tiles: 2, maxMemoryMb: LIMIT, arrays: 'information' });
    expect(resultOf(tiled, 'fc').tiled).toEqual({ tiles: 5, maxMemoryMb: LIMIT, arrays: 'information' });
    expect(existsSync(join(tiled, 'reducers', 'mi-histograms', 'fc', 'joint.netA.netB.npy'))).toBe(false);
    expect(lines.some((l) => /^mi-histograms, layer fc \(units: netA 5, netB 5; 4 bins\): 400 counters .* counted in 5 tiles of at most 80 counters \(5 unit pairs/.test(l))).toBe(true);
    // Under 1e9 pair-samples a layer gets the plan only, no line per tile.
    expect(lines.filter((l) => l.startsWith('mi-histograms')).length).toBe(2);
    await expectSameAlignment(whole, tiled, ['conv', 'fc'], ['netA', 'netB']);
  });

  it('stopped after a batch inside a tile and resumed, equals the uninterrupted tiled probe', async () => {
    const reference = join(dir, 'tiled-again');
    await probe(options(reference));
    for (const n of seededPoints(batches, 4, 3)) {
      const out = join(dir, `stop${n}`);
      await expect(probe(options(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(options(out, { resume: true }));
      expectSameRun(reference, out);
    }
  });

  it('refuses --shard for a tiled layer before any work, naming the flag and the limit', async () => {
    const out = join(dir, 'part');
    await expect(probe(options(out, { shard: { index: 0, count: 2 } }))).rejects.toThrow(
      /reducer mi-histograms, layer conv: needs 3 passes over the layer here .* which a sharded probe \(--shard\) cannot run; probe this layer without --shard, or raise --mi-histograms.max-memory-mb/,
    );
    expect(existsSync(join(out, 'probe.json'))).toBe(false);
  });
});

describe('mi-histograms in tiles, probing ONNX models', () => {
  const dir = tempDir('mi-tiled-onnx');
  const nets = [0, 1].map((k) => ({ name: `net${'AB'[k]}`, path: join(dir, `net${k}.onnx`) }));
  for (const [k, net] of nets.entries()) writeMnistNet(net.path, 40 + k);
  const run = mnistProbe(nets, () => ({ backend: backend.get(), batchItems: 8, topK: 0, reducers: [miHistogramsReducer] }));

  it('gives the whole run\'s MI byte for byte, the layers taking different numbers of passes', async () => {
    const [whole, tiled] = [join(dir, 'whole'), join(dir, 'tiled')];
    const wholeRun = await run(whole, { reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 20 } } });
    const layers = wholeRun.layers.map((l) => l.name);
    // conv1 (3 units a net) and fc1 (7): fc1's results (49 pairs x 16 bytes) and 6 unit pairs' counters (25 x 16 bytes each on the reference backend).
    const limit = (49 * 16 + 6 * 25 * 16 + 10) / 2 ** 20;
    const lines: string[] = [];
    await run(tiled, { reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 20, 'max-memory-mb': limit, counting: 'tiles' } }, log: (line) => lines.push(line) });
    const tiles = layers.map((layer) => resultOf(tiled, layer).tiled?.tiles ?? 0);
    expect(tiles).toEqual([2, 9]); // conv1: 2 rows of 3, then 1; fc1: runs of 6 columns

    expect(lines.some((l) => /counted in \d+ tiles/.test(l))).toBe(true);
    await expectSameAlignment(whole, tiled, layers, ['netA', 'netB']);
  });
});

describe('mi-histograms from binned columns, probing activation files and ONNX models', () => {
  const dir = tempDir('mi-columns-probe');
  const nets = writeExactActivations(join(dir, 'nets'), 29);
  const options = (out: string, more: Partial<ProbeOptions> = {}, counting = 'columns'): ProbeOptions => ({
    nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 3 },
    reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50, counting } }, ...more,
  });

  it('reads each layer twice, logs the plan, aligns to the whole run\'s MI byte for byte, and resumes from a stop anywhere', async () => {
    const [whole, columns] = [join(dir, 'whole'), join(dir, 'columns')];
    await probe(options(whole, {}, 'auto'));
    const counter = stopAt();
    const lines: string[] = [];
    await probe(options(columns, { onProgress: counter.onProgress, log: (line) => lines.push(line) }));
    expect(counter.count()).toBe(2 * 2 * 8); // conv and fc, 2 passes of 8 batches
    expect(resultOf(whole, 'fc').columns).toBeUndefined();
    expect(resultOf(columns, 'conv').columns).toEqual({ samples: 29 * 6, maxMemoryMb: 2048, arrays: 'information' });
    expect(resultOf(columns, 'fc').kernel).toBe('wasm-simd binned columns (1 thread)');
    expect(lines.filter((l) => /^mi-histograms, layer (conv|fc) .* counted from binned columns/.test(l))).toHaveLength(2);
    await expectSameAlignment(whole, columns, ['conv', 'fc'], ['netA', 'netB']);
    const reference = join(dir, 'columns-again');
    await probe(options(reference));
    for (const n of seededPoints(counter.count(), 3, 5)) {
      const out = join(dir, `stop${n}`);
      await expect(probe(options(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(options(out, { resume: true }));
      expectSameRun(reference, out);
    }
  });

  it('from ONNX models, gives the whole run\'s MI byte for byte', async () => {
    const onnx = [0, 1].map((k) => ({ name: `net${'AB'[k]}`, path: join(dir, `net${k}.onnx`) }));
    for (const [k, net] of onnx.entries()) writeMnistNet(net.path, 40 + k);
    const run = mnistProbe(onnx, () => ({ backend: backend.get(), batchItems: 8, topK: 0, reducers: [miHistogramsReducer] }));
    const [whole, columns] = [join(dir, 'onnx-whole'), join(dir, 'onnx-columns')];
    const wholeRun = await run(whole, { reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 20 } } });
    const layers = wholeRun.layers.map((l) => l.name);
    await run(columns, { reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 20, counting: 'columns' } } });
    expect(layers.map((layer) => resultOf(columns, layer).columns?.arrays)).toEqual(layers.map(() => 'information'));
    await expectSameAlignment(whole, columns, layers, ['netA', 'netB']);
  });
});
