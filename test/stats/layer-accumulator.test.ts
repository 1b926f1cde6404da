import { describe, expect, it } from 'vitest';
import { createReferenceMomentKernel, batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { LayerAccumulator, NonFiniteActivationError } from '../../src/stats/layer-accumulator.js';

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

  it('refuses batches whose nets disagree on the sample count', async () => {
    const acc = new LayerAccumulator('fc', [{ name: 'A', units: 1 }, { name: 'B', units: 1 }], createReferenceMomentKernel());
    await expect(acc.add([{ data: Float32Array.of(1, 2), units: 1, samples: 2 }, { data: Float32Array.of(1), units: 1, samples: 1 }])).rejects.toThrow(
      /net B gave 1 samples in a batch where net A gave 2/,
    );
  });
});
