import { describe, expect, it } from 'vitest';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { emptyMoments, mergeMomentsInto, mirrorUpper } from '../../src/kernels/moments/merge.js';
import { seededNormal } from '../../src/util/random.js';

function sliceSamples(data: Float32Array, d: number, n: number, from: number, to: number): Float32Array {
  const out = new Float32Array(d * (to - from));
  for (let u = 0; u < d; u++) out.set(data.subarray(u * n + from, u * n + to), u * (to - from));
  return out;
}

describe('mergeMomentsInto (Chan et al.)', () => {
  it('merging batch summaries equals the summary of the whole', () => {
    const d = 5;
    const n = 103;
    const normal = seededNormal(7);
    const data = new Float32Array(d * n).map((_, i) => normal() + (i % d) * 3);
    const whole = batchMomentsReference(data, d, n);
    for (const cuts of [[0, 1, 103], [0, 50, 51, 103], [0, 10, 20, 30, 40, 103]]) {
      const total = emptyMoments(d);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const part = batchMomentsReference(sliceSamples(data, d, n, cuts[k], cuts[k + 1]), d, cuts[k + 1] - cuts[k]);
        mergeMomentsInto(total, part);
      }
      expect(total.n).toBe(n);
      for (let i = 0; i < d; i++) expect(total.mean[i]).toBeCloseTo(whole.mean[i], 12);
      for (let i = 0; i < d * d; i++) expect(total.m2[i]).toBeCloseTo(whole.m2[i], 9);
    }
  });

  it('an empty summary is the identity on either side', () => {
    const m = batchMomentsReference(Float32Array.of(1, 2, 3, 4, 5, 7), 2, 3);
    const a = mergeMomentsInto(emptyMoments(2), m);
    expect([...a.mean]).toEqual([...m.mean]);
    const b = mergeMomentsInto({ ...m, mean: m.mean.slice(), m2: m.m2.slice() }, emptyMoments(2));
    expect([...b.m2]).toEqual([...m.m2]);
  });

  it('refuses summaries of different widths', () => {
    expect(() => mergeMomentsInto(emptyMoments(2), emptyMoments(3))).toThrow(/2 and 3 units/);
  });
});

describe('a running total kept upper-only (BatchMoments.upperOnly)', () => {
  it('merges only the upper triangle, and mirrorUpper makes it the full merge, bit for bit', () => {
    const d = 7;
    const n = 41;
    const normal = seededNormal(9);
    const data = new Float32Array(d * n).map((_, i) => normal() + (i % d));
    const full = emptyMoments(d);
    const upper = { ...emptyMoments(d), upperOnly: true };
    for (const [from, to] of [[0, 13], [13, 30], [30, 41]]) {
      const batch = batchMomentsReference(sliceSamples(data, d, n, from, to), d, to - from);
      mergeMomentsInto(full, batch);
      mergeMomentsInto(upper, batch);
    }
    // Below the diagonal nothing was written: still the zeros of emptyMoments.
    for (let i = 1; i < d; i++) for (let j = 0; j < i; j++) expect(upper.m2[i * d + j]).toBe(0);
    mirrorUpper(upper);
    expect(Buffer.from(upper.m2.buffer).equals(Buffer.from(full.m2.buffer))).toBe(true);
    expect(Buffer.from(upper.mean.buffer).equals(Buffer.from(full.mean.buffer))).toBe(true);
  });
});
