// mi-histograms counting in tiles (src/probe/reducers/mi-tiles.ts, mi-tiled-counts.ts): a layer
// whose counters exceed max-memory-mb is counted one block of unit pairs per extra pass and each
// block reduced to MI. The oracle is the same reducer counting the layer whole, then the `mi`
// method's mutualInformation on its joint histograms: the tiled MI (plug-in and Miller-Madow)
// must equal it bit for bit, for tiles of one unit pair, runs of columns, whole rows and several
// pairs of nets per tile, on WASM and (when present) WebGPU; a checkpoint inside any tile restores
// exactly; a tiled state is refused by merge; the plan covers every unit pair once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import { mutualInformation } from '../../../src/align/methods/mi.js';
import { miHistogramsReducer, type MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import { miHistogramSettings, layerPairs } from '../../../src/probe/reducers/mi-settings.js';
import { describeMiPlan, estimateTiledSeconds, isLongLayer, planMiTiles, tilePairs, COUNTER_BYTES, MAX_TILE_COUNTERS, RESULT_BYTES } from '../../../src/probe/reducers/mi-tiles.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../../../src/probe/snapshot-io.js';
import { Rng } from '../../helpers/rng.js';
import { webgpuAvailability } from '../../helpers/webgpu.js';
import { feed, finishAndDispose, randomBatches } from './shard-helpers.js';
import { LayerReducers, planReducers, reducerPasses } from '../../../src/study/reducers.js';
import { MemoryRun } from '../../../src/study/memory-run.js';
import { decodeNpyBytes } from '../../../src/report/npy-bytes.js';

type Data = (Float32Array | Float64Array)[];
const reducer = miHistogramsReducer;
const NETS = [
  { name: 'a', units: 5 },
  { name: 'b', units: 3 },
  { name: 'c', units: 7 },
];
const BINS = 6;
const N = 203;
const dir = mkdtempSync(join(tmpdir(), 'convergent-mi-tiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const gpu = await webgpuAvailability();

/** Unit-major data (net a float32, as a float32 file gives it): a dead unit, a unit of few levels (ties), ReLU'd correlated normals. */
function makeData(seed: number): Data {
  const rng = new Rng(seed);
  const shared = Array.from({ length: N }, () => rng.normal());
  return NETS.map((net, k) => {
    const data = k === 0 ? new Float32Array(net.units * N) : new Float64Array(net.units * N);
    for (let u = 0; u < net.units; u++) {
      for (let s = 0; s < N; s++) {
        const x = k === 0 && u === 0 ? -Math.abs(rng.normal()) : k === 1 && u === 1 ? Math.floor(rng.draw() * 5) / 4 - 0.25 : Math.max(0, 0.7 * shared[s] + rng.normal() + 0.2 * u);
        data[u * N + s] = x;
      }
    }
    return data;
  });
}

const unitPairs = layerPairs(NETS.length).reduce((sum, [a, b]) => sum + NETS[a].units * NETS[b].units, 0);
/** A limit (MiB) that leaves room for `pairs` unit pairs' counters per tile besides the results. */
const limitFor = (pairs: number) => (unitPairs * RESULT_BYTES + pairs * BINS * BINS * COUNTER_BYTES + 100) / 2 ** 20;
const layerOf = (options: Record<string, unknown>, more: Partial<ReducerLayer> = {}): ReducerLayer => ({ layer: 'fc6', nets: NETS, samples: N, samplesPerItem: 1, options: { bins: BINS, reservoir: 7, ...options }, ...more });

/** Every pass of the layer (as many as the reducer asks for), with an optional save/restore through files after batch `cut` of pass `cutPass`. */
async function run(data: Data, layer: ReducerLayer, cut?: { pass: number; batch: number }): Promise<ReducerOutput> {
  const passes = reducer.passesFor!(layer);
  let state: ReducerState = reducer.create(layer);
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0) await state.nextPass!(pass);
    const batches = randomBatches(0, N, 23, 1 + pass);
    const at = cut?.pass === pass ? cut.batch : batches.length;
    await feed(state, data, N, batches.slice(0, at), pass);
    if (at < batches.length) {
      const saved = await throughFiles(await state.snapshot!());
      await state.dispose?.();
      state = reducer.restore!(layer, saved);
      await feed(state, data, N, batches.slice(at), pass);
    }
  }
  return finishAndDispose(state);
}

let saved = 0;
async function throughFiles(snapshot: ReducerSnapshot): Promise<ReducerSnapshot> {
  const to = join(dir, `state-${saved++}`);
  await writeReducerSnapshot(to, snapshot, 'test');
  return readReducerSnapshot(to);
}

/** The bytes of a float64 array (bit-for-bit comparison, NaN payloads and signed zeros included). */
const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);

/** The tiled output's MI against mutualInformation of the whole run's joint histograms, bit for bit. */
function expectSameInformation(tiled: ReducerOutput, whole: ReducerOutput): void {
  for (const [a, b] of layerPairs(NETS.length)) {
    const [A, B] = [NETS[a], NETS[b]];
    const joint = whole.arrays![`joint.${A.name}.${B.name}`].data;
    const mi = tiled.arrays![`mi.${A.name}.${B.name}`];
    const correction = tiled.arrays![`miller-madow.${A.name}.${B.name}`];
    expect(mi.shape).toEqual([A.units, B.units]);
    expect(tiled.arrays![`joint.${A.name}.${B.name}`]).toBeUndefined();
    expect(bits(mi.data)).toEqual(bits(mutualInformation(joint, A.units, B.units, BINS)));
    const mm = Float64Array.from(mi.data, (v, p) => v + correction.data[p]);
    expect(bits(mm)).toEqual(bits(mutualInformation(joint, A.units, B.units, BINS, true)));
  }
  for (const n of NETS) {
    expect(tiled.arrays![`edges.${n.name}`]).toEqual(whole.arrays![`edges.${n.name}`]);
    expect(tiled.arrays![`above.${n.name}`]).toEqual(whole.arrays![`above.${n.name}`]);
  }
}

describe('the tile plan', () => {
  it.each([1, 2, 4, 6, 7, 13, 40, 60])('covers every unit pair exactly once, tiles of at most %i unit pairs', (pairs) => {
    const s = miHistogramSettings({ bins: BINS, reservoir: 7, 'max-memory-mb': limitFor(pairs) });
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
    const tiled = layerOf({ 'max-memory-mb': limitFor(10) });
    expect(reducer.passesFor!(tiled)).toBe(1 + planMiTiles(tiled, miHistogramSettings(tiled.options)).tiles!.length);
  });

  it('plans a layer the same way whatever its samples (shards and their merge plan as the single probe)', () => {
    for (const limit of [limitFor(6), 2048]) {
      const s = miHistogramSettings({ bins: BINS, reservoir: 7, 'max-memory-mb': limit });
      const plans = [1, 7, N, 10 ** 6].map((samples) => planMiTiles({ layer: 'fc6', nets: NETS, samples }, s).tiles);
      for (const plan of plans) expect(plan).toEqual(plans[0]);
    }
  });

  it("plans fc6 of two AlexNets (2 x 4096 units, 10 bins) at the default limit: 18 tiles, the cost said up front", () => {
    const fc6 = { layer: 'fc6', nets: [{ name: 'a', units: 4096 }, { name: 'b', units: 4096 }], samples: 300 };
    const s = miHistogramSettings({});
    const plan = planMiTiles(fc6, s);
    // (2048 MiB - 4096^2 x 16 bytes of results) / (100 counters x 20 bytes) unit pairs a tile, whole rows of 4096.
    const perTile = Math.floor((2048 * 2 ** 20 - 4096 * 4096 * RESULT_BYTES) / (100 * COUNTER_BYTES));
    expect(plan.pairsPerTile).toBe(perTile);
    expect(plan.tiles!.length).toBe(Math.ceil(4096 / Math.floor(perTile / 4096)));
    expect(describeMiPlan(fc6, s, plan)).toMatch(/1677721600 counters \(32000 MiB\) over the limit of 2048 MiB: counted in 18 tiles .*\(19 passes in all\).*5.03e\+9 pair-samples/);
    expect(isLongLayer(plan, 300, 10)).toBe(true);
    expect(isLongLayer(plan, 50, 10)).toBe(false);
    // 18 reads of 2 s, 5.03e9 pair-samples at 1e9 a second, 16.8e6 pairs reduced at 2 microseconds.
    expect(estimateTiledSeconds(plan, 300, 10, 2)).toBeCloseTo(18 * 2 + 5.0331648 + 33.554432, 9);
    // A generous limit still cuts a layer of more than 2^29 counters: one WASM memory per tile.
    const roomy = planMiTiles(fc6, miHistogramSettings({ 'max-memory-mb': 64 * 1024 }));
    expect(roomy.tiles!.length).toBe(Math.ceil((4096 * 4096 * 100) / MAX_TILE_COUNTERS));
  });

  it('refuses a limit below the results and one unit pair, and reservoirs over the limit, naming the flags', () => {
    const tooSmall = (unitPairs * RESULT_BYTES + BINS * BINS * COUNTER_BYTES - 1) / 2 ** 20;
    expect(() => reducer.validate!(layerOf({ 'max-memory-mb': tooSmall }))).toThrow(
      /mi-histograms, layer fc6 \(units: a 5, b 3, c 7; 6 bins\): counting in tiles needs at least .* \(the results of 71 unit pairs x 16 bytes, and one unit pair's 36 counters x 20 bytes\), over the limit .*--mi.max-memory-mb with `convergent run`, --mi-histograms.max-memory-mb/,
    );
    expect(() => reducer.validate!(layerOf({ 'max-memory-mb': limitFor(3), reservoir: 1000 }))).toThrow(/the reservoirs that place the bin edges need .* \(15 units x 203 values x 8 bytes\).*--mi.reservoir/);
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
    const layer = layerOf({ 'max-memory-mb': limitFor(pairs) }, { log: (line) => lines.push(line) });
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
    const layer = layerOf({ 'max-memory-mb': limitFor(6) });
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
      const layer = layerOf({ 'max-memory-mb': limitFor(6) }, { backend });
      const tiled = await run(data, layer);
      expect((tiled.json as MiHistogramsJson).kernel).toMatch(/webgpu/);
      expectSameInformation(tiled, whole);
      expect(await run(data, layer, { pass: 3, batch: 2 })).toEqual(tiled);
    } finally {
      await backend.dispose();
    }
  });

  it('refuses a tiled state in a merge (naming --shard), and a saved state of another limit', async () => {
    const layer = layerOf({ 'max-memory-mb': limitFor(6) });
    const state = reducer.create(layer);
    await feed(state, data, N, randomBatches(0, N, 23, 1), 0);
    await state.nextPass!(1);
    await feed(state, data, N, randomBatches(0, N, 23, 2), 1);
    const snapshot = await throughFiles(await state.snapshot!());
    await state.dispose?.();
    expect(snapshot.json).toMatchObject({ pass: 1, tiled: { tile: 0, maxMemoryMb: limitFor(6) } });
    expect(() => reducer.merge!(layer, snapshot, snapshot)).toThrow(/counted in tiles .* cannot be merged: tiled counting does not run sharded \(--shard\)/);
    expect(() => reducer.restore!(layerOf({ 'max-memory-mb': limitFor(7) }), snapshot)).toThrow(/planned for max-memory-mb .*, this probe uses .*; give --mi-histograms.max-memory-mb/);
    expect(() => reducer.restore!(layerOf({}), snapshot)).toThrow(/planned for max-memory-mb/);
  });

  it("in the page's study (src/study/reducers.ts), takes a pass per tile and writes the same MI", async () => {
    const planned = planReducers([reducer], { [reducer.name]: { bins: BINS, reservoir: 7, 'max-memory-mb': limitFor(13) } });
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
