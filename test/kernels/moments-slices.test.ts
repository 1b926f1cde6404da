// How the WASM moment kernel cuts a batch into slices and which it runs side by side
// (src/kernels/moments/slices.ts).
import { describe, expect, it } from 'vitest';
import { sideBySideCount, sliceRanges } from '../../src/kernels/moments/slices.js';

describe('sliceRanges', () => {
  it('covers the batch in order with as few slices as the limit allows (an even count), of equal length in whole blocks', () => {
    for (const [n, max] of [[10816, 8192], [193600, 21760], [46656, 8192], [10816, 5376], [1001, 260], [7, 4], [1, 128], [129, 128]]) {
      const slices = sliceRanges(n, max, 128);
      const fewest = Math.ceil(n / max);
      expect(slices.length).toBe(fewest > 1 ? 2 * Math.ceil(fewest / 2) : 1);
      expect(slices[0][0]).toBe(0);
      expect(slices.at(-1)![1]).toBe(n);
      for (let k = 1; k < slices.length; k++) expect(slices[k][0]).toBe(slices[k - 1][1]);
      const lengths = slices.map(([s0, s1]) => s1 - s0);
      for (const length of lengths) expect(length).toBeLessThanOrEqual(max);
      // All but the last of one length; whole blocks of 128 where that fits the limit.
      expect(new Set(lengths.slice(0, -1)).size).toBeLessThanOrEqual(1);
      if (Math.ceil(Math.ceil(n / slices.length) / 128) * 128 <= max && slices.length > 1) expect(lengths[0] % 128).toBe(0);
    }
    // The study's conv5 batch (four AlexNets, 64 images: 10,816 samples of 1,024 units): two near-equal slices, not 8,192 + 2,624.
    expect(sliceRanges(10816, 8192, 128)).toEqual([[0, 5504], [5504, 10816]]);
    // conv3 (10,816 samples of 1,536 units, at most 5,376 a slice): four, not 5,376 + 5,376 + 64.
    expect(sliceRanges(10816, 5376, 128)).toEqual([[0, 2816], [2816, 5632], [5632, 8448], [8448, 10816]]);
    expect(sliceRanges(0, 128, 128)).toEqual([]);
  });
});

describe('sideBySideCount', () => {
  it('runs `threads` slices side by side when each is at least 3/4 of the first, else one', () => {
    const slices: [number, number][] = [[0, 256], [256, 512], [512, 768], [768, 1001]];
    expect(sideBySideCount(slices, 0, 2)).toBe(2);
    expect(sideBySideCount(slices, 2, 2)).toBe(2); // 233 >= 192
    expect(sideBySideCount(slices, 3, 2)).toBe(1); // nothing after the last
    expect(sideBySideCount(slices, 0, 1)).toBe(1);
    expect(sideBySideCount(slices, 0, 4)).toBe(4);
    expect(sideBySideCount(slices, 1, 4)).toBe(1); // only three remain
    expect(sideBySideCount([[0, 256], [256, 400]], 0, 2)).toBe(1); // 144 < 192
  });
});
