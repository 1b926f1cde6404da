// The joint histogram kernels (WASM, WebGPU) against the plain-TS reference on awkward sizes: unit
// counts that are not multiples of anything, batches of 1 to a few thousand samples, 2 to 64 bins,
// values exactly on edges (a value equal to an edge goes to the lower bin), float32 and float64
// batches, several batches, counters flushed mid-stream, and (WebGPU) counters split over bindings.
import { afterAll, describe, expect, it } from 'vitest';
import {
  accumulateJointCounts,
  binIndex,
  binUnits,
  createReferenceJointHistogramKernel,
  type JointHistogramKernel,
  type JointHistogramSpec,
} from '../../src/kernels/joint-histogram/index.js';
import { createWasmJointHistogramKernel } from '../../src/kernels/joint-histogram/wasm.js';
import { createWebGpuJointHistogramKernel, f32Below } from '../../src/kernels/joint-histogram/webgpu.js';
import { acquireGpu, type GpuContext } from '../../src/platform/webgpu.js';
import { seededUniform } from '../../src/util/random.js';
import { spec } from './joint-histogram-specs.js';

const required = process.env.CONVERGENT_REQUIRE_WEBGPU === '1';
const gpu: GpuContext | null = await acquireGpu({ allowSoftware: true });
if (!gpu && !required) console.warn('WebGPU joint-histogram tests skipped: no WebGPU adapter (set CONVERGENT_REQUIRE_WEBGPU=1 to make this an error)');
afterAll(() => gpu?.release());

const rng = seededUniform; // mulberry32, deterministic

/** ReLU-like values rounded to a coarse grid so that many land exactly on edges; some exactly 0 or -0. */
function batch(units: number, n: number, seed: number, f64: boolean): Float32Array | Float64Array {
  const r = rng(seed);
  const out = f64 ? new Float64Array(units * n) : new Float32Array(units * n);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round((r() * 2 - 0.7) * 16) / 16;
    out[i] = v <= 0 ? (r() < 0.5 ? 0 : r() < 0.5 ? -0 : v) : v;
  }
  return out;
}

const cases: { name: string; units: number[]; bins: number; batches: number[]; f64: boolean[] }[] = [
  { name: '3 nets, 10 bins, ragged batches', units: [7, 5, 9], bins: 10, batches: [37, 1, 250, 3], f64: [false, false, false] },
  { name: 'float64 and float32 nets', units: [6, 11], bins: 10, batches: [333, 1001], f64: [true, false] },
  { name: '2 bins (zero bin and one more)', units: [1, 3], bins: 2, batches: [5, 7], f64: [false, true] },
  { name: '64 bins', units: [3, 4], bins: 64, batches: [2049], f64: [false, false] },
  { name: '13 bins, odd cells', units: [13, 2, 1], bins: 13, batches: [17, 4, 4099], f64: [false, false, false] },
];

async function run(kernel: JointHistogramKernel, s: JointHistogramSpec, c: (typeof cases)[number], seed: number): Promise<Float64Array[]> {
  for (const [k, n] of c.batches.entries()) await kernel.add(s.units.map((d, net) => batch(d, n, seed + 100 * k + net, c.f64[net])), n);
  return kernel.counts();
}

function expectSame(got: Float64Array[], want: Float64Array[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, p) => {
    expect(g.length).toBe(want[p].length);
    let diff = 0;
    for (let i = 0; i < g.length; i++) if (g[i] !== want[p][i]) diff++;
    expect(diff, `pair ${p}: ${diff} counters differ`).toBe(0);
  });
}

describe('joint histogram reference', () => {
  it('bins as #{edges < x} and counts every pair of units', () => {
    const edges = [0, 0.5, 0.5, 1];
    expect([-1, -0, 0, 0.25, 0.5, 0.75, 1, 2].map((x) => binIndex(x, edges, 0, 4))).toEqual([0, 0, 0, 1, 1, 3, 3, 4]);
    const bins = binUnits(new Float32Array([0, 0.7, 2, 0.1, 0.1, 0]), 2, 3, new Float64Array([0, 1, 0, 0.05]), 3);
    expect([...bins]).toEqual([0, 1, 2, 2, 2, 0]);
    const counts = new Float64Array(2 * 2 * 9);
    accumulateJointCounts(bins, 2, bins, 2, 3, 3, counts);
    // unit 0 with unit 1: samples (0,2), (1,2), (2,0)
    expect([...counts.subarray(9, 18)]).toEqual([0, 0, 1, 0, 0, 1, 1, 0, 0]);
    for (let p = 0; p < 4; p++) expect(counts.subarray(p * 9, p * 9 + 9).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('refuses bad specs', () => {
    expect(() => createReferenceJointHistogramKernel({ bins: 1, units: [1], edges: [new Float64Array(0)], pairs: [] })).toThrow(/bins must be/);
    expect(() => createReferenceJointHistogramKernel({ bins: 3, units: [1], edges: [new Float64Array([1, 0])], pairs: [] })).toThrow(/non-decreasing/);
  });

  it('f32Below gives the largest f32 at or below a float64', () => {
    for (const x of [0.1, -0.1, 1 / 3, -1e-50, 1e-50, 0, 1, 3.4e38, -7.25]) {
      const f = f32Below(x);
      expect(Math.fround(f)).toBe(f);
      expect(f).toBeLessThanOrEqual(x);
      // the next f32 up is above x
      const next = new Float32Array([f]);
      const bits = new Int32Array(next.buffer);
      if (f > 0) bits[0] += 1;
      else if (f < 0) bits[0] -= 1;
      else bits[0] = 1;
      if (!Object.is(f, -0)) expect(next[0]).toBeGreaterThan(x);
    }
  });
});

describe.each(cases)('joint histograms: $name', (c) => {
  it('WASM equals the reference', async () => {
    const s = spec(c.units, c.bins, 7);
    const want = await run(createReferenceJointHistogramKernel(s), s, c, 11);
    const wasm = await createWasmJointHistogramKernel(s);
    expectSame(await run(wasm, s, c, 11), want);
    // Counters flushed into float64 every 100 samples, batches cut at the counters' range.
    const flushing = await createWasmJointHistogramKernel(s, { maxCount: 100 });
    expectSame(await run(flushing, s, c, 11), want);
  });

  it.skipIf(!gpu && !required)('WebGPU equals the reference', async () => {
    if (!gpu) throw new Error('CONVERGENT_REQUIRE_WEBGPU=1 but no WebGPU adapter was found');
    const s = spec(c.units, c.bins, 7);
    const want = await run(createReferenceJointHistogramKernel(s), s, c, 11);
    const kernel = await createWebGpuJointHistogramKernel(gpu, s);
    expectSame(await run(kernel, s, c, 11), want);
    await kernel.dispose();
    // Small bindings: counters in chunks of rows, batches in steps; flushes mid-stream.
    const cells = c.bins * c.bins;
    const small = await createWebGpuJointHistogramKernel(gpu, s, { maxBindingBytes: Math.max(...c.units) * cells * 4 * 2, maxCount: 300, targetWorkgroups: 1 });
    expectSame(await run(small, s, c, 11), want);
    await small.dispose();
  });
});
