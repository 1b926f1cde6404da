// mi-histograms counting in tiles (src/probe/reducers/mi-tiles.ts, mi-tiled-counts.ts): a layer
// whose counters exceed max-memory-mb, and whose binned columns do not fit either (or with
// `counting: tiles`), is counted one block of unit pairs per extra pass and each block reduced to
// MI. The oracle is the same reducer counting the layer whole, then the `mi`
// method's mutualInformation on its joint histograms: the tiled MI (plug-in and Miller-Madow)
// must equal it bit for bit, for tiles of one unit pair, runs of columns, whole rows and several
// pairs of nets per tile, on WASM and (when present) WebGPU; a checkpoint inside any tile restores
// exactly; a tiled state is refused by merge; the plan covers every unit pair once.
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import { mutualInformation } from '../../../src/align/methods/mi.js';
import type { MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import { miHistogramSettings, layerPairs } from '../../../src/probe/reducers/mi-settings.js';
import { counterBytes, describeMiPlan, estimateTiledSeconds, isLongLayer, planMiTiles, tilePairs, MAX_TILE_COUNTERS, RESULT_BYTES } from '../../../src/probe/reducers/mi-tiles.js';
import type { ReducerLayer, ReducerOutput } from '../../../src/probe/reducers/types.js';
import { Rng } from '../../helpers/rng.js';
import { webgpuAvailability } from '../../helpers/webgpu.js';
import { feed, randomBatches } from './shard-helpers.js';
import { LayerReducers, planReducers, reducerPasses } from '../../../src/study/reducers.js';
import { MemoryRun } from '../../../src/study/memory-run.js';
import { decodeNpyBytes } from '../../../src/report/npy-bytes.js';
import { BINS, bits, expectSameInformation, layerOf, makeData, N, NETS, reducer, run, throughFiles } from './mi-layer-helpers.js';

/** Bytes a tile's counter takes on WASM (the backend of a layer given none): its u32, lent to the reduction. */
const COUNTER_BYTES = counterBytes({}).tile;
const unitPairs = layerPairs(NETS.length).reduce((sum, [a, b]) => sum + NETS[a].units * NETS[b].units, 0);
/** A limit (MiB) that leaves room for `pairs` unit pairs' counters per tile besides the results. */
const limitFor = (pairs: number) => (unitPairs * RESULT_BYTES + pairs * BINS * BINS * COUNTER_BYTES + 100) / 2 ** 20;
const gpu = await webgpuAvailability();

describe('the tile plan', () => {
  it.each([1, 2, 4, 6, 7, 13, 40, 60])('covers every unit pair exactly once, tiles of at most %i unit pairs', (pairs) => {
    const s = miHistogramSettings({ bins: BINS, reservoir: 7, counting: 'tiles', 'max-memory-mb': limitFor(pairs) });
    const plan = planMiTiles(layerOf({}), s);
    expect(plan.pairsPerTile).toBe(pairs);
    const seen = layerPairs(NETS.length).map(([a, b]) => new Uint8Array(NETS[a].units * NETS[b].units));
    for (const tile of plan.tiles!) {
      expect(tilePairs(tile)).toBeLessThanOrEqual(pairs);
      for (const g of tile) {
        const width = NETS[layerPairs(NETS.length)[g.pair][1]].units;
        for (let r = g.a0; r < g.a1; r++) for (let c = g.b0; c < g.b1; c++) seen[g.pair][r * width + c]++;
      }
    }
    for (const counts of seen) expect([...counts].every((c) => c === 1)).toBe(true);
    // Greedy packing: no two consecutive tiles would fit in one.
    for (let t = 1; t < plan.tiles!.length; t++) expect(tilePairs(plan.tiles![t - 1]) + tilePairs(plan.tiles![t])).toBeGreaterThan(pairs);
  });

  it('counts a layer whole while its counters and reservoirs fit (the joint histograms written as before)', () => {
    const s = miHistogramSettings({ bins: BINS, reservoir: 7 });
    expect(planMiTiles(layerOf({}), s).tiles).toBeNull();
    expect(reducer.passesFor!(layerOf({}))).toBe(2);
    const tiled = layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(10) });
    expect(reducer.passesFor!(tiled)).toBe(1 + planMiTiles(tiled, miHistogramSettings(tiled.options)).tiles!.length);
  });

  it('plans tiles, and whether a layer is counted whole, the same way whatever its samples (shards and their merge agree)', () => {
    for (const limit of [limitFor(6), 2048]) {
      for (const counting of ['tiles', 'auto']) {
        const s = miHistogramSettings({ bins: BINS, reservoir: 7, 'max-memory-mb': limit, counting });
        const plans = [1, 7, N, 10 ** 6].map((samples) => planMiTiles({ layer: 'fc6', nets: NETS, samples }, s));
        for (const plan of plans) expect([plan.counting === 'whole', plan.tiles]).toEqual([plans[0].counting === 'whole', counting === 'tiles' ? plans[0].tiles : plan.tiles]);
      }
    }
  });

  it('plans fc6 of two AlexNets (2 x 4096 units, 10 bins) in tiles, when asked to, at the default limit: 4 tiles of u32 counters, the cost said up front', () => {
    const fc6 = { layer: 'fc6', nets: [{ name: 'a', units: 4096 }, { name: 'b', units: 4096 }], samples: 300 };
    const s = miHistogramSettings({ counting: 'tiles' });
    const plan = planMiTiles(fc6, s);
    // (2048 MiB - 4096^2 x 16 bytes of results) / (100 counters x 4 bytes) unit pairs a tile, whole rows of 4096.
    const perTile = Math.floor((2048 * 2 ** 20 - 4096 * 4096 * RESULT_BYTES) / (100 * COUNTER_BYTES));
    expect(plan.pairsPerTile).toBe(perTile);
    expect(plan.tiles!.length).toBe(Math.ceil(4096 / Math.floor(perTile / 4096)));
    expect(plan.tiles!.length).toBe(4);
    // Counted whole, 12 bytes a counter on WASM (its u32 and the float64 copy written out).
    expect(describeMiPlan(fc6, s, plan)).toMatch(/1677721600 counters \(19200 MiB\) over the limit of 2048 MiB, counting tiles asked for \(--mi-histograms.counting tiles\): counted in 4 tiles .*\(5 passes in all\).*5.03e\+9 pair-samples/);
    expect(isLongLayer(plan, 300, 10)).toBe(true);
    expect(isLongLayer(plan, 50, 10)).toBe(false);
    // 4 reads of 2 s, 5.03e9 pair-samples at 1e9 a second, 16.8e6 pairs reduced at 2 microseconds.
    expect(estimateTiledSeconds(plan, 300, 10, 2)).toBeCloseTo(4 * 2 + 5.0331648 + 33.554432, 9);
    // A generous limit still cuts a layer of more than 2^29 counters: one WASM memory per tile.
    const roomy = planMiTiles(fc6, miHistogramSettings({ 'max-memory-mb': 64 * 1024, counting: 'tiles' }));
    expect(roomy.tiles!.length).toBe(Math.ceil((4096 * 4096 * 100) / MAX_TILE_COUNTERS));
    // WebGPU copies its counts into float64 (20 bytes a counter): more tiles.
    const webgpu = planMiTiles({ ...fc6, backend: { capabilities: { jointHistogram: 'webgpu' } } as ReducerLayer['backend'] }, s);
    expect(webgpu.tiles!.length).toBe(Math.ceil(4096 / Math.floor(Math.floor((2048 * 2 ** 20 - 4096 * 4096 * RESULT_BYTES) / (100 * 20)) / 4096)));
    expect(webgpu.tiles!.length).toBe(18);
  });

  it('refuses a limit below the results and one unit pair, and reservoirs over the limit, naming the flags', () => {
    const tooSmall = (unitPairs * RESULT_BYTES + BINS * BINS * COUNTER_BYTES - 1) / 2 ** 20;
    expect(() => reducer.validate!(layerOf({ 'max-memory-mb': tooSmall }))).toThrow(
      /mi-histograms, layer fc6 \(units: a 5, b 3, c 7; 6 bins\): counting in tiles needs at least .* \(the results of 71 unit pairs x 16 bytes, and one unit pair's 36 counters x 4 bytes\), over the limit .*, and the binned columns do not fit either; raise the limit \(--mi.max-memory-mb with `convergent run`, --mi-histograms.max-memory-mb/,
    );
    expect(() => reducer.validate!(layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(3), reservoir: 1000 }))).toThrow(/the reservoirs that place the bin edges need .* \(15 units x 203 values x 8 bytes\).*--mi.reservoir/);
  });

  it('counts the reservoirs at the bytes of the batches\' values: float32 needs half of float64', () => {
    // fc6 of two nets at 50,000 images, 65,536 values per unit: 2 GiB in float32 fits the default
    // 2048 MiB limit, 4 GiB in float64 does not (the forward probe captures float32).
    const fc6 = { layer: 'fc6', nets: [{ name: 'a', units: 4096 }, { name: 'b', units: 4096 }], samples: 50_000 };
    const s = miHistogramSettings({ 'max-memory-mb': 2048 });
    expect(planMiTiles({ ...fc6, valueBytes: 4 }, s).reservoirBytes).toBe(8192 * 50_000 * 4);
    expect(() => planMiTiles({ ...fc6, valueBytes: 8 }, s)).toThrow(/8192 units x 50000 values x 8 bytes/);
    expect(() => planMiTiles(fc6, s)).toThrow(/x 8 bytes/); // unknown: the larger
  });
});

describe('mi-histograms in tiles', () => {
  const data = makeData(5);
  let whole: ReducerOutput;
  it('the whole run is two passes with joint histograms', async () => {
    whole = await run(data, layerOf({}));
    expect((whole.json as MiHistogramsJson).tiled).toBeUndefined();
  });

  it.each([
    { pairs: 1, label: 'one unit pair per tile' },
    { pairs: 2, label: 'runs of columns' },
    { pairs: 6, label: 'whole rows' },
    { pairs: 30, label: 'several pairs of nets per tile' },
  ])('gives the whole run\'s MI bit for bit ($label)', async ({ pairs }) => {
    const lines: string[] = [];
    const layer = layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(pairs) }, { log: (line) => lines.push(line) });
    const plan = planMiTiles(layer, miHistogramSettings(layer.options)).tiles!;
    const tiles = plan.length;
    const largest = Math.max(...plan.map(tilePairs));
    const tiled = await run(data, layer);
    expectSameInformation(tiled, whole);
    const json = tiled.json as MiHistogramsJson;
    expect(json.tiled).toEqual({ tiles, maxMemoryMb: limitFor(pairs), arrays: 'information' });
    expect({ ...json, tiled: undefined, kernel: undefined }).toEqual({ ...(whole.json as MiHistogramsJson), tiled: undefined, kernel: undefined });
    expect(lines[0]).toMatch(new RegExp(`^mi-histograms, layer fc6 .*: 2556 counters .* counted in ${tiles} tiles? of at most ${largest * 36} counters \\(${largest} unit pairs, .*\\), .*\\(${tiles + 1} passes in all\\).*1.44e\\+4 pair-samples to count`));
    expect(lines).toHaveLength(1); // the plan; a layer under 1e9 pair-samples gets no line per tile
  });

  it('continues bit for bit from a checkpoint inside any tile', async () => {
    const layer = layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(6) });
    const want = await run(data, layer);
    const passes = reducer.passesFor!(layer);
    const pick = new Rng(8);
    for (const pass of [1, 2, passes - 1, 1 + Math.floor(pick.draw() * (passes - 1))]) {
      const batches = randomBatches(0, N, 23, 1 + pass).length;
      for (const batch of [0, 1 + Math.floor(pick.draw() * (batches - 1))]) {
        expect(await run(data, layer, { pass, batch })).toEqual(want);
      }
    }
  });

  it.skipIf(!gpu.available)('on the WebGPU backend, gives the whole run\'s MI bit for bit and restores mid-tile', async () => {
    const backend = await createBackend('webgpu', {});
    try {
      const layer = layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(6) }, { backend });
      const tiled = await run(data, layer);
      expect((tiled.json as MiHistogramsJson).kernel).toMatch(/webgpu/);
      expectSameInformation(tiled, whole);
      expect(await run(data, layer, { pass: 3, batch: 2 })).toEqual(tiled);
    } finally {
      await backend.dispose();
    }
  });

  it('refuses a tiled state in a merge (naming --shard), and a saved state of another limit', async () => {
    const layer = layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(6) });
    const state = reducer.create(layer);
    await feed(state, data, N, randomBatches(0, N, 23, 1), 0);
    await state.nextPass!(1);
    await feed(state, data, N, randomBatches(0, N, 23, 2), 1);
    const snapshot = await throughFiles(await state.snapshot!());
    await state.dispose?.();
    expect(snapshot.json).toMatchObject({ pass: 1, tiled: { tile: 0, maxMemoryMb: limitFor(6) } });
    expect(() => reducer.merge!(layer, snapshot, snapshot)).toThrow(/counted in tiles .* cannot be merged: tiled counting does not run sharded \(--shard\)/);
    expect(() => reducer.restore!(layerOf({ counting: 'tiles', 'max-memory-mb': limitFor(7) }), snapshot)).toThrow(/planned for max-memory-mb .*, this probe uses .*; give --mi-histograms.max-memory-mb/);
    expect(() => reducer.restore!(layerOf({}), snapshot)).toThrow(/planned for max-memory-mb/);
  });

  it("in the page's study (src/study/reducers.ts), takes a pass per tile and writes the same MI", async () => {
    const planned = planReducers([reducer], { [reducer.name]: { bins: BINS, reservoir: 7, counting: 'tiles', 'max-memory-mb': limitFor(13) } });
    const layer: ReducerLayer = { layer: 'fc6', nets: NETS, samples: N, samplesPerItem: 1, options: planned[0].options };
    const passes = reducerPasses(reducer, layer);
    expect(passes).toBe(reducer.passesFor!(layer));
    expect(passes).toBeGreaterThan(3);
    const states = LayerReducers.create([layer], planned);
    for (let pass = 0; pass < passes; pass++) {
      if (pass > 0) await states.nextPass(pass);
      for (const [s0, e0] of randomBatches(0, N, 23, 1 + pass)) {
        const nets = data.map((d) => {
          const units = d.length / N;
          const out = new (d.constructor as new (length: number) => Float32Array | Float64Array)(units * (e0 - s0));
          for (let u = 0; u < units; u++) out.set(d.subarray(u * N + s0, u * N + e0), u * (e0 - s0));
          return out;
        });
        await states.update({ nets, samples: e0 - s0, firstSample: s0, pass });
      }
    }
    const run = new MemoryRun('run');
    await states.finishInto(run);
    await states.dispose();
    const file = (await run.read('run/reducers/mi-histograms/fc6/mi.a.c.npy'))!;
    const want = mutualInformation(whole.arrays!['joint.a.c'].data, NETS[0].units, NETS[2].units, BINS);
    expect(bits(decodeNpyBytes(file, 'mi.a.c.npy').data as Float64Array)).toEqual(bits(want));
  });
});
