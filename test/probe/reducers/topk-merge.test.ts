// Top-k checkpoints and shards: a tracker restored from a snapshot taken at any batch boundary,
// and the merge of contiguous parts, give exactly the record of one uninterrupted run (ties, empty
// slots and units that never fire included).
import { describe, expect, it } from 'vitest';
import { TopKUnits, mergeTopKRecords, type TopKRecord } from '../../../src/probe/reducers/topk.js';
import { Rng } from '../../helpers/rng.js';
import { partRanges, randomBatches } from './shard-helpers.js';

const [units, k, height, width] = [7, 5, 2, 3];
const positions = height * width;
const FIRST_ITEM = 500;

/**
 * Batch-first maps of n items: few levels (many ties, between items and within a map), unit 3
 * never fires, unit 5 fires on two items only (empty slots), the others on about half.
 */
function makeData(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(n * units * positions);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < units; u++) {
      for (let p = 0; p < positions; p++) {
        const level = Math.floor(rng.draw() * 6) / 4 - 0.5; // -0.5 .. 0.75 in steps of 0.25
        data[(i * units + u) * positions + p] = u === 3 ? -Math.abs(level) : u === 5 ? (i === 2 || i === n - 2 ? 0.5 : 0) : level;
      }
    }
  }
  return data;
}

function feed(top: TopKUnits, data: Float32Array, batches: [number, number][]): void {
  for (const [s, e] of batches) {
    top.add(data.subarray(s * units * positions, e * units * positions), Int32Array.from({ length: e - s }, (_, j) => FIRST_ITEM + s + j));
  }
}

function singleRun(data: Float32Array, n: number, seed: number): TopKRecord {
  const top = new TopKUnits(units, k, height, width);
  feed(top, data, randomBatches(0, n, 17, seed));
  return top.result();
}

/** What a part's files hold, read back: a copy with no shared memory. */
function throughFiles(r: TopKRecord): TopKRecord {
  return structuredClone(r);
}

describe('top-k snapshot and restore', () => {
  it.each([1, 2, 3, 4, 5])('continues exactly from a snapshot at a random batch boundary (seed %i)', (seed) => {
    const n = 203;
    const data = makeData(n, 40 + seed);
    const batches = randomBatches(0, n, 17, seed);
    const whole = new TopKUnits(units, k, height, width);
    feed(whole, data, batches);
    const cut = seed === 1 ? 0 : seed === 5 ? batches.length : Math.floor(new Rng(seed + 99).draw() * batches.length);
    const before = new TopKUnits(units, k, height, width);
    feed(before, data, batches.slice(0, cut));
    const resumed = TopKUnits.restore(throughFiles(before.snapshot()), k, height, width);
    feed(resumed, data, batches.slice(cut));
    const want = whole.result();
    expect(resumed.result()).toEqual(want);
    expect(want.activeItems[3]).toBe(0);
    expect(Array.from(want.items.subarray(5 * k, 6 * k))).toEqual([FIRST_ITEM + 2, FIRST_ITEM + n - 2, -1, -1, -1]);
  });

  it('refuses a record that does not fit the map or is not a top-k list', () => {
    const data = makeData(31, 7);
    const r = singleRun(data, 31, 7);
    expect(() => TopKUnits.restore(throughFiles(r), k, 1, 1)).toThrow(/top-k restore: unit 0 keeps position \(\d, \d\), outside the 1 x 1 map/);
    expect(() => TopKUnits.restore(throughFiles(r), k + 1, height, width)).toThrow(/top-k restore: values holds 35 slots, expected 7 units x 6/);
    const unsorted = throughFiles(r);
    [unsorted.values[1], unsorted.values[0]] = [r.values[0] + 1, r.values[1]];
    expect(() => TopKUnits.restore(unsorted, k, height, width)).toThrow(/unit 0 slot 1 .* breaks the order of a top-k list/);
  });
});

describe('top-k merge of contiguous parts', () => {
  it.each([
    { n: 203, parts: 1 },
    { n: 203, parts: 2 },
    { n: 203, parts: 3 },
    { n: 203, parts: 7 },
    { n: 5, parts: 7 }, // parts with no items
  ])('$parts parts of $n items, merged in order, equal the single run', ({ n, parts }) => {
    const data = makeData(n, 3);
    const want = singleRun(data, n, 11);
    const records = partRanges(n, parts).map(([s, e], p) => {
      const top = new TopKUnits(units, k, height, width);
      feed(top, data, randomBatches(s, e, 13, 100 + p));
      return throughFiles(top.result());
    });
    const merged = records.slice(1).reduce((a, b) => mergeTopKRecords(a, b, k), records[0]);
    expect(merged).toEqual(want);
    // Ties decide the order here: several kept values are equal.
    const row = Array.from(want.values.subarray(0, k));
    if (n > 100) expect(new Set(row).size).toBeLessThan(row.length);
  });

  it('refuses parts that overlap, differ in units or are not top-k lists', () => {
    const data = makeData(41, 5);
    const r = singleRun(data, 41, 5);
    expect(() => mergeTopKRecords(r, throughFiles(r), k)).toThrow(/top-k merge: unit 0 keeps item \d+ in both parts \(their item ranges overlap\)/);
    const narrow = new TopKUnits(units - 1, k, height, width).result();
    expect(() => mergeTopKRecords(r, narrow, k)).toThrow(/top-k merge: the first part has 7 units, the second 6/);
    const holed = throughFiles(r);
    holed.items[0] = -1;
    expect(() => mergeTopKRecords(holed, new TopKUnits(units, k, height, width).result(), k)).toThrow(/the first part: unit 0 slot 0 \(item -1, value [\d.]+, position \(\d, \d\)\) is not empty, but empty slots/);
  });
});
