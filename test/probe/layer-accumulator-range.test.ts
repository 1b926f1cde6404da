// Issue 10, item 2, through the accumulator every probe uses: per-unit power-of-two scaling keeps
// any finite float32 value, and float64 values far outside float32's range, float64-accurate on
// every backend; deviations whose squares would leave float64 are refused, naming the unit.
import { afterAll, describe, expect, it } from 'vitest';
import type { MomentKernel } from '../../src/kernels/moments/contract.js';
import { createReferenceMomentKernel } from '../../src/kernels/moments/reference.js';
import { createWasmMomentKernel } from '../../src/kernels/moments/wasm.js';
import { createWebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { acquireGpu, type GpuContext } from '../../src/platform/webgpu.js';
import { LayerAccumulator } from '../../src/probe/layer-accumulator.js';
import { ActivationRangeError } from '../../src/probe/moment-range.js';
import { exponentOf, ldexp } from '../../src/probe/power-of-two.js';
import { unitStats } from '../../src/align/unit-stats.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { expectMomentsMatch, expected, stackedCase, type NetBatchLike } from '../numerics/fixtures.js';

const { available } = await webgpuAvailability();
const gpu: GpuContext | null = available ? await acquireGpu({ allowSoftware: true }) : null;
afterAll(() => gpu?.release());

const kernels: { name: string; make: () => Promise<MomentKernel> | MomentKernel; skip: boolean }[] = [
  { name: 'reference', make: () => createReferenceMomentKernel(), skip: false },
  { name: 'wasm', make: () => createWasmMomentKernel({ threads: 1 }), skip: false },
  { name: 'webgpu', make: () => createWebGpuMomentKernel(gpu!), skip: !gpu },
];

/** Samples [from, to) of a unit-major net batch. */
function cut(b: NetBatchLike, from: number, to: number): NetBatchLike {
  const len = to - from;
  const data = new (b.data instanceof Float64Array ? Float64Array : Float32Array)(b.units * len);
  for (let u = 0; u < b.units; u++) data.set(b.data.subarray(u * b.samples + from, u * b.samples + to), u * len);
  return { data, units: b.units, samples: len };
}

/** Feeds a stored case in batches of 97 samples (not a multiple of 4 or of any tile). */
async function accumulate(name: string, kernel: MomentKernel): Promise<LayerAccumulator> {
  const { nets, samples } = await stackedCase(name);
  const acc = new LayerAccumulator('fc', [{ name: 'a', units: nets[0].units }, { name: 'b', units: nets[1].units }], kernel);
  for (let s = 0; s < samples; s += 97) await acc.add(nets.map((b) => cut(b, s, Math.min(samples, s + 97))));
  return acc;
}

describe('exact power-of-two scaling', () => {
  it('finds the exponent of any finite float64 and scales without rounding', () => {
    for (const x of [1, 1.5, 2, 3e38, 1e20, 1e-60, 2 ** -1022, 5e-324, 1.7e308, 0.1]) {
      const e = exponentOf(x);
      expect(2 ** e <= x || e === -1022).toBe(true);
      if (x >= 2 ** -1022) expect(x < 2 ** (e + 1)).toBe(true);
      if (x >= 2 ** -1022) expect(ldexp(ldexp(x, -e), e)).toBe(x);
    }
    expect(ldexp(1, 2000)).toBe(Infinity);
    expect(ldexp(3, 1100 - 1000)).toBe(3 * 2 ** 100);
    expect(ldexp(2 ** 1000, -1500)).toBe(2 ** -500);
  });
});

describe.each(kernels)('LayerAccumulator on the $name kernel, values at the edges of float32', ({ make, skip }) => {
  it.skipIf(skip).each([
    { name: 'overflow_f32' as const, what: 'float32 units scaled by 1e20 and reaching 3e38', dtype: 'float32' },
    { name: 'overflow_f64' as const, what: 'float64 units scaled by 1e60 and 1e-60', dtype: 'float64' },
  ])('$what: numpy\'s float64 answers', async ({ name: fixtureCase, dtype }) => {
    const kernel = await make();
    try {
      const acc = await accumulate(fixtureCase, kernel);
      expectMomentsMatch(acc.result(), expected[fixtureCase], 2e-6);
      expect(acc.dtypes()).toEqual({ a: dtype, b: dtype });
    } finally {
      await kernel.dispose();
    }
  });

  it.skipIf(skip)('refuses a float64 value of 1e300, naming net, layer, unit, sample and value', async () => {
    const kernel = await make();
    try {
      const err = await accumulate('huge_f64', kernel).catch((e) => e);
      const want = expected.huge_f64;
      expect(err).toBeInstanceOf(ActivationRangeError);
      expect(err).toMatchObject({ net: want.net, layer: want.layer, unit: want.unit, sample: want.sample, value: want.value });
      expect(err.message).toMatch(new RegExp(`^net a, layer fc: unit 1 is 1e\\+300 at sample 37, .* beyond 1\\.8e\\+72 \\(2\\^240\\)`));
    } finally {
      await kernel.dispose();
    }
  });
});

describe.each(kernels)('LayerAccumulator on the $name kernel, constants of any magnitude', ({ make, skip }) => {
  it.skipIf(skip)('centre to exact zeros: std 0 and dead, at float32 and float64 precision', async () => {
    const kernel = await make();
    const constants = [0.1, 1e6 + 0.1, 1e-60, -7e30, 3e38, 2 ** -130];
    try {
      for (const Type of [Float32Array, Float64Array]) {
        const units = constants.length;
        const acc = new LayerAccumulator('fc', [{ name: 'a', units }, { name: 'b', units: 1 }], kernel);
        // Three batches of 37 samples; net b is a live ramp beside them.
        for (let batch = 0; batch < 3; batch++) {
          const a = new Type(units * 37);
          constants.forEach((c, u) => a.fill(c, u * 37, (u + 1) * 37));
          const b = Float64Array.from({ length: 37 }, (_, s) => s + 37 * batch);
          await acc.add([{ data: a, units, samples: 37 }, { data: b, units: 1, samples: 37 }]);
        }
        const m = acc.result();
        const dtype = Type === Float64Array ? 'float64' : 'float32';
        const stats = unitStats(m, 0, units, dtype);
        constants.forEach((c, u) => {
          expect(stats.mean[u]).toBe(Type === Float64Array ? c : Math.fround(c));
          expect(stats.std[u]).toBe(0);
        });
        expect([...stats.dead]).toEqual(constants.map(() => 1));
      }
    } finally {
      await kernel.dispose();
    }
  });
});

describe('LayerAccumulator refuses deviations whose squares go subnormal in float64', () => {
  it('names the unit of a 1e-80 wiggle', async () => {
    const acc = new LayerAccumulator('fc', [{ name: 'a', units: 1 }, { name: 'b', units: 1 }], createReferenceMomentKernel());
    const err = await acc
      .add([
        { data: Float64Array.of(1, 2, 3), units: 1, samples: 3 },
        { data: Float64Array.of(1e-80, 2e-80, 1e-80), units: 1, samples: 3 },
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ActivationRangeError);
    expect(err.message).toMatch(/^net b, layer fc: unit 0 is 2e-80 at sample 1, .* below 5\.7e-73 \(2\^-240\) but not zero/);
  });
});
