// mi-histograms checkpoints and shards: a state restored from a snapshot (through its files) at
// any batch boundary of either pass gives the uninterrupted run's output bit for bit, reservoir
// overflow included; contiguous parts reduced alone, merged in order pass by pass (stage 1: edges,
// stage 2: counts from the merged edges), give the single run's output when the edges are exact,
// and valid edges with exact counts when the reservoirs overflowed; mismatched states are refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import { accumulateJointCounts, binUnits } from '../../../src/kernels/joint-histogram/reference.js';
import { miHistogramsReducer } from '../../../src/probe/reducers/mi-histograms.js';
import { mergeReservoirs, type ReservoirArrays } from '../../../src/probe/reducers/mi-reservoir.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../../../src/probe/snapshot-io.js';
import { Rng } from '../../helpers/rng.js';
import { webgpuAvailability } from '../../helpers/webgpu.js';
import { feed, finishAndDispose, partRanges, randomBatches, shardedRun as shardParts } from './shard-helpers.js';

type Data = (Float32Array | Float64Array)[];
const reducer = miHistogramsReducer;
const NETS = [
  { name: 'a', units: 5 },
  { name: 'b', units: 3 },
  { name: 'c', units: 4 },
];
const dir = mkdtempSync(join(tmpdir(), 'convergent-mi-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let saved = 0;
const gpu = await webgpuAvailability();

/**
 * Unit-major data of n samples per net (net a as float32, as a float32 file would give it): unit 0
 * of net a never fires, unit 1 of net b takes few levels (ties), the rest are ReLU'd normals.
 */
function makeData(n: number, seed: number, nets = NETS): Data {
  const rng = new Rng(seed);
  return nets.map((net, k) => {
    const data = k === 0 ? new Float32Array(net.units * n) : new Float64Array(net.units * n);
    for (let u = 0; u < net.units; u++) {
      for (let s = 0; s < n; s++) {
        const x = k === 0 && u === 0 ? -Math.abs(rng.normal()) : k === 1 && u === 1 ? Math.floor(rng.draw() * 5) / 4 - 0.25 : Math.max(0, rng.normal() + 0.3 * u);
        data[u * n + s] = x;
      }
    }
    return data;
  });
}

const layerOf = (samples: number, options: Record<string, unknown>, nets = NETS): ReducerLayer => ({ layer: 'fc7', nets, samples, options });

/** Writes the snapshot as the probe does and returns the folder (read it back with readReducerSnapshot). */
async function save(snapshot: ReducerSnapshot): Promise<string> {
  const to = join(dir, `state-${saved++}`);
  await writeReducerSnapshot(to, snapshot, 'test');
  return to;
}
const throughFiles = async (snapshot: ReducerSnapshot) => readReducerSnapshot(await save(snapshot));

async function singleRun(data: Data, n: number, options: Record<string, unknown>, nets = NETS): Promise<ReducerOutput> {
  const state = reducer.create(layerOf(n, options, nets));
  await feed(state, data, n, randomBatches(0, n, 23, 1), 0);
  await state.nextPass!(1);
  await feed(state, data, n, randomBatches(0, n, 23, 2), 1);
  return finishAndDispose(state);
}

/** Stage 1 and stage 2 of a sharded probe over `parts` parts, merging through files as `convergent merge` does. */
const shardedRun = (data: Data, n: number, options: Record<string, unknown>, parts: number): Promise<ReducerOutput> =>
  shardParts(reducer, (samples) => layerOf(samples, options), data, n, parts, throughFiles);

describe('mi-histograms snapshot and restore', () => {
  it.each([
    { reservoir: 1000, seed: 1, label: 'exact edges' },
    { reservoir: 7, seed: 2, label: 'reservoir overflow (7 values kept of up to 203)' },
    { reservoir: 7, seed: 3, label: 'reservoir overflow, other cut points' },
  ])('continues bit for bit from snapshots in pass 0 and pass 1 ($label)', async ({ reservoir, seed }) => {
    const n = 203;
    const options = { bins: 6, reservoir, seed: 4 };
    const data = makeData(n, seed);
    const want = await singleRun(data, n, options);
    const pick = new Rng(seed + 50);
    const pass0 = randomBatches(0, n, 23, 1);
    const pass1 = randomBatches(0, n, 23, 2);
    // Cut in pass 0 (exact edges: at its end, before nextPass; overflow: at a random boundary of its
    // second half, where the reservoirs are full and algorithm L's state decides), then in pass 1
    // (exact edges: right after nextPass).
    const cut0 = reservoir > n ? pass0.length : Math.floor(pass0.length / 2 + (pick.draw() * pass0.length) / 2);
    const cut1 = reservoir > n ? 0 : Math.floor(pick.draw() * pass1.length);
    const first = reducer.create(layerOf(n, options));
    await feed(first, data, n, pass0.slice(0, cut0), 0);
    const saved0 = await throughFiles(await first.snapshot!());
    await first.dispose?.();
    expect(saved0.json).toMatchObject({ reducer: 'mi-histograms', pass: 0, settings: { bins: 6, zeroThreshold: 0, reservoir, seed: 4 }, merged: false });
    const second = reducer.restore!(layerOf(n, options), saved0);
    await feed(second, data, n, pass0.slice(cut0), 0);
    await second.nextPass!(1);
    await feed(second, data, n, pass1.slice(0, cut1), 1);
    const saved1 = await throughFiles(await second.snapshot!());
    await second.dispose?.();
    expect(saved1.json).toMatchObject({ pass: 1, settings: { bins: 6, reservoir } });
    const third = reducer.restore!(layerOf(n, options), saved1);
    await feed(third, data, n, pass1.slice(cut1), 1);
    const got = await finishAndDispose(third);
    expect(got.arrays).toEqual(want.arrays);
    expect(got.json).toEqual(want.json);
    const exact = (want.json as { nets: { exactEdges: number }[] }).nets.map((x) => x.exactEdges);
    if (reservoir === 7) expect(exact).not.toEqual(NETS.map((x) => x.units));
    else expect(exact).toEqual(NETS.map((x) => x.units));
  });

  it.skipIf(!gpu.available)('continues bit for bit from a pass-1 snapshot on the WebGPU backend (counts read back mid-pass)', async () => {
    const n = 203;
    const data = makeData(n, 12);
    const backend = await createBackend('webgpu', {});
    try {
      const layer = { ...layerOf(n, { bins: 6, reservoir: 7 }), backend };
      const [pass0, pass1] = [randomBatches(0, n, 23, 1), randomBatches(0, n, 23, 2)];
      const run = async (cut: number) => {
        let state = reducer.create(layer);
        await feed(state, data, n, pass0, 0);
        await state.nextPass!(1);
        await feed(state, data, n, pass1.slice(0, cut), 1);
        if (cut < pass1.length) {
          const saved = await throughFiles(await state.snapshot!());
          await state.dispose?.();
          state = reducer.restore!(layer, saved);
          await feed(state, data, n, pass1.slice(cut), 1);
        }
        return finishAndDispose(state);
      };
      const want = await run(pass1.length);
      expect((want.json as { kernel: string }).kernel).toMatch(/webgpu/);
      expect(await run(Math.floor(pass1.length / 2))).toEqual(want);
    } finally {
      await backend.dispose();
    }
  });

  it('refuses a saved state of other settings or nets, and pass-0 values after a merge', async () => {
    const n = 37;
    const data = makeData(n, 9);
    const state = reducer.create(layerOf(n, { bins: 6 }));
    await feed(state, data, n, [[0, n]], 0);
    const saved = await throughFiles(await state.snapshot!());
    await state.dispose?.();
    expect(() => reducer.restore!(layerOf(n, { bins: 5 }), saved)).toThrow(/mi-histograms, layer fc7: the saved state was made with bins 6, this probe uses 5/);
    expect(() => reducer.restore!(layerOf(n, { bins: 6, 'zero-threshold': 0.5 }), saved)).toThrow(/made with zero-threshold 0, this probe uses 0.5/);
    const narrower = [NETS[0], NETS[1], { name: 'c', units: 3 }];
    expect(() => reducer.restore!(layerOf(n, { bins: 6 }, narrower), saved)).toThrow(/holds nets a \(5 units\), b \(3 units\), c \(4 units\), this layer has a \(5 units\), b \(3 units\), c \(3 units\)/);
    const merged = reducer.restore!(layerOf(2 * n, { bins: 6 }), reducer.merge!(layerOf(2 * n, { bins: 6 }), saved, await readReducerSnapshot(await save(saved))));
    await expect(feed(merged, data, n, [[0, n]], 0)).rejects.toThrow(/mi-histograms, layer fc7: a state merged from parts holds the whole of pass 0 and takes no more pass-0 batches/);
  });
});

describe('mi-histograms merge of contiguous parts', () => {
  it.each([
    { parts: 1, n: 203 },
    { parts: 2, n: 203 },
    { parts: 3, n: 203 },
    { parts: 7, n: 203 },
    { parts: 7, n: 5 }, // parts with no samples
  ])('$parts parts of $n samples, exact edges: the single run bit for bit', async ({ parts, n }) => {
    const options = { bins: 6, reservoir: 256, seed: 4 };
    const data = makeData(n, 5);
    const want = await singleRun(data, n, options);
    const got = await shardedRun(data, n, options, parts);
    expect(got.arrays).toEqual(want.arrays);
    expect(got.json).toEqual(want.json);
  });

  it.each([2, 7])('%i parts, reservoir overflow: edges are values of the data, counts exact for them, deterministic', async (parts) => {
    const n = 203;
    const options = { bins: 6, reservoir: 7, seed: 4 };
    const data = makeData(n, 6);
    const want = await singleRun(data, n, options);
    const got = await shardedRun(data, n, options, parts);
    expect(await shardedRun(data, n, options, parts)).toEqual(got);
    const json = got.json as { nets: { exactEdges: number }[] };
    expect(json).toEqual(want.json);
    const arrays = got.arrays!;
    const binned = NETS.map((net, k) => {
      const edges = arrays[`edges.${net.name}`].data;
      expect(arrays[`above.${net.name}`]).toEqual(want.arrays![`above.${net.name}`]);
      for (let u = 0; u < net.units; u++) {
        const above = new Set(Array.from(data[k].subarray(u * n, (u + 1) * n)).filter((x) => x > 0));
        const row = Array.from(edges.subarray(u * 5, (u + 1) * 5));
        expect(row[0]).toBe(0);
        for (let e = 1; e < 5; e++) {
          expect(row[e] >= row[e - 1], `net ${net.name} unit ${u} edge ${e}`).toBe(true);
          expect(above.has(row[e]) || (above.size === 0 && row[e] === 0), `net ${net.name} unit ${u} edge ${e}: ${row[e]}`).toBe(true);
        }
      }
      return binUnits(data[k], net.units, n, edges, 6);
    });
    [[0, 1], [0, 2], [1, 2]].forEach(([a, b]) => {
      const counts = new Float64Array(NETS[a].units * NETS[b].units * 36);
      accumulateJointCounts(binned[a], NETS[a].units, binned[b], NETS[b].units, n, 6, counts);
      expect(arrays[`joint.${NETS[a].name}.${NETS[b].name}`].data).toEqual(counts);
    });
  });

  it('7 parts, reservoir overflow: every percentile bin holds about equal mass (within 5 sd of 1/4)', async () => {
    const [n, K] = [20003, 1999];
    const nets = [
      { name: 'x', units: 3 },
      { name: 'y', units: 2 },
    ];
    const rng = new Rng(77);
    const data: Data = nets.map((net) => Float64Array.from({ length: net.units * n }, () => Math.max(0, rng.normal() + 0.5)));
    const options = { bins: 5, reservoir: K, seed: 1 };
    const ranges = partRanges(n, 7);
    let merged: ReducerSnapshot | null = null;
    for (const [s, e] of ranges) {
      const state = reducer.create(layerOf(e - s, options, nets));
      await feed(state, data, n, [[s, e]], 0);
      const part = await throughFiles(await state.snapshot!());
      merged = merged ? reducer.merge!(layerOf(e, options, nets), merged, part) : part;
    }
    const state = reducer.restore!(layerOf(n, options, nets), merged!);
    await state.nextPass!(1);
    await feed(state, data, n, [[0, n]], 1);
    const out = await finishAndDispose(state);
    const sd = Math.sqrt((0.25 * 0.75) / K);
    nets.forEach((net, k) => {
      const edges = out.arrays![`edges.${net.name}`].data;
      for (let u = 0; u < net.units; u++) {
        const values = Array.from(data[k].subarray(u * n, (u + 1) * n)).filter((x) => x > 0);
        const counts = [0, 0, 0, 0];
        for (const x of values) counts[binUnits([x], 1, 1, edges.subarray(u * 4, u * 4 + 4), 5)[0] - 1]++;
        for (const c of counts) expect(Math.abs(c / values.length - 0.25), `net ${net.name} unit ${u}: ${counts}`).toBeLessThan(5 * sd);
      }
    });
  });

  it('draws from each part by the hypergeometric law, uniformly within the part', () => {
    // a: 300 values seen, its reservoir of 20 holds -1 .. -20; b: 100 seen, reservoir 20 holds 1 .. 20.
    const reservoirOf = (seen: number, sign: number): ReservoirArrays => ({
      values: Float64Array.from({ length: 20 }, (_, i) => sign * (i + 1)),
      capacity: 20,
      seen: Float64Array.of(seen),
      sampler: null,
    });
    const [a, b, K, trials] = [reservoirOf(300, -1), reservoirOf(100, 1), 20, 4000];
    const fromA = new Array<number>(trials);
    const picked = new Array<number>(20).fill(0);
    for (let t = 0; t < trials; t++) {
      const m = mergeReservoirs(a, b, K, t, 0, 'test');
      expect(m.seen[0]).toBe(400);
      const values = Array.from(m.values!);
      fromA[t] = values.filter((x) => x < 0).length;
      for (const x of values) if (x < 0) picked[-x - 1]++;
      expect(new Set(values).size).toBe(K);
    }
    // X ~ Hypergeometric(N 400, 300 from a, 20 draws): mean 15, variance 20 .75 .25 380/399.
    const variance = (20 * 0.75 * 0.25 * 380) / 399;
    const mean = fromA.reduce((s, x) => s + x, 0) / trials;
    expect(Math.abs(mean - 15)).toBeLessThan(5 * Math.sqrt(variance / trials));
    const sampleVariance = fromA.reduce((s, x) => s + (x - mean) ** 2, 0) / (trials - 1);
    expect(Math.abs(sampleVariance / variance - 1)).toBeLessThan(5 * Math.sqrt(2 / (trials - 1)));
    // Each of a's kept values is taken with probability E[X] / 20 = 0.75 in every trial.
    for (const count of picked) expect(Math.abs(count / trials - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / trials));
    expect(a.values).toEqual(Float64Array.from({ length: 20 }, (_, i) => -(i + 1)));
  });

  it('refuses parts of other settings, of other passes, or that counted with different edges; leaves the second part unchanged', async () => {
    const n = 41;
    const data = makeData(n, 8);
    const pass0 = async (options: Record<string, unknown>, s: number, e: number) => {
      const state = reducer.create(layerOf(e - s, options));
      await feed(state, data, n, [[s, e]], 0);
      return state;
    };
    const snap = async (state: ReducerState) => throughFiles(await state.snapshot!());
    const layer = layerOf(n, { bins: 6 });
    const [p0, p1] = [await pass0({ bins: 6 }, 0, 20), await pass0({ bins: 6 }, 20, n)];
    const [s0, s1] = [await snap(p0), await snap(p1)];
    const before = structuredClone([s0, s1]);
    const edges = await save(reducer.merge!(layer, s0, s1));
    expect([s0, s1]).toEqual(before);
    // Pass 1 from the merged edges: the counts add up in the first part's arrays, the second's stay.
    const counted = await Promise.all(
      [[0, 20], [20, n]].map(async ([s, e]) => {
        const state = reducer.restore!(layerOf(e - s, { bins: 6 }), await readReducerSnapshot(edges));
        await state.nextPass!(1);
        await feed(state, data, n, [[s, e]], 1);
        const saved = await snap(state);
        await state.dispose?.();
        return saved;
      }),
    );
    const second = structuredClone(counted[1]);
    reducer.merge!(layer, counted[0], counted[1]);
    expect(counted[1]).toEqual(second);
    const otherBins = await snap(await pass0({ bins: 5 }, 20, n));
    const otherSeed = await snap(await pass0({ bins: 6, seed: 3 }, 20, n));
    expect(() => reducer.merge!(layer, s0, otherBins)).toThrow(/mi-histograms, layer fc7: cannot merge the state of bins 6 with one of bins 5/);
    expect(() => reducer.merge!(layer, s0, otherSeed)).toThrow(/cannot merge the state of seed 0 with one of seed 3/);
    expect(() => reducer.merge!(layerOf(n, { bins: 5 }), s0, s1)).toThrow(/the first state was made with bins 6, this probe uses 5/);
    // Stage 2 from each part's own edges instead of the merged ones.
    await p0.nextPass!(1);
    await p1.nextPass!(1);
    await feed(p0, data, n, [[0, 20]], 1);
    await feed(p1, data, n, [[20, n]], 1);
    const [c0, c1] = [await snap(p0), await snap(p1)];
    expect(() => reducer.merge!(layer, s0, c1)).toThrow(/cannot merge a state in pass 0 with one in pass 1 \(parts merge at the end of the same pass\)/);
    expect(() => reducer.merge!(layer, c0, c1)).toThrow(/mi-histograms, layer fc7, net a, unit 1: the parts counted with different bin edges \(edge \d: [\d.e-]+ and [\d.e-]+\)/);
    await p0.dispose?.();
    await p1.dispose?.();
  });
});
