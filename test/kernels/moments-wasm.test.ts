// The WASM SIMD moment kernel (src/kernels/moments/wasm.ts, assembly/moments.ts) against the
// float64 reference, and the reference against numpy (test/fixtures/moments, made by
// scripts/fixtures/make_moment_fixtures.py). The kernel rounds centred values to f32 and sums
// blocks of 128 samples in f32, so it is held to what the tool needs: correlations within 1e-6 of
// float64 at ordinary scales, and within 1e-5 for a unit with mean 1e4 and std 1 after merging
// many batches. No timing assertions here; see bench/moments-wasm.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchMoments, MomentKernel } from '../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { createWasmMomentKernel } from '../../src/kernels/moments/wasm.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { seededNormal } from '../../src/util/random.js';
import { emptyMoments, mergeMomentsInto } from '../../src/kernels/moments/merge.js';
import { relaxedSimdAvailable, wasmModule, type WasmVariant } from '../../src/kernels/wasm-module.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'moments');

interface Expected {
  d: number;
  n: number;
  mean: number[];
  m2: number[][];
  corr: (number | null)[][];
}
const expected: Record<string, Expected> = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8'));

async function fixture(name: string): Promise<Float32Array> {
  const { data, shape } = await readNpy(join(fixtures, `${name}.npy`));
  expect(shape).toEqual([expected[name].d, expected[name].n]);
  expect(data).toBeInstanceOf(Float32Array);
  return data as Float32Array;
}

function corr(m: BatchMoments, i: number, j: number): number | null {
  const d = m.d;
  const vi = m.m2[i * d + i];
  const vj = m.m2[j * d + j];
  if (vi <= 0 || vj <= 0) return null;
  return m.m2[i * d + j] / Math.sqrt(vi * vj);
}

/** Largest |corr(a) - corr(b)| over all pairs; a unit without variance must lack it in both. */
function maxCorrError(a: BatchMoments, b: BatchMoments): number {
  let err = 0;
  for (let i = 0; i < a.d; i++) {
    for (let j = 0; j < a.d; j++) {
      const x = corr(a, i, j);
      const y = corr(b, i, j);
      if (x === null || y === null) {
        expect([i, j, x]).toEqual([i, j, y]);
        continue;
      }
      err = Math.max(err, Math.abs(x - y));
    }
  }
  return err;
}

/** Checks a kernel result against the float64 reference at f32-kernel accuracy. */
function expectCloseToReference(got: BatchMoments, want: BatchMoments, corrTol = 1e-6): number {
  expect(got.n).toBe(want.n);
  expect(got.d).toBe(want.d);
  expect(got.mean.length).toBe(want.d);
  expect(got.m2.length).toBe(want.d * want.d);
  const d = want.d;
  for (let i = 0; i < d; i++) {
    // Means are computed in float64 from the same f32 values.
    expect(Math.abs(got.mean[i] - want.mean[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.mean[i])));
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt(want.m2[i * d + i] * want.m2[j * d + j]);
      const e = Math.abs(got.m2[i * d + j] - want.m2[i * d + j]);
      if (scale === 0) expect(got.m2[i * d + j]).toBe(0);
      else expect(e / scale).toBeLessThan(corrTol);
      expect(got.m2[i * d + j]).toBe(got.m2[j * d + i]);
    }
  }
  const err = maxCorrError(got, want);
  expect(err).toBeLessThan(corrTol);
  return err;
}

function randomBatch(d: number, n: number, seed: number, offset = 0): Float32Array {
  const normal = seededNormal(seed);
  const latent = Float64Array.from({ length: 3 * n }, normal);
  const data = new Float32Array(d * n);
  for (let u = 0; u < d; u++) {
    const w = [normal(), normal(), normal()];
    const scale = 0.1 + 3 * Math.abs(normal());
    const shift = offset + 5 * normal();
    for (let s = 0; s < n; s++) {
      const v = w[0] * latent[s] + w[1] * latent[n + s] + w[2] * latent[2 * n + s] + normal();
      data[u * n + s] = shift + scale * v;
    }
  }
  return data;
}

describe('reference moment kernel vs numpy float64 fixtures', () => {
  for (const name of Object.keys(expected)) {
    it(name, async () => {
      const e = expected[name];
      const data = await fixture(name);
      const m = batchMomentsReference(data, e.d, e.n);
      expect(m.n).toBe(e.n);
      for (let i = 0; i < e.d; i++) expect(m.mean[i]).toBeCloseTo(e.mean[i], 10);
      const big = Math.max(1, ...e.m2.map((row, i) => row[i]));
      for (let i = 0; i < e.d; i++) {
        for (let j = 0; j < e.d; j++) {
          expect(Math.abs(m.m2[i * e.d + j] - e.m2[i][j])).toBeLessThan(1e-10 * big);
          const c = corr(m, i, j);
          if (e.corr[i][j] === null) expect(c).toBeNull();
          else expect(Math.abs(c! - e.corr[i][j]!)).toBeLessThan(1e-12);
        }
      }
    });
  }
});

describe('WASM SIMD moment kernel', () => {
  let single: MomentKernel;
  let multi: MomentKernel;
  let slicedSingle: MomentKernel;
  let slicedMulti: MomentKernel;
  beforeAll(async () => {
    single = await createWasmMomentKernel({ threads: 1 });
    // Thresholds 0: every batch goes to the workers, however small.
    multi = await createWasmMomentKernel({ threads: 2, parallelThreshold: 0, parallelMinSamples: 0 });
    // Tiny slices: many slices per batch, merged with Chan's update, on each path.
    slicedSingle = await createWasmMomentKernel({ threads: 1, maxSliceSamples: 52 });
    slicedMulti = await createWasmMomentKernel({ threads: 2, parallelThreshold: 0, parallelMinSamples: 0, maxSliceSamples: 36 });
  });
  afterAll(async () => {
    await Promise.all([single, multi, slicedSingle, slicedMulti].map((k) => k?.dispose()));
  });

  it('names its thread count', () => {
    expect(single.name).toBe('wasm-simd (1 thread)');
    expect(multi.name).toBe('wasm-simd x2 threads');
  });

  describe('matches numpy on the fixtures', () => {
    for (const name of Object.keys(expected)) {
      it(name, async () => {
        const e = expected[name];
        const data = await fixture(name);
        for (const k of [single, multi, slicedSingle, slicedMulti]) {
          const m = await k.batchMoments(data, e.d, e.n);
          expect(m.n).toBe(e.n);
          for (let i = 0; i < e.d; i++) expect(Math.abs(m.mean[i] - e.mean[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(e.mean[i])));
          for (let i = 0; i < e.d; i++) {
            for (let j = 0; j < e.d; j++) {
              const c = corr(m, i, j);
              if (e.corr[i][j] === null) {
                expect(c).toBeNull();
                expect(m.m2[i * e.d + j]).toBe(0);
              } else {
                expect(Math.abs(c! - e.corr[i][j]!)).toBeLessThan(1e-6);
              }
            }
          }
        }
      });
    }
  });

  it('single thread matches the reference at awkward sizes (tails of tiles, samples, blocks)', async () => {
    let worst = 0;
    let seed = 1;
    for (const d of [1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 33]) {
      for (const n of [1, 2, 3, 4, 5, 7, 8, 130, 255, 257, 1000]) {
        const data = randomBatch(d, n, seed++, 2);
        worst = Math.max(worst, expectCloseToReference(await single.batchMoments(data, d, n), batchMomentsReference(data, d, n)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('multi-thread matches the reference at awkward sizes', async () => {
    let seed = 100;
    for (const d of [1, 3, 5, 6, 17, 33]) {
      for (const n of [1, 2, 5, 7, 8, 9, 130, 1001]) {
        const data = randomBatch(d, n, seed++, -1);
        const want = batchMomentsReference(data, d, n);
        expectCloseToReference(await multi.batchMoments(data, d, n), want);
        expectCloseToReference(await slicedMulti.batchMoments(data, d, n), want);
        expectCloseToReference(await slicedSingle.batchMoments(data, d, n), want);
      }
    }
  });

  it('matches the reference on a larger batch, one and two threads, and they agree', async () => {
    const d = 131;
    const n = 3001;
    const data = randomBatch(d, n, 77, 10);
    const want = batchMomentsReference(data, d, n);
    const a = await single.batchMoments(data, d, n);
    const b = await multi.batchMoments(data, d, n);
    expectCloseToReference(a, want);
    expectCloseToReference(b, want);
    // Concurrent batches on one kernel are independent.
    const [c, e] = await Promise.all([multi.batchMoments(data, d, n), multi.batchMoments(data.map((v) => 2 * v), d, n)]);
    expect(c.m2).toEqual(b.m2);
    for (let i = 0; i < d * d; i++) expect(e.m2[i]).toBeCloseTo(4 * b.m2[i], 6);
  });

  it('keeps correlations within 1e-6 on ReLU-like activations with shared latents', async () => {
    // Positive, strongly correlated units are the hard case for f32 block sums: the products in a
    // block mostly share a sign, so the rounding errors of the running sums do not cancel.
    const d = 160;
    const n = 4096;
    const latents = 3;
    const normal = seededNormal(31);
    const z = Array.from({ length: latents }, () => Float64Array.from({ length: n }, normal));
    const data = new Float32Array(d * n);
    for (let u = 0; u < d; u++) {
      const w = z.map(() => normal());
      const bias = normal();
      for (let s = 0; s < n; s++) {
        let v = bias + 0.3 * normal();
        for (let l = 0; l < latents; l++) v += w[l] * z[l][s];
        data[u * n + s] = Math.max(0, v);
      }
    }
    const want = batchMomentsReference(data, d, n);
    expectCloseToReference(await single.batchMoments(data, d, n), want);
    expectCloseToReference(await multi.batchMoments(data, d, n), want);
  });

  it('leaves the caller’s batch untouched', async () => {
    const data = randomBatch(9, 301, 5);
    const copy = data.slice();
    await single.batchMoments(data, 9, 301);
    await multi.batchMoments(data, 9, 301);
    expect(data).toEqual(copy);
  });

  it('keeps correlations of a unit with mean 1e4 and std 1 over many merged batches', async () => {
    // d = 6 units over 4 million samples in 80 batches, with planted correlations:
    //   u0 = 1e4 + z0 (+ noise), u1 = 1e4 + 0.999 z0 ..., u2 = -0.5 z0 + z1 ..., u3 independent,
    //   u4 at mean 0 (ordinary scale), u5 = 1e4 - 0.3 z1 ...; every std about 1.
    const d = 6;
    const batches = 80;
    const n = 50_000;
    const generate = (b: number): Float32Array => {
      const normal = seededNormal(9000 + b);
      const x = new Float32Array(d * n);
      for (let s = 0; s < n; s++) {
        const z0 = normal();
        const z1 = normal();
        x[s] = 1e4 + 0.995 * z0 + 0.1 * normal();
        x[n + s] = 1e4 + 0.999 * z0 + 0.0447 * normal();
        x[2 * n + s] = 1e4 - 0.5 * z0 + 0.8 * z1 + 0.3 * normal();
        x[3 * n + s] = 1e4 + normal();
        x[4 * n + s] = 0.7 * z1 + 0.7 * normal();
        x[5 * n + s] = 1e4 - 0.3 * z1 + 0.95 * normal();
      }
      return x;
    };
    // Float64 two-pass reference over the same f32 values: pass 1 the means, pass 2 the centred sums.
    const sum = new Float64Array(d);
    for (let b = 0; b < batches; b++) {
      const x = generate(b);
      for (let u = 0; u < d; u++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += x[u * n + k];
        sum[u] += s;
      }
    }
    const N = batches * n;
    const mean = sum.map((s) => s / N);
    const ref: BatchMoments = { n: N, d, mean, m2: new Float64Array(d * d) };
    const totals = [emptyMoments(d), emptyMoments(d)];
    const centred = new Float64Array(d * n);
    for (let b = 0; b < batches; b++) {
      const x = generate(b);
      for (let u = 0; u < d; u++) for (let k = 0; k < n; k++) centred[u * n + k] = x[u * n + k] - mean[u];
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += centred[i * n + k] * centred[j * n + k];
          ref.m2[i * d + j] += s;
          if (j !== i) ref.m2[j * d + i] += s;
        }
      }
      const [one, two] = await Promise.all([single.batchMoments(x, d, n), multi.batchMoments(x, d, n)]);
      mergeMomentsInto(totals[0], one);
      mergeMomentsInto(totals[1], two);
    }
    expect(corr(ref, 0, 1)).toBeGreaterThan(0.99);
    for (const total of totals) {
      expect(total.n).toBe(N);
      for (let i = 0; i < d; i++) expect(Math.abs(total.mean[i] - mean[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(mean[i])));
      for (let i = 0; i < d; i++) expect(Math.abs(total.m2[i * d + i] / ref.m2[i * d + i] - 1)).toBeLessThan(1e-5);
      expect(maxCorrError(total, ref)).toBeLessThan(1e-5);
    }
  });

  it('returns zeros for an empty batch', async () => {
    for (const k of [single, multi]) {
      const m = await k.batchMoments(new Float32Array(0), 3, 0);
      expect(m.n).toBe(0);
      expect(m.d).toBe(3);
      expect(Array.from(m.mean)).toEqual([0, 0, 0]);
      expect(Array.from(m.m2)).toEqual(new Array(9).fill(0));
      const none = await k.batchMoments(new Float32Array(0), 0, 5);
      expect(none).toMatchObject({ n: 5, d: 0 });
    }
  });

  it('gives a zero co-moment matrix for one sample', async () => {
    const m = await single.batchMoments(Float32Array.of(1, 2, 3e4), 3, 1);
    expect(Array.from(m.mean)).toEqual([1, 2, 3e4]);
    expect(Array.from(m.m2)).toEqual(new Array(9).fill(0));
  });

  it('rejects a batch whose length is not d x n', async () => {
    await expect(single.batchMoments(new Float32Array(14), 3, 5)).rejects.toThrow('batch has 14 values, expected 3 units x 5 samples');
    await expect(multi.batchMoments(new Float32Array(16), 3, 5)).rejects.toThrow('expected 3 units x 5 samples');
    await expect(single.batchMoments(new Float32Array(0), -1, 0)).rejects.toThrow(/bad batch shape/);
  });
});

describe('WASM SIMD moment kernel lifecycle', () => {
  it('dispose terminates the workers; later batches are refused', async () => {
    const k = await createWasmMomentKernel({ threads: 2, parallelThreshold: 0, parallelMinSamples: 0 });
    const data = randomBatch(4, 64, 3);
    expectCloseToReference(await k.batchMoments(data, 4, 64), batchMomentsReference(data, 4, 64));
    await k.dispose();
    await k.dispose();
    await expect(k.batchMoments(data, 4, 64)).rejects.toThrow(/disposed/);
  });

  it('defaults to the platform core count', async () => {
    const k = await createWasmMomentKernel();
    expect(k.name).toMatch(/^wasm-simd (\(1 thread\)|x\d+ threads)$/);
    await k.dispose();
  });
});

describe('WASM SIMD moment kernel: slices side by side, strips, builds (issue 15)', () => {
  // d = 37: two strips of rows (32 + 5) and a partial panel; n = 1001 cut at most 260 a slice:
  // four slices (256, 256, 256, 233), run side by side two at a time on two workers.
  const d = 37;
  const n = 1001;
  const data = randomBatch(d, n, 4242, 3);
  const want = batchMomentsReference(data, d, n);

  it('gives the same bits with slices side by side on two workers as on one thread, within 1e-6 of the reference', async () => {
    const one = await createWasmMomentKernel({ threads: 1, maxSliceSamples: 260 });
    const two = await createWasmMomentKernel({ threads: 2, parallelThreshold: 0, parallelMinSamples: 0, maxSliceSamples: 260 });
    try {
      const a = await one.batchMoments(data, d, n);
      const b = await two.batchMoments(data, d, n);
      expectCloseToReference(a, want);
      expect(b.mean).toEqual(a.mean);
      expect(b.m2).toEqual(a.m2);
      // Merged into a running total that already holds a batch: the same bits too.
      const second = data.map((v) => v * 0.5 + 1);
      const totals = [emptyMoments(d), emptyMoments(d)];
      for (const [k, kernel] of [one, two].entries()) {
        await kernel.accumulate!(totals[k], data, d, n);
        await kernel.accumulate!(totals[k], second, d, n);
      }
      expect(totals[1].n).toBe(2 * n);
      expect(totals[1].mean).toEqual(totals[0].mean);
      expect(totals[1].m2).toEqual(totals[0].m2);
    } finally {
      await Promise.all([one.dispose(), two.dispose()]);
    }
  });

  it('gives the same bits whatever the block of rows (strips cut by blocks of 4 rows or whole)', async () => {
    const whole = await createWasmMomentKernel({ threads: 1 });
    const fours = await createWasmMomentKernel({ threads: 1, maxBlockBytes: 1 });
    try {
      const a = await whole.batchMoments(data, d, n);
      expectCloseToReference(a, want);
      expect((await fours.batchMoments(data, d, n)).m2).toEqual(a.m2);
    } finally {
      await Promise.all([whole.dispose(), fours.dispose()]);
    }
  });

  it('matches the reference on the plain build and, where the engine runs it, the relaxed-SIMD build (fused multiply-adds)', async () => {
    const variants: WasmVariant[] = relaxedSimdAvailable() ? ['plain', 'relaxed'] : ['plain'];
    for (const variant of variants) {
      const k = await createWasmMomentKernel({ threads: 1, module: await wasmModule(variant) });
      try {
        expectCloseToReference(await k.batchMoments(data, d, n), want);
      } finally {
        await k.dispose();
      }
    }
  });
});
