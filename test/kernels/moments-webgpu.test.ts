// The WebGPU moment kernel against the float64 reference, on whatever adapter this machine has
// (llvmpipe through Dawn's GL backend on a machine without a GPU). Without an adapter the tests
// skip with a message, unless CONVERGENT_REQUIRE_WEBGPU=1 (CI), where that is a failure.
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchMoments } from '../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { createWebGpuMomentKernel, type WebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { acquireGpu, adapterDisplayName, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { emptyMoments, mergeMomentsInto } from '../../src/kernels/moments/merge.js';
import { seededUniform } from '../../src/util/random.js';

const required = process.env.CONVERGENT_REQUIRE_WEBGPU === '1';
const gpu: GpuContext | null = await acquireGpu({ allowSoftware: true });
if (!gpu && !required) {
  console.warn('WebGPU moment tests skipped: no WebGPU adapter (set CONVERGENT_REQUIRE_WEBGPU=1 to make this an error)');
}
if (gpu) console.info(`WebGPU moment tests on ${gpu.label}`);

afterAll(() => gpu?.release());

// GPUBufferUsage.STORAGE | COPY_DST | COPY_SRC, spelled out (the DOM typings lack the global).
const STORAGE_COPY_DST_SRC = 0x80 | 0x08 | 0x04;

/** Runs `use` on a device buffer holding a copy of `data`, destroyed afterwards. */
async function withDeviceCopy(label: string, data: Float32Array, use: (buffer: GPUBuffer) => Promise<void>): Promise<void> {
  const device = gpu!.device;
  const buffer = device.createBuffer({ label, size: data.byteLength, usage: STORAGE_COPY_DST_SRC });
  try {
    device.queue.writeBuffer(buffer, 0, data);
    await use(buffer);
  } finally {
    buffer.destroy();
  }
}

// Deterministic data: mulberry32 (the example's generator) and Box-Muller.
const rng = seededUniform;

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * d units x n samples, unit-major: unit i = offset_i + scale_i (loadings . latent factors + noise),
 * so that correlations span the whole range. `offsets` default to N(0, 3).
 */
function correlatedBatch(d: number, n: number, seed: number, offsets?: (i: number) => number, scales?: (i: number) => number): Float32Array {
  const g = gaussian(rng(seed));
  const factors = 4;
  const loadings = Array.from({ length: d * factors }, () => g());
  const offset = Array.from({ length: d }, (_, i) => (offsets ? offsets(i) : 3 * g()));
  const scale = Array.from({ length: d }, (_, i) => (scales ? scales(i) : Math.exp(g())));
  const data = new Float32Array(d * n);
  const z = new Float64Array(factors);
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < factors; f++) z[f] = g();
    for (let i = 0; i < d; i++) {
      let v = 0.5 * g();
      for (let f = 0; f < factors; f++) v += loadings[i * factors + f] * z[f];
      data[i * n + s] = offset[i] + scale[i] * v;
    }
  }
  return data;
}

function correlations(m: BatchMoments): Float64Array {
  const { d, m2 } = m;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = m2[i * d + j] / Math.sqrt(m2[i * d + i] * m2[j * d + j]);
  }
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/**
 * Asserts that `got` matches `want` with mean errors relative to |mean| + std and co-moment
 * errors relative to sqrt(M2_ii M2_jj) (the scale of the entry), and returns the worst of each.
 */
function expectClose(got: BatchMoments, want: BatchMoments, tol: number): { mean: number; m2: number } {
  expect(got.n).toBe(want.n);
  expect(got.d).toBe(want.d);
  expect(got.mean.length).toBe(want.d);
  expect(got.m2.length).toBe(want.d * want.d);
  const { d, n } = want;
  let worstMean = 0;
  let worstM2 = 0;
  for (let i = 0; i < d; i++) {
    const std = n > 0 ? Math.sqrt(want.m2[i * d + i] / n) : 0;
    const err = Math.abs(got.mean[i] - want.mean[i]) / (Math.abs(want.mean[i]) + std + 1e-30);
    worstMean = Math.max(worstMean, err);
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt(want.m2[i * d + i] * want.m2[j * d + j]);
      const diff = Math.abs(got.m2[i * d + j] - want.m2[i * d + j]);
      worstM2 = Math.max(worstM2, scale > 0 ? diff / scale : diff);
      expect(got.m2[i * d + j]).toBe(got.m2[j * d + i]);
    }
  }
  expect(worstMean).toBeLessThan(tol);
  expect(worstM2).toBeLessThan(tol);
  return { mean: worstMean, m2: worstM2 };
}

describe('adapterDisplayName', () => {
  it('names llvmpipe from Dawn GL, Deno and lavapipe reports, and real GPUs by description', () => {
    expect(
      adapterDisplayName({
        vendor: '',
        architecture: '',
        device: 'llvmpipe-llvm-15-0-6-256-bits-',
        description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
      }),
    ).toBe('llvmpipe (LLVM 15)');
    expect(
      adapterDisplayName({ vendor: '65541', architecture: '', device: '0', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }),
    ).toBe('llvmpipe (LLVM 15)');
    expect(
      adapterDisplayName({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' }),
    ).toBe('NVIDIA H100 80GB HBM3');
    expect(
      adapterDisplayName({ vendor: '', architecture: '', device: 'mesa-intel-r-uhd-graphics-630', description: 'OpenGL version 4.6' }),
    ).toBe('mesa intel r uhd graphics 630');
    expect(adapterDisplayName({ vendor: 'apple', architecture: 'metal-3', device: '', description: '' })).toBe('apple metal-3');
    expect(adapterDisplayName({ vendor: '', architecture: '', device: '', description: '' })).toBe('unknown adapter');
  });
});

describe.runIf(!gpu && required)('WebGPU availability', () => {
  it('finds an adapter (CONVERGENT_REQUIRE_WEBGPU=1)', () => {
    throw new Error(
      'CONVERGENT_REQUIRE_WEBGPU=1 but no WebGPU adapter was found. On Linux without a GPU: install ' +
        'libegl-dev libegl-mesa0 libgl1-mesa-dri (Mesa llvmpipe; Dawn opens the unversioned libEGL.so that libegl-dev ' +
        'provides) and leave EGL_PLATFORM unset or surfaceless.',
    );
  });
});

describe.runIf(gpu !== null)('acquireGpu', () => {
  it('labels the adapter in one line and says whether it is software', () => {
    const g = gpu!;
    expect(g.label).not.toMatch(/\n/);
    expect(g.label).toMatch(/ via (Dawn [a-z0-9]+|Deno WebGPU \(wgpu\)|browser WebGPU)/);
    expect(g.label.startsWith(adapterDisplayName(g.adapterInfo))).toBe(true);
    expect(g.label.includes('compatibility mode')).toBe(g.featureLevel === 'compatibility');
    if (/llvmpipe|lavapipe|swiftshader/i.test(g.label)) expect(g.isSoftware).toBe(true);
    if (/llvmpipe/.test(g.label) && /opengles/.test(g.label)) {
      expect(g.label).toMatch(/^llvmpipe \(LLVM \d+\) via Dawn opengles, compatibility mode$/);
    }
    // The kernels' limits are raised to the adapter's maxima.
    expect(g.device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  it('refuses software adapters when asked to', async () => {
    const hardwareOnly = await acquireGpu({ allowSoftware: false });
    try {
      if (gpu!.isSoftware && !/Dawn vulkan/.test(gpu!.label)) expect(hardwareOnly).toBeNull();
      if (hardwareOnly) expect(hardwareOnly.isSoftware).toBe(false);
    } finally {
      hardwareOnly?.release();
    }
  });
});

describe.runIf(gpu !== null)('WebGPU moment kernel', () => {
  const device = () => gpu!.device;
  const kernels: WebGpuMomentKernel[] = [];
  const kernel = (options = {}) => {
    const k = createWebGpuMomentKernel(gpu!, options);
    kernels.push(k);
    return k;
  };
  afterAll(async () => {
    for (const k of kernels) await k.dispose();
  });

  it('chooses tiles within the device limits', () => {
    const k = kernel();
    const limits = device().limits;
    const { tile, tileK, centerWorkgroup, reduceWorkgroup } = k.tiles;
    expect((tile / 4) ** 2).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
    expect(2 * tileK * tile * 4).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
    expect(centerWorkgroup).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
    expect(reduceWorkgroup).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
    expect(k.name).toContain('webgpu');
  });

  it('matches the reference at shapes that are not multiples of any tile', async () => {
    const k = kernel();
    let worst = { mean: 0, m2: 0 };
    await withGpuErrorScope(device(), async () => {
      for (const d of [1, 3, 17, 65, 130]) {
        for (const n of [1, 5, 257, 3000]) {
          const data = correlatedBatch(d, n, 1000 * d + n);
          const got = await k.batchMoments(data, d, n);
          const err = expectClose(got, batchMomentsReference(data, d, n), 2e-5);
          worst = { mean: Math.max(worst.mean, err.mean), m2: Math.max(worst.m2, err.m2) };
        }
      }
    });
    console.info(`webgpu vs reference, worst relative error: mean ${worst.mean.toExponential(2)}, M2 ${worst.m2.toExponential(2)}`);
  });

  it('matches the reference with the smaller tiles of limited devices', async () => {
    for (const tiles of [
      { tile: 32, tileK: 16, centerWorkgroup: 64, reduceWorkgroup: 64 },
      { tile: 16, tileK: 8, centerWorkgroup: 32, reduceWorkgroup: 32 },
    ]) {
      const k = kernel({ tiles });
      expect(k.tiles).toEqual(tiles);
      await withGpuErrorScope(device(), async () => {
        for (const d of [3, 65, 130]) {
          for (const n of [5, 3000]) {
            const data = correlatedBatch(d, n, 77 * d + n);
            expectClose(await k.batchMoments(data, d, n), batchMomentsReference(data, d, n), 2e-5);
          }
        }
      });
    }
  });

  it('gives correlations within 1e-6 of the reference for ordinary-scale data', async () => {
    const k = kernel();
    const d = 96;
    const n = 4000;
    const data = correlatedBatch(d, n, 7);
    const got = await withGpuErrorScope(device(), () => k.batchMoments(data, d, n));
    const err = maxAbsDiff(correlations(got), correlations(batchMomentsReference(data, d, n)));
    console.info(`webgpu correlation error (d=${d}, n=${n}): ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-6);
  });

  it('reads a batch that is already on the device', async () => {
    const k = kernel();
    const d = 70;
    const n = 1001;
    const data = correlatedBatch(d, n, 11);
    await withGpuErrorScope(device(), async () => {
      await withDeviceCopy('test: activations', data, async (buffer) => {
        expectClose(await k.batchMomentsFromBuffer(buffer, d, n), batchMomentsReference(data, d, n), 1e-5);
        // Twice: the cached plan and its buffers are reused.
        expectClose(await k.batchMomentsFromBuffer(buffer, d, n), batchMomentsReference(data, d, n), 1e-5);
      });
    });
  });

  it('splits batches into chunks merged in float64 (host data and device buffers)', async () => {
    const d = 17;
    const n = 3000;
    const data = correlatedBatch(d, n, 23);
    const want = batchMomentsReference(data, d, n);
    await withGpuErrorScope(device(), async () => {
      // Chunks read through offsets into one binding.
      expectClose(await kernel({ maxChunkSamples: 700 }).batchMoments(data, d, n), want, 1e-5);
      // Bindings too small for the batch: rows are copied chunk by chunk.
      const small = kernel({ maxBindingBytes: 64 * 1024 });
      expectClose(await small.batchMoments(data, d, n), want, 1e-5);
      await withDeviceCopy('test: large activations', data, async (buffer) => {
        expectClose(await small.batchMomentsFromBuffer(buffer, d, n), want, 1e-5);
      });
    });
  });

  it('reads S2 back a column of tiles at a time and merges it into the total, exactly symmetric', async () => {
    const d = 203; // several tiles, the last one partial
    const n = 517;
    const data = correlatedBatch(d, n, 31);
    const want = batchMomentsReference(data, d, n);
    const got = await withGpuErrorScope(device(), () => kernel({ readbackBytes: 1, maxChunkSamples: 200 }).batchMoments(data, d, n));
    expectClose(got, want, 1e-5);
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(got.m2[i * d + j]).toBe(got.m2[j * d + i]);
  });

  it('serialises concurrent calls and handles empty batches', async () => {
    const k = kernel();
    const batches = [
      { d: 5, n: 40 },
      { d: 9, n: 33 },
      { d: 5, n: 40 },
      { d: 0, n: 10 },
      { d: 4, n: 0 },
    ].map((s, i) => ({ ...s, data: correlatedBatch(s.d, s.n, 50 + i) }));
    const results = await withGpuErrorScope(device(), () => Promise.all(batches.map((b) => k.batchMoments(b.data, b.d, b.n))));
    for (let i = 0; i < batches.length; i++) {
      const { d, n, data } = batches[i];
      if (n === 0) {
        expect(results[i]).toEqual(emptyMoments(d));
        continue;
      }
      expectClose(results[i], batchMomentsReference(data, d, n), 1e-5);
    }
    await expect(k.batchMoments(new Float32Array(3), 2, 2)).rejects.toThrow(/expected 2 units x 2 samples/);
  });

  it('keeps correlations of units with mean 1e4 and std 1 over many batches merged in float64', async () => {
    const k = kernel();
    const d = 96;
    const n = 4000;
    const batches = 40;
    const got = emptyMoments(d);
    const want = emptyMoments(d);
    await withGpuErrorScope(device(), async () => {
      for (let b = 0; b < batches; b++) {
        // Means 1e4 (+- a few), std about 1; every batch drawn afresh.
        const data = correlatedBatch(d, n, 9000 + b, (i) => 1e4 + (i % 7), () => 0.5);
        mergeMomentsInto(got, await k.batchMoments(data, d, n));
        mergeMomentsInto(want, batchMomentsReference(data, d, n));
      }
    });
    const err = maxAbsDiff(correlations(got), correlations(want));
    console.info(`webgpu correlation error, mean 1e4 std 1, ${batches} batches of ${n}: ${err.toExponential(2)}`);
    expect(got.n).toBe(batches * n);
    expect(err).toBeLessThan(1e-5);
    for (let i = 0; i < d; i++) expect(Math.abs(got.mean[i] - want.mean[i])).toBeLessThan(1e-6 * 1e4);
  });
});
