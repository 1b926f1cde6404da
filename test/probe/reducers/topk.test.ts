// The top-k tracker against a brute-force sort of every (item, unit) maximum.
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../../src/util/random.js';
import { TopKUnits, planeMaxima } from '../../../src/probe/reducers/topk.js';

function randomArray(count: number, next: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => next() * scale);
}

describe('TopKUnits', () => {
  it('keeps, per unit, the k items with the highest maximum and its position, across batches', () => {
    const [n, units, h, w, k] = [37, 5, 3, 4, 9];
    const data = randomArray(n * units * h * w, seededUniform(11));
    const top = new TopKUnits(units, k, h, w);
    const indices = Int32Array.from({ length: n }, (_, i) => 100 + i);
    for (let start = 0; start < n; start += 8) {
      const end = Math.min(n, start + 8);
      top.add(data.subarray(start * units * h * w, end * units * h * w), indices.subarray(start, end));
    }
    const got = top.result();
    for (let u = 0; u < units; u++) {
      const best = Array.from({ length: n }, (_, i) => {
        const base = (i * units + u) * h * w;
        let at = 0;
        for (let p = 1; p < h * w; p++) if (data[base + p] > data[base + at]) at = p;
        return { value: data[base + at], item: 100 + i, y: Math.floor(at / w), x: at % w };
      }).sort((a, b) => b.value - a.value || a.item - b.item);
      for (let j = 0; j < k; j++) {
        expect(got.values[u * k + j]).toBe(best[j].value);
        expect(got.items[u * k + j]).toBe(best[j].item);
        expect([got.ys[u * k + j], got.xs[u * k + j]]).toEqual([best[j].y, best[j].x]);
      }
    }
  });

  it('leaves empty slots marked when fewer than k items were seen', () => {
    const top = new TopKUnits(2, 4, 1, 1);
    top.add(Float32Array.from([1, 2, 3, 0.5]), Int32Array.from([0, 1]));
    const got = top.result();
    expect(Array.from(got.items)).toEqual([1, 0, -1, -1, 0, 1, -1, -1]);
    expect(got.values[2]).toBe(-Infinity);
    expect([got.ys[2], got.xs[2]]).toEqual([-1, -1]);
  });

  it('records only items the unit fires on (maximum > 0), never fillers, and counts them', () => {
    // The demo's case: a ReLU unit that fires on 1 image of many. Before, its top-k was padded
    // with images 0..k-2 at value 0, drawn in the report as if they were its best images.
    const [n, units, h, w, k] = [203, 3, 2, 3, 9];
    const next = seededUniform(5);
    const data = new Float32Array(n * units * h * w);
    const fires = (i: number, u: number) => (u === 0 ? i === 150 : u === 1 ? i % 50 === 7 : next() < 0.7);
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const on = fires(i, u);
        // Off: every position 0 (a ReLU that does not fire), or negative for unit 1 (a pre-ReLU tensor).
        for (let p = 0; p < h * w; p++) data[(i * units + u) * h * w + p] = on ? next() + 0.01 : u === 1 ? -next() : 0;
      }
    }
    const top = new TopKUnits(units, k, h, w);
    for (let start = 0; start < n; start += 16) top.add(data.subarray(start * units * h * w, Math.min(n, start + 16) * units * h * w), Int32Array.from({ length: Math.min(n, start + 16) - start }, (_, j) => start + j));
    const got = top.result();
    expect(got.itemsSeen).toBe(n);
    for (let u = 0; u < units; u++) {
      // Brute force: the items whose maximum over positions is above 0.
      const active = Array.from({ length: n }, (_, i) => i).filter((i) => data.subarray((i * units + u) * h * w, (i * units + u + 1) * h * w).some((v) => v > 0));
      expect(got.activeItems[u], `unit ${u}`).toBe(active.length);
      const slots = Array.from(got.items.subarray(u * k, (u + 1) * k));
      const filled = slots.filter((i) => i >= 0);
      expect(filled.length, `unit ${u}`).toBe(Math.min(k, active.length));
      for (const item of filled) expect(active, `unit ${u} item ${item}`).toContain(item);
      expect(slots.slice(filled.length).every((i) => i === -1), `unit ${u}: empty slots after the filled ones`).toBe(true);
      for (let j = 0; j < k; j++) expect(got.values[u * k + j] > 0, `unit ${u} slot ${j}`).toBe(slots[j] >= 0);
    }
    expect(Array.from(got.items.subarray(0, k))).toEqual([150, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('takes per-item maxima reduced elsewhere (the WebGPU probe path) with the same result as the raw batch', () => {
    const [n, units, h, w, k] = [21, 4, 2, 5, 6];
    // Few levels: many ties, which both paths must break alike (the earlier item, the first position).
    const next = seededUniform(3);
    const data = Float32Array.from({ length: n * units * h * w }, () => Math.floor(next() * 5));
    const indices = Int32Array.from({ length: n }, (_, i) => 7 * i);
    const raw = new TopKUnits(units, k, h, w);
    const itemMajor = new TopKUnits(units, k, h, w);
    const unitMajor = new TopKUnits(units, k, h, w);
    for (let start = 0; start < n; start += 6) {
      const end = Math.min(n, start + 6);
      const m = end - start;
      const batch = data.subarray(start * units * h * w, end * units * h * w);
      raw.add(batch, indices.subarray(start, end));
      const best = planeMaxima(batch, m * units, h * w);
      itemMajor.addMaxima(best.values, best.positions, indices.subarray(start, end), 'item-major');
      // The same maxima transposed to [u * m + i], as the WebGPU probe reads them back.
      const t = (a: Float32Array | Uint32Array) => a.map((_, j) => a[(j % m) * units + Math.floor(j / m)]);
      unitMajor.addMaxima(t(best.values) as Float32Array, t(best.positions) as Uint32Array, indices.subarray(start, end), 'unit-major');
    }
    expect(itemMajor.result()).toEqual(raw.result());
    expect(unitMajor.result()).toEqual(raw.result());
    expect(() => itemMajor.addMaxima(Float32Array.of(1), Uint32Array.of(h * w), Int32Array.of(0), 'item-major')).toThrow(/for 1 items x 4 units/);
    const one = new TopKUnits(1, 2, h, w);
    expect(() => one.addMaxima(Float32Array.of(1), Uint32Array.of(h * w), Int32Array.of(3), 'unit-major')).toThrow(/unit 0 of item 3 has its maximum at position 10, outside the 2 x 5 map/);
  });
});

describe('planeMaxima', () => {
  it('gives each plane its maximum and the first position holding it', () => {
    // 4 planes x 3 positions.
    const data = Float32Array.of(1, 3, 3, -2, -1, -5, 0, 0, 0, 4, 2, 4);
    const got = planeMaxima(data, 4, 3);
    expect(Array.from(got.values)).toEqual([3, -1, 0, 4]);
    expect(Array.from(got.positions)).toEqual([1, 1, 0, 0]);
  });
});
