// The jackknife's pieces: a block taken out of the total equals the merge of the other blocks, and
// the 95% intervals of a correlation cover the true one in at least 90 of 100 seeded repetitions.
import { describe, expect, it } from 'vitest';
import { accumulateMomentsReference } from '../../../src/kernels/moments/reference.js';
import { emptyMoments, mergeMomentsInto } from '../../../src/kernels/moments/merge.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { removeBlock } from '../../../src/align/resample/leave-one-out.js';
import { jackknifeInterval } from '../../../src/align/resample/jackknife.js';
import { seededNormal } from '../../../src/util/random.js';

/** Moments of d units x n samples (unit-major). */
function momentsOf(data: Float64Array, d: number, n: number): BatchMoments {
  const m = emptyMoments(d);
  accumulateMomentsReference(m, data, d, n);
  return m;
}

function copy(m: BatchMoments): BatchMoments {
  return { n: m.n, d: m.d, mean: m.mean.slice(), m2: m.m2.slice() };
}

/** `blocks` blocks of d units with their own sizes, means far from zero and unequal spreads. */
function randomBlocks(seed: number, d: number, sizes: number[]): BatchMoments[] {
  const next = seededNormal(seed);
  return sizes.map((n) => momentsOf(Float64Array.from({ length: d * n }, (_, i) => 50 + (1 + (i % d)) * next()), d, n));
}

describe('removeBlock', () => {
  it('gives the merge of the other blocks (within 1e-12 relative)', () => {
    const d = 7;
    const blocks = randomBlocks(3, d, [13, 9, 17, 11, 5]);
    const total = emptyMoments(d);
    for (const b of blocks) mergeMomentsInto(total, copy(b));
    for (let j = 0; j < blocks.length; j++) {
      const others = emptyMoments(d);
      blocks.forEach((b, k) => k !== j && mergeMomentsInto(others, copy(b)));
      const loo = removeBlock(total, copy(blocks[j]));
      expect(loo.n).toBe(others.n);
      const scale = Math.max(...others.m2.map(Math.abs));
      for (let i = 0; i < d; i++) expect(Math.abs(loo.mean[i] - others.mean[i])).toBeLessThanOrEqual(1e-12 * 50);
      for (let i = 0; i < d * d; i++) expect(Math.abs(loo.m2[i] - others.m2[i])).toBeLessThanOrEqual(1e-12 * scale);
    }
  });
  it('refuses a block that is the whole total', () => {
    const [b] = randomBlocks(4, 3, [6]);
    expect(() => removeBlock(copy(b), copy(b))).toThrow(/cannot leave the 6 of the total/);
  });
});

describe('jackknifeInterval', () => {
  it('matches the textbook formula and names a missing leave-one-out value', () => {
    const values = [0.5, 0.52, 0.47, 0.55];
    const mean = values.reduce((a, b) => a + b) / 4;
    const se = Math.sqrt((3 / 4) * values.reduce((s, v) => s + (v - mean) ** 2, 0));
    const r = jackknifeInterval(0.51, values);
    expect(r.se).toBeCloseTo(se, 15);
    expect(r.hi! - 0.51).toBeCloseTo(3.182446305284263 * se, 12); // scipy.stats.t.ppf(0.975, 3)
    expect(jackknifeInterval(0.5, [0.4, null, 0.6]).reason).toBe('undefined without block 1');
    expect(jackknifeInterval(null, [0.4, 0.6]).se).toBeNull();
  });

  it('covers a known correlation in at least 90 of 100 seeded repetitions (200 images, 20 blocks)', () => {
    const rho = 0.6;
    const [items, blocks] = [200, 20];
    let covered = 0;
    for (let rep = 0; rep < 100; rep++) {
      const next = seededNormal(1000 + rep);
      const data = new Float64Array(2 * items);
      for (let i = 0; i < items; i++) {
        const x = next();
        data[i] = x;
        data[items + i] = rho * x + Math.sqrt(1 - rho * rho) * next();
      }
      const corr = (m: BatchMoments) => m.m2[1] / Math.sqrt(m.m2[0] * m.m2[3]);
      const size = items / blocks;
      const blockMoments = Array.from({ length: blocks }, (_, k) => {
        const part = new Float64Array(2 * size);
        part.set(data.subarray(k * size, (k + 1) * size), 0);
        part.set(data.subarray(items + k * size, items + (k + 1) * size), size);
        return momentsOf(part, 2, size);
      });
      const total = emptyMoments(2);
      for (const b of blockMoments) mergeMomentsInto(total, copy(b));
      const interval = jackknifeInterval(corr(total), blockMoments.map((b) => corr(removeBlock(total, copy(b)))));
      if (interval.lo! <= rho && rho <= interval.hi!) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
  });
});
