// Issue 10, item 2: values whose squares leave float32's range. The float32 kernels (WASM, WebGPU)
// must notice and redo such a batch exactly, in float64: numpy's float64 answers, never Infinity.
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchMoments, MomentKernel } from '../../src/kernels/moments/contract.js';
import { outOfFloat32Range } from '../../src/kernels/moments/range-check.js';
import { createWasmMomentKernel } from '../../src/kernels/moments/wasm.js';
import { createWebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { acquireGpu, type GpuContext } from '../../src/platform/webgpu.js';
import { expectMomentsMatch, expected, stackedCase } from '../numerics/fixtures.js';
import { webgpuAvailability } from '../helpers/webgpu.js';

// overflow_f32: unit 2 of net a is scaled by 1e20 (its squares overflow float32), unit 4 of net b
// reaches 3e38 (its sums overflow float32); 403 samples.
const fixture = await stackedCase('overflow_f32');
const data = fixture.data as Float32Array;
const d = fixture.units[0] + fixture.units[1];
const n = fixture.samples;
const want = expected.overflow_f32;

function expectFinite(m: BatchMoments): void {
  for (const v of m.mean) expect(Number.isFinite(v)).toBe(true);
  for (const v of m.m2) expect(Number.isFinite(v)).toBe(true);
}

describe('the range check that sends a batch to the exact path', () => {
  it('flags non-finite and subnormal-range moments, not constants', () => {
    const m = (mean: number[], diag: number[]): BatchMoments => {
      const k = mean.length;
      const m2 = new Float64Array(k * k);
      diag.forEach((v, i) => (m2[i * k + i] = v));
      return { n: 10, d: k, mean: Float64Array.from(mean), m2 };
    };
    expect(outOfFloat32Range(m([1, 2], [3, 4]))).toBe(false);
    expect(outOfFloat32Range(m([1, 5], [3, 0]))).toBe(false); // a constant unit: exact zeros
    expect(outOfFloat32Range(m([1, 2], [3, Infinity]))).toBe(true);
    expect(outOfFloat32Range(m([NaN, 2], [3, 4]))).toBe(true);
    expect(outOfFloat32Range(m([1, 2], [3, 1e-40]))).toBe(true);
  });
});

/** A kernel's moments of the fixture: numpy's float64 answers, every value finite. */
async function expectExact(kernel: MomentKernel, compute: (k: MomentKernel) => Promise<BatchMoments>): Promise<void> {
  try {
    const m = await compute(kernel);
    expectFinite(m);
    expectMomentsMatch(m, want, 1e-12);
  } finally {
    await kernel.dispose();
  }
}

describe.each([1, 2])('WASM moment kernel, %i thread(s), values beyond float32 squares', (threads) => {
  it('gives numpy\'s float64 moments (exact path), never Infinity', async () => {
    // parallelThreshold 0 and parallelMinSamples 1: the two-thread kernel really uses its workers.
    const kernel = await createWasmMomentKernel({ threads, parallelThreshold: 0, parallelMinSamples: 1 });
    await expectExact(kernel, (k) => k.batchMoments(data, d, n));
  });
});

const { available } = await webgpuAvailability();
const gpu: GpuContext | null = available ? await acquireGpu({ allowSoftware: true }) : null;
afterAll(() => gpu?.release());

// GPUBufferUsage.STORAGE | COPY_DST | COPY_SRC, spelled out (the DOM typings lack the global).
const STORAGE_COPY_DST_SRC = 0x80 | 0x08 | 0x04;

describe('WebGPU moment kernel, values beyond float32 squares', () => {
  it.skipIf(!gpu)('gives numpy\'s float64 moments from host data (exact path)', async () => {
    await expectExact(createWebGpuMomentKernel(gpu!), (k) => k.batchMoments(data, d, n));
  });

  it.skipIf(!gpu)('reads a device buffer back and gives numpy\'s float64 moments (the ONNX probe\'s path)', async () => {
    const kernel = createWebGpuMomentKernel(gpu!);
    const buffer = gpu!.device.createBuffer({ size: data.byteLength, usage: STORAGE_COPY_DST_SRC });
    try {
      gpu!.device.queue.writeBuffer(buffer, 0, data);
      await expectExact(kernel, () => kernel.batchMomentsFromBuffer(buffer, d, n));
    } finally {
      buffer.destroy();
    }
  });
});
