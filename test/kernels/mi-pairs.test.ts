// The binned columns and their pair counting (src/kernels/joint-histogram/binned-columns.ts,
// assembly/mi-pairs.ts) against the definitions: fdlibm's log in WASM equals V8's Math.log bit for
// bit; every pair's MI and Miller-Madow correction equal pairInformation (mi-estimate.ts) of the
// reference kernel's joint counts bit for bit, on sizes that are not multiples of 4, 2 to 64 bins,
// float32 and float64 batches, dead units, a unit's most common bin (the one not counted, derived
// from the bin counts) at zero or inside the range, ragged batches, bins restored from a snapshot, fewer
// samples than the columns were made for (compacted), and blocks of rows cut across calls.
import { describe, expect, it } from 'vitest';
import { BinnedColumns, binnedColumnsBytes } from '../../src/kernels/joint-histogram/binned-columns.js';
import { createReferenceJointHistogramKernel } from '../../src/kernels/joint-histogram/index.js';
import { WasmInstance } from '../../src/kernels/wasm-module.js';
import { millerMadowCorrection, pairInformation } from '../../src/probe/reducers/mi-estimate.js';
import { seededUniform } from '../../src/util/random.js';
import { spec as specOf } from './joint-histogram-specs.js';

/**
 * ReLU-like values on a coarse grid (many exactly on edges; the zero bin the most common), or,
 * `middle`, most values at 0.5 (a bin inside the range the most common); unit 0 of every net dead (all zero).
 */
function batch(units: number, n: number, seed: number, f64: boolean, middle = false): Float32Array | Float64Array {
  const r = seededUniform(seed);
  const out = f64 ? new Float64Array(units * n) : new Float32Array(units * n);
  for (let i = n; i < out.length; i++) out[i] = middle && r() < 0.7 ? 0.5 : Math.max(0, Math.round((r() * 2 - 0.7) * 16) / 16);
  return out;
}

/** Unit-major samples [s0, s0 + n) of a unit-major array of `total` samples per unit. */
function slice(data: Float32Array | Float64Array, units: number, total: number, s0: number, n: number): Float32Array | Float64Array {
  const out = new (data.constructor as new (length: number) => Float32Array | Float64Array)(units * n);
  for (let u = 0; u < units; u++) out.set(data.subarray(u * total + s0, u * total + s0 + n), u * n);
  return out;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('fdlibm log in WASM (miLog)', () => {
  it("equals V8's Math.log bit for bit, from subnormals to the largest float64 and the ratios MI takes", async () => {
    const w = await WasmInstance.create();
    const r = seededUniform(11);
    const word = new Float64Array(1);
    const high = new Uint32Array(word.buffer);
    const values = [0, -0, -1, Infinity, -Infinity, NaN, 1, 2, 0.5, Number.MIN_VALUE, 2.2250738585072014e-308, 1e-310, Number.MAX_VALUE, 1 - 2 ** -53, 1 + 2 ** -52];
    for (let i = 0; i < 200_000; i++) {
      high[0] = (r() * 2 ** 32) >>> 0;
      high[1] = (r() * 2 ** 31) >>> 0; // any positive float64 bit pattern
      values.push(word[0], 1 + (r() - 0.5) * 2 ** -18, Math.floor(r() * 5000 + 1) / Math.floor(r() * 5000 + 1));
    }
    const differ = values.filter((x) => !Object.is(w.exports.miLog(x), Math.log(x)));
    expect(differ).toEqual([]);
  });
});

describe('binned columns: MI of every pair from the bins', () => {
  const cases = [
    { name: '3 nets, 10 bins, ragged batches', units: [7, 5, 9], bins: 10, batches: [37, 1, 250, 3], f64: [false, false, true] },
    { name: '2 bins', units: [1, 3], bins: 2, batches: [5, 7], f64: [false, true] },
    { name: '64 bins', units: [3, 6], bins: 64, batches: [2049], f64: [false, false] },
    { name: 'one sample', units: [2, 5], bins: 6, batches: [1], f64: [true, true] },
    { name: 'wide B (blocks of rows cut across calls)', units: [9, 1031], bins: 10, batches: [900, 1123], f64: [false, false] },
    { name: 'the most common bin inside the range', units: [6, 7], bins: 10, batches: [301, 2], f64: [false, true], middle: true },
  ];
  it.each(cases)('equals pairInformation of the reference counts bit for bit ($name)', async ({ units, bins, batches, f64, middle }) => {
    const spec = specOf(units, bins, 3);
    const total = batches.reduce((a, b) => a + b, 0);
    const data = units.map((d, k) => batch(d, total, 20 + k, f64[k], middle));
    const reference = createReferenceJointHistogramKernel(spec);
    await reference.add(data, total);
    const counts = await reference.counts();
    // Made for more samples than it gets (compacted before counting), and a second one restored from the first's bins after the first batch.
    const columns = await BinnedColumns.create(spec, total + 3);
    const restored = await BinnedColumns.create(spec, total);
    let s0 = 0;
    for (const [i, n] of batches.entries()) {
      const part = data.map((d, k) => slice(d, units[k], total, s0, n));
      columns.add(part, n);
      if (i === 0) restored.addBins(units.map((_, k) => columns.bins(k).slice()), n);
      else restored.add(part, n);
      s0 += n;
    }
    expect(columns.filled).toBe(total);
    for (const store of [columns, restored]) {
      const got = store.information();
      const rows = new Float64Array(bins);
      const cols = new Float64Array(bins);
      spec.pairs.forEach(([a, b], p) => {
        const pairs = units[a] * units[b];
        const mi = new Float64Array(pairs);
        const mm = new Float64Array(pairs);
        for (let q = 0; q < pairs; q++) {
          const pair = pairInformation(counts[p], q * bins * bins, bins, rows, cols);
          mi[q] = pair.mi;
          mm[q] = millerMadowCorrection(pair);
        }
        expect(bits(got[p].mi)).toEqual(bits(mi));
        expect(bits(got[p].millerMadow)).toEqual(bits(mm));
      });
      expect(() => store.add(data.map((d, k) => slice(d, units[k], total, 0, 1)), 1)).toThrow(/after the pairs were counted/);
    }
  });

  it('refuses more samples than it was made for, and saved bins out of range', async () => {
    const spec = specOf([2, 3], 4, 5);
    const columns = await BinnedColumns.create(spec, 5);
    expect(() => columns.add([batch(2, 6, 1, false), batch(3, 6, 2, false)], 6)).toThrow(/6 samples, more than the 5/);
    expect(() => columns.addBins([new Uint8Array([0, 1, 2, 4]), new Uint8Array(6)], 2)).toThrow(/net 0, unit 1: bin 4 of a 4-bin histogram/);
  });

  it('says the WASM bytes it takes: one a value besides the edges, a little scratch and one call\'s output', () => {
    const spec = specOf([4096, 4096], 10, 1);
    const bytes = binnedColumnsBytes(spec, 50_000);
    expect(bytes).toBeGreaterThan(2 * 4096 * 50_000);
    expect(bytes - 2 * 4096 * 50_000).toBeLessThan(2 * 2 ** 20);
  });
});
