// The top-k tracker against a brute-force sort of every (item, unit) maximum.
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../src/example/random.js';
import { TopKUnits } from '../../src/reducers/topk.js';

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
    top.add(Float32Array.from([1, 2, 3, 0]), Int32Array.from([0, 1]));
    const got = top.result();
    expect(Array.from(got.items)).toEqual([1, 0, -1, -1, 0, 1, -1, -1]);
    expect(got.values[2]).toBe(-Infinity);
  });
});
