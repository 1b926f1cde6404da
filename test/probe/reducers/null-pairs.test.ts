// Reducer `null`: the joint moments of mismatched items (net k lagged by k items, cyclically over
// the range) against numpy's (scripts/fixtures/null_pairs.py) when fed in uneven batches that split
// items; a state restored from its snapshot (through its files) at any batch boundary gives the
// uninterrupted output bit for bit; parts merged in order give the single run's moments within
// 1e-12; too few items are refused, naming the layer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nullPairsReducer, type NullPairsJson } from '../../../src/probe/reducers/null-pairs.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../../../src/probe/snapshot-io.js';
import { Rng } from '../../helpers/rng.js';
import { partRanges, randomBatches } from './shard-helpers.js';
import { FIXTURE, type NullFixtureLayer } from './null-pairs-fixture.js';

type Data = (Float32Array | Float64Array)[];

const CASES = Object.entries(FIXTURE).flatMap(([set, layers]) => Object.entries(layers).map(([layer, f]) => ({ name: `${set}/${layer}`, layer, f })));

const dir = mkdtempSync(join(tmpdir(), 'convergent-null-pairs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let saved = 0;

const layerOf = (name: string, nets: ReducerLayer['nets'], samples: number, samplesPerItem: number): ReducerLayer => ({ layer: name, nets, samples, samplesPerItem, options: {} });

/** Samples [from, to) of unit-major data of `n` samples per net, in each net's precision. */
function slice(data: Data, nets: ReducerLayer['nets'], n: number, from: number, to: number): Data {
  return data.map((x, k) => {
    const out = new (x.constructor as Float64ArrayConstructor)(nets[k].units * (to - from));
    for (let u = 0; u < nets[k].units; u++) out.set(x.subarray(u * n + from, u * n + to), u * (to - from));
    return out;
  });
}

/** The probe's shift: per unit, the first batch's mean (x0 + mean(x - x0)), float32-rounded for float32 data. */
function firstBatchShift(data: Data, nets: ReducerLayer['nets'], n: number, samples: number): Float64Array {
  const shift: number[] = [];
  data.forEach((x, k) => {
    for (let u = 0; u < nets[k].units; u++) {
      const x0 = x[u * n];
      let s = 0;
      for (let i = 0; i < samples; i++) s += x[u * n + i] - x0;
      shift.push(x instanceof Float32Array ? Math.fround(x0 + s / samples) : x0 + s / samples);
    }
  });
  return Float64Array.from(shift);
}

/** Feeds samples [from, to) of `data` to `state` in the given batches (global sample indices). */
async function feed(state: ReducerState, data: Data, nets: ReducerLayer['nets'], n: number, batches: [number, number][], shift: Float64Array): Promise<void> {
  for (const [from, to] of batches) await state.update({ nets: slice(data, nets, n, from, to), samples: to - from, firstSample: from, pass: 0, shift });
}

/** Through the files a checkpoint or a part writes. */
async function roundTrip(snapshot: ReducerSnapshot): Promise<ReducerSnapshot> {
  const path = join(dir, `s${saved++}`);
  await writeReducerSnapshot(path, snapshot, 'test');
  return readReducerSnapshot(path);
}

function fixtureData(f: NullFixtureLayer, float64Net?: number): Data {
  return f.data.map((values, k) => (k === float64Net ? Float64Array.from(values) : Float32Array.from(values)));
}

/** Within `tol`, relative to the larger of 1 and the expected value's size. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst, what).toBeLessThan(tol);
}

/** Non-grid activations: float64 nets with an offset (the float32 rounding after the shift matters) and a float32 net; shared signal. */
function roughData(nets: ReducerLayer['nets'], n: number, seed: number): Data {
  const rng = new Rng(seed);
  const signal = Array.from({ length: n }, () => rng.normal());
  return nets.map((net, k) => {
    const x = k === 1 ? new Float32Array(net.units * n) : new Float64Array(net.units * n);
    for (let u = 0; u < net.units; u++) for (let s = 0; s < n; s++) x[u * n + s] = 12 + 1.3 * signal[s] * Math.cos(u + k) + 0.7 * rng.normal();
    return x;
  });
}

describe('reducer null against numpy (fixtures: scripts/fixtures/null_pairs.py)', () => {
  it.each(CASES)('$name, in uneven batches that split items, equals the mismatched pairing within 1e-9', async ({ layer, f }) => {
    const n = f.items * f.samplesPerItem;
    for (const [seed, float64Net] of [[1, undefined], [2, 0]] as const) {
      const data = fixtureData(f, float64Net);
      const batches = randomBatches(0, n, 2 * f.samplesPerItem + 2, seed);
      if (f.samplesPerItem > 1) expect(batches.some(([from]) => from % f.samplesPerItem !== 0)).toBe(true);
      const state = nullPairsReducer.create(layerOf(layer, f.nets, n, f.samplesPerItem));
      await feed(state, data, f.nets, n, batches, firstBatchShift(data, f.nets, n, batches[0][1]));
      const out = await state.finish();
      expectClose(out.arrays!.mean.data, f.null.mean, 1e-9, 'mean');
      expectClose(out.arrays!.m2.data, f.null.m2, 1e-9, 'm2');
      const d = f.null.mean.length;
      expect(out.arrays!.m2.shape).toEqual([d, d]);
      const json = out.json as NullPairsJson;
      expect(json).toMatchObject({ samples: n, items: f.items, samplesPerItem: f.samplesPerItem, lags: f.nets.map((_, k) => k), nets: f.nets });
    }
  });

  it('gives the real moments where there is one net (nothing to mismatch)', async () => {
    const f = FIXTURE.three.fc;
    const nets = [f.nets[0]];
    const n = f.items;
    const data = fixtureData(f).slice(0, 1);
    const state = nullPairsReducer.create(layerOf('fc', nets, n, 1));
    await feed(state, data, nets, n, randomBatches(0, n, 5, 3), firstBatchShift(data, nets, n, 1));
    const out = await state.finish();
    const d = nets[0].units;
    const wantM2 = Array.from({ length: d * d }, (_, i) => f.real.m2[Math.floor(i / d) * f.real.mean.length + (i % d)]);
    expectClose(out.arrays!.m2.data, wantM2, 1e-9, 'm2');
  });
});

describe('reducer null refuses', () => {
  it('a layer with fewer items than nets (no derangement), naming the layer', () => {
    const nets = FIXTURE.four.conv.nets;
    const three = layerOf('conv4_3', nets, 3 * 3, 3);
    expect(() => nullPairsReducer.validate!(three)).toThrow(/reducer null, layer conv4_3: 3 items, fewer than the 4 nets.*at least one item per net.*MiB/);
    expect(() => nullPairsReducer.create(three)).toThrow(/layer conv4_3: 3 items/);
    expect(() => nullPairsReducer.validate!(layerOf('conv4_3', nets, 4 * 3, 3))).not.toThrow();
  });

  it('a layer whose null moments pass --null.max-memory-mb, with the estimate', () => {
    const layer = { ...layerOf('fc6', [{ name: 'a', units: 300 }, { name: 'b', units: 212 }], 100, 1), options: { 'max-memory-mb': 1 } };
    // 8 (512^2 + 512 + 2 x 1 x 512) bytes = 2.0 MiB.
    expect(() => nullPairsReducer.validate!(layer)).toThrow(/layer fc6: the null moments need 2.0 MiB \(another copy of the layer's moments: a 300 \+ b 212 units.*over the limit of 1 MiB/);
  });

  it('a saved state of other nets or samples per item, naming both', async () => {
    const f = FIXTURE.three.conv;
    const n = f.items * f.samplesPerItem;
    const state = nullPairsReducer.create(layerOf('conv', f.nets, n, 3));
    await feed(state, fixtureData(f), f.nets, n, [[0, 7]], firstBatchShift(fixtureData(f), f.nets, n, 7));
    const snap = await state.snapshot!();
    const other = f.nets.map((net, k) => (k === 1 ? { ...net, units: net.units + 1 } : net));
    expect(() => nullPairsReducer.restore!(layerOf('conv', other, n, 3), snap)).toThrow(/layer conv: the saved state holds nets .*netB \(7 units\).*this layer has .*netB \(8 units\)/);
    expect(() => nullPairsReducer.restore!(layerOf('conv', f.nets, n, 1), snap)).toThrow(/has 3 samples per item, this layer 1/);
  });
});

describe('reducer null checkpoints and shards', () => {
  const nets = [
    { name: 'a', units: 5 },
    { name: 'b', units: 3 },
    { name: 'c', units: 6 },
    { name: 'd', units: 2 },
  ];
  const P = 3;
  const ITEMS = 19;
  const n = ITEMS * P;
  const data = roughData(nets, n, 7);
  const batches = randomBatches(0, n, 8, 11);
  const shift = firstBatchShift(data, nets, n, batches[0][1]);
  const whole = layerOf('conv', nets, n, P);

  async function single(): Promise<ReducerOutput> {
    const state = nullPairsReducer.create(whole);
    await feed(state, data, nets, n, batches, shift);
    return state.finish();
  }

  it('restored from a snapshot at any batch boundary, gives the uninterrupted output bit for bit', async () => {
    const want = await single();
    for (let cut = 1; cut < batches.length; cut++) {
      const first = nullPairsReducer.create(whole);
      await feed(first, data, nets, n, batches.slice(0, cut), shift);
      const resumed = nullPairsReducer.restore!(whole, await roundTrip(await first.snapshot!()));
      await feed(resumed, data, nets, n, batches.slice(cut), shift);
      const got = await resumed.finish();
      expect(Array.from(got.arrays!.m2.data), `cut after batch ${cut}`).toEqual(Array.from(want.arrays!.m2.data));
      expect(Array.from(got.arrays!.mean.data)).toEqual(Array.from(want.arrays!.mean.data));
      expect(got.json).toEqual(want.json);
    }
  });

  /** Parts over item ranges (`ranges`), each fed alone in its own uneven batches, saved, merged in order, restored and finished. */
  async function merged(ranges: [number, number][]): Promise<ReducerOutput> {
    let state: ReducerSnapshot | undefined;
    let covered = 0;
    for (const [i0, i1] of ranges) {
      const [from, to] = [i0 * P, i1 * P];
      // A part's layer covers its own range; create refuses a part of fewer items than nets, so
      // such a part (whose state merge must still handle) is made with the whole range's layer.
      const part = nullPairsReducer.create(layerOf('conv', nets, i1 - i0 >= nets.length ? to - from : n, P));
      await feed(part, data, nets, n, randomBatches(from, to, 5, 100 + i0), shift);
      const snap = await roundTrip(await part.snapshot!());
      covered += to - from;
      state = state ? nullPairsReducer.merge!(layerOf('conv', nets, covered, P), state, snap) : snap;
    }
    return nullPairsReducer.restore!(whole, await roundTrip(state!)).finish();
  }

  it.each([
    ['2 parts', partRanges(ITEMS, 2)],
    ['3 parts', partRanges(ITEMS, 3)],
    ['3 parts, the middle one shorter than the window (1 item, 4 nets)', [[0, 9], [9, 10], [10, 19]] as [number, number][]],
    ['5 parts of 1..7 items', [[0, 1], [1, 3], [3, 10], [10, 11], [11, 19]] as [number, number][]],
  ])('of %s equals the single run within 1e-12', async (_, ranges) => {
    const want = await single();
    const got = await merged(ranges);
    expectClose(got.arrays!.mean.data, want.arrays!.mean.data, 1e-12, 'mean');
    expectClose(got.arrays!.m2.data, want.arrays!.m2.data, 1e-12, 'm2');
    expect(got.json).toEqual(want.json);
  });

  it('merge leaves the later part unchanged and refuses states that do not add up to the range', async () => {
    const [a, b] = await Promise.all(
      partRanges(ITEMS, 2).map(async ([i0, i1]) => {
        const part = nullPairsReducer.create(layerOf('conv', nets, (i1 - i0) * P, P));
        await feed(part, data, nets, n, randomBatches(i0 * P, i1 * P, 5, i0), shift);
        return roundTrip(await part.snapshot!());
      }),
    );
    const before = Object.fromEntries(Object.entries(b.arrays).map(([k, v]) => [k, Array.from(v.data)]));
    expect(() => nullPairsReducer.merge!(layerOf('conv', nets, n + P, P), a, b)).toThrow(/layer conv: the parts' states hold 27 \+ 30 samples, the merged range has 60/);
    nullPairsReducer.merge!(whole, a, b);
    expect(Object.fromEntries(Object.entries(b.arrays).map(([k, v]) => [k, Array.from(v.data)]))).toEqual(before);
  });
});
