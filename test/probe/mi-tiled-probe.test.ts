// The probe with mi-histograms counting in tiles (a limit below the layer's counters): each layer
// is read 1 + tiles times (layers of different widths, different numbers of passes), the plan is
// logged before the first pass, and `align --method mi` on the run gives the same MI matrices and
// tables, byte for byte, as on the run counted whole; from activation files and from ONNX models.
// A tiled probe stopped after any batch (inside any tile) and resumed equals the uninterrupted
// one; --shard is refused for a tiled layer before any work, naming the flag.
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
  // 4 bins, 320 bytes a unit pair. conv: 9 unit pairs (2880 bytes) in 2 tiles (2 rows of 3, then 1); fc: 25 unit pairs in 5 tiles (a row of 5 each).
  const LIMIT = 2500 / 2 ** 20;
  const options = (out: string, more: Partial<ProbeOptions> = {}, limit: number | null = LIMIT): ProbeOptions => ({
    nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 3 },
    reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50, ...(limit !== null ? { 'max-memory-mb': limit } : {}) } }, ...more,
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
    // conv1 (3 units a net) and fc1 (7): fc1's results (49 pairs x 16 bytes) and 6 unit pairs' counters (25 x 20 bytes each).
    const limit = (49 * 16 + 6 * 25 * 20 + 10) / 2 ** 20;
    const lines: string[] = [];
    await run(tiled, { reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 20, 'max-memory-mb': limit } }, log: (line) => lines.push(line) });
    const tiles = layers.map((layer) => resultOf(tiled, layer).tiled?.tiles ?? 0);
    expect(tiles).toEqual([2, 9]); // conv1: 2 rows of 3, then 1; fc1: runs of 6 columns

    expect(lines.some((l) => /counted in \d+ tiles/.test(l))).toBe(true);
    await expectSameAlignment(whole, tiled, layers, ['netA', 'netB']);
  });
});
