import { describe, expect, it } from 'vitest';
import { createReferenceMomentKernel, batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { LayerAccumulator, NonFiniteActivationError } from '../../src/probe/layer-accumulator.js';

describe('LayerAccumulator', () => {
  it('stacks the nets, shifts by the first batch, and gives the moments of all samples', async () => {
    const nets = [{ name: 'A', units: 2 }, { name: 'B', units: 3 }];
    const acc = new LayerAccumulator('fc', nets, createReferenceMomentKernel());
    const n = 11;
    const a = new Float64Array(2 * n).map((_, i) => 1e4 + Math.sin(i));
    const b = new Float32Array(3 * n).map((_, i) => Math.cos(i * 1.3));
    // Two batches: samples [0, 4) and [4, 11).
    const cut = (x: Float32Array | Float64Array, d: number, from: number, to: number) => {
      const out = new (x.constructor as Float64ArrayConstructor)(d * (to - from));
      for (let u = 0; u < d; u++) for (let s = from; s < to; s++) out[u * (to - from) + s - from] = x[u * n + s];
      return out;
    };
    await acc.add([{ data: cut(a, 2, 0, 4), units: 2, samples: 4 }, { data: cut(b, 3, 0, 4), units: 3, samples: 4 }]);
    await acc.add([{ data: cut(a, 2, 4, n), units: 2, samples: 7 }, { data: cut(b, 3, 4, n), units: 3, samples: 7 }]);
    const joint = new Float64Array(5 * n);
    joint.set(a, 0);
    joint.set(b, 2 * n);
    const want = batchMomentsReference(joint, 5, n);
    const got = acc.result();
    expect(got.n).toBe(n);
    for (let i = 0; i < 5; i++) expect(got.mean[i]).toBeCloseTo(want.mean[i], 6); // float32 precision of the deviations from the shift
    for (let i = 0; i < 25; i++) expect(got.m2[i]).toBeCloseTo(want.m2[i], 5);
  });

  it('names the net, layer, unit and sample of a NaN', async () => {
    const acc = new LayerAccumulator('conv2', [{ name: 'A', units: 1 }, { name: 'B', units: 2 }], createReferenceMomentKernel());
    await acc.add([{ data: Float32Array.of(1, 2), units: 1, samples: 2 }, { data: Float32Array.of(1, 2, 3, 4), units: 2, samples: 2 }]);
    const bad = Float32Array.of(1, 2, 3, NaN);
    const err = await acc.add([{ data: Float32Array.of(1, 2), units: 1, samples: 2 }, { data: bad, units: 2, samples: 2 }]).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteActivationError);
    expect(err.message).toBe('net B, layer conv2: unit 1 is NaN at sample 3; activations must be finite');
    const inf = await acc.add([{ data: Float32Array.of(Infinity, 2), units: 1, samples: 2 }, { data: Float32Array.of(1, 2, 3, 4), units: 2, samples: 2 }]).catch((e) => e);
    expect(inf.message).toMatch(/net A, layer conv2: unit 0 is Infinity at sample 2/);
    // Nothing merged from the bad batches.
    expect(acc.result().n).toBe(2);
  });

  it('merges batch moments reduced elsewhere (the WebGPU probe path) into the moments of all samples', async () => {
    const nets = [{ name: 'A', units: 2 }, { name: 'B', units: 1 }];
    const acc = new LayerAccumulator('conv1', nets, createReferenceMomentKernel());
    const n = 13;
    const joint = new Float64Array(3 * n).map((_, i) => 50 + Math.sin(i * 0.7) * (1 + (i % 3)));
    const slice = (from: number, to: number) => {
      const out = new Float64Array(3 * (to - from));
      for (let u = 0; u < 3; u++) out.set(joint.subarray(u * n + from, u * n + to), u * (to - from));
      return out;
    };
    acc.addMoments(batchMomentsReference(slice(0, 5), 3, 5));
    acc.addMoments(batchMomentsReference(slice(5, 5), 3, 0)); // an empty batch is a no-op
    acc.addMoments(batchMomentsReference(slice(5, n), 3, n - 5));
    const want = batchMomentsReference(joint, 3, n);
    const got = acc.result();
    expect(got.n).toBe(n);
    for (let i = 0; i < 3; i++) expect(got.mean[i]).toBeCloseTo(want.mean[i], 10); // no shift: float64 throughout
    for (let i = 0; i < 9; i++) expect(got.m2[i]).toBeCloseTo(want.m2[i], 9);
  });

  it('refuses batch moments with a non-finite mean, naming the net, layer, unit and sample range', async () => {
    const acc = new LayerAccumulator('conv2', [{ name: 'A', units: 2 }, { name: 'B', units: 3 }], createReferenceMomentKernel());
    const batch = (n: number, bad?: { unit: number; mean?: number; m2?: number }) => {
      const m = batchMomentsReference(new Float64Array(5 * n).map((_, i) => Math.cos(i)), 5, n);
      if (bad?.mean !== undefined) m.mean[bad.unit] = bad.mean;
      if (bad?.m2 !== undefined) m.m2[bad.unit * 5 + bad.unit] = bad.m2;
      return m;
    };
    acc.addMoments(batch(4));
    const err = (() => {
      try {
        acc.addMoments(batch(6, { unit: 3, mean: NaN }));
      } catch (e) {
        return e as NonFiniteActivationError;
      }
    })();
    expect(err).toBeInstanceOf(NonFiniteActivationError);
    expect(err!.net).toBe('B');
    expect(err!.unit).toBe(1);
    expect(err!.sample).toEqual({ from: 4, to: 10 });
    expect(err!.message).toBe(
      'net B, layer conv2: unit 1 has a NaN mean over samples 4..9 (which sample is unknown: the batch was reduced on the device); activations must be finite',
    );
    expect(() => acc.addMoments(batch(6, { unit: 0, mean: -Infinity }))).toThrow(/^net A, layer conv2: unit 0 has a -Infinity mean/);
    expect(() => acc.addMoments(batch(6, { unit: 4, m2: Infinity }))).toThrow(/^net B, layer conv2: unit 2 has an Infinity sum of squared deviations over samples 4\.\.9/);
    expect(acc.result().n).toBe(4); // nothing merged from the bad batches
    // The two feeds do not mix: the first batch's shift would not apply to reduced moments.
    await expect(acc.add([{ data: new Float32Array(2), units: 2, samples: 1 }, { data: new Float32Array(3), units: 3, samples: 1 }])).rejects.toThrow(/cannot mix/);
    expect(() => acc.addMoments({ ...batch(2), d: 4 })).toThrow(/batch moments of 4 units .* expected 5 \(A 2 \+ B 3\)/);
  });

  it('refuses batches whose nets disagree on the sample count', async () => {
    const acc = new LayerAccumulator('fc', [{ name: 'A', units: 1 }, { name: 'B', units: 1 }], createReferenceMomentKernel());
    await expect(acc.add([{ data: Float32Array.of(1, 2), units: 1, samples: 2 }, { data: Float32Array.of(1), units: 1, samples: 1 }])).rejects.toThrow(
      /net B gave 1 samples in a batch where net A gave 2/,
    );
  });
});

describe('LayerAccumulator at scale: mean 1e4, std 1, 1e7 samples, two nets', () => {
  it('keeps correlations within 1e-5 of a float64 two-pass computation (WASM kernel)', async () => {
    const { createWasmMomentKernel } = await import('../../src/kernels/moments/wasm.js');
    const { seededNormal } = await import('../../src/util/random.js');
    const { unitStats, correlationBlock } = await import('../../src/align/unit-stats.js');
    const total = 10_000_000;
    const batch = 500_000;
    // Net A: 3 units, net B: 2 units, sharing latents: B0 ~ A0 + noise, B1 ~ -A1 + A2.
    const makeBatch = (normal: () => number, n: number) => {
      const a = new Float32Array(3 * n);
      const b = new Float32Array(2 * n);
      for (let s = 0; s < n; s++) {
        const z0 = normal(), z1 = normal(), z2 = normal();
        a[s] = 1e4 + z0;
        a[n + s] = 1e4 + z1;
        a[2 * n + s] = -2e4 + z2;
        b[s] = 1e4 + 0.8 * z0 + 0.6 * normal();
        b[n + s] = 5e3 + (z2 - z1) * Math.SQRT1_2;
      }
      return [a, b];
    };
    const kernel = await createWasmMomentKernel({ threads: 2 });
    const acc = new LayerAccumulator('fc', [{ name: 'A', units: 3 }, { name: 'B', units: 2 }], kernel);
    let normal = seededNormal(99);
    for (let done = 0; done < total; done += batch) {
      const [a, b] = makeBatch(normal, batch);
      await acc.add([{ data: a, units: 3, samples: batch }, { data: b, units: 2, samples: batch }]);
    }
    await kernel.dispose();
    // float64 two-pass over the same float32 values (what numpy does with dtype=float64).
    const sum = new Float64Array(5);
    normal = seededNormal(99);
    for (let done = 0; done < total; done += batch) {
      const [a, b] = makeBatch(normal, batch);
      for (let s = 0; s < batch; s++) {
        for (let u = 0; u < 3; u++) sum[u] += a[u * batch + s];
        for (let u = 0; u < 2; u++) sum[3 + u] += b[u * batch + s];
      }
    }
    const mean = sum.map((v) => v / total);
    const m2 = new Float64Array(25);
    const x = new Float64Array(5);
    normal = seededNormal(99);
    for (let done = 0; done < total; done += batch) {
      const [a, b] = makeBatch(normal, batch);
      for (let s = 0; s < batch; s++) {
        for (let u = 0; u < 3; u++) x[u] = a[u * batch + s] - mean[u];
        for (let u = 0; u < 2; u++) x[3 + u] = b[u * batch + s] - mean[3 + u];
        for (let i = 0; i < 5; i++) for (let j = i; j < 5; j++) m2[i * 5 + j] += x[i] * x[j];
      }
    }
    const got = acc.result();
    expect(got.n).toBe(total);
    const dead = new Uint8Array(5);
    expect([...unitStats(got, 0, 5).dead]).toEqual([0, 0, 0, 0, 0]);
    const corr = correlationBlock(got, 0, 5, 0, 5, dead, dead);
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(got.mean[i] - mean[i]) / Math.abs(mean[i])).toBeLessThan(1e-12);
      for (let j = i; j < 5; j++) {
        const want = m2[i * 5 + j] / Math.sqrt(m2[i * 5 + i] * m2[j * 5 + j]);
        worst = Math.max(worst, Math.abs(corr[i * 5 + j] - want));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    // the planted correlations are there: corr(A0, B0) = 0.8
    expect(corr[0 * 5 + 3]).toBeCloseTo(0.8, 2);
  }, 120_000);
});
