// Direct tests of the WebGPU forward kernels against the reference kernels
// (src/forward/reference): the tiled conv and GEMM at sizes that are not multiples of any tile,
// under every tile configuration the limits allow; the weight-repack cache; the command batching
// and buffer pool (reuse while work is pending, long encoders); errors; and captureUnitMajor
// feeding the moment kernel. Runs inside validation error scopes; skips without an adapter.
//
// The tile sweeps are one test per tile configuration: llvmpipe compiles each pipeline with LLVM
// at its first dispatch, about 1.6 s a pipeline on a loaded 2-core machine whose Mesa shader cache
// is empty (as in CI), and the 18 configurations need about 80 pipelines. As two tests over all
// configurations, conv and gemm took about 60 s each there and hit the 120 s limit when the
// machine was busier; one configuration per test keeps every test to a few of those compiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan, PlanTensor, Step, StepBody } from '../../src/forward/plan.js';
import { binary, concat, conv2d, conv2dOutputShape, gemm, globalAvgPool, matmul, matmulOutputShape, pad, type RefTensor, softmax, transpose, unary } from '../../src/forward/reference/index.js';
import { captureUnitMajor, createWebGpuKernels, type GpuTensor, type WebGpuKernelOptions, type WebGpuKernels } from '../../src/forward/webgpu/kernels.js';
import { gemmTile, GPU_MIN_WORKGROUPS, type ForwardTiles } from '../../src/forward/webgpu/tiles.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { createWebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { Rng } from '../helpers/rng.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { expectClose } from './harness.js';

const { available, maxInvocationsPerWorkgroup } = await webgpuAvailability();

/** Every tile configuration the device allows (the limits are the ones acquireGpu asks for). */
const tileConfigs: Partial<ForwardTiles>[] = [];
for (const gemmThreads of [64, 128, 256]) {
  if (gemmThreads > maxInvocationsPerWorkgroup) continue;
  for (const tileK of [8, 16, 32]) for (const registers of [4, 8]) tileConfigs.push({ gemmThreads, tileK, registers });
}
const tilesName = (t: Partial<ForwardTiles>) => `${t.gemmThreads} threads, tileK ${t.tileK}, ${t.registers} registers`;

/** `make()` on first use, then the same value: inputs and reference outputs shared by every tile configuration. */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

const rng = new Rng(2024);
function rand(...shape: number[]): RefTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { shape, data };
}

/** A plan of one step reading tensors 0..k-1 and writing tensor k of `outShape`. */
function oneStep(body: StepBody, shapes: number[][], outShape: number[]): { plan: ExecutionPlan; step: Step } {
  const tensors: PlanTensor[] = shapes.map((shape, id) => ({ id, name: `in${id}`, shape }));
  tensors.push({ id: shapes.length, name: 'out', shape: outShape });
  const step = { ...body, inputs: shapes.map((_, i) => i), output: shapes.length, node: 'n0', opType: 'Op' } as Step;
  return { plan: { tensors, input: 0, outputs: [shapes.length], steps: [step], batch: shapes[0][0] ?? 1 }, step };
}

async function runOne(k: WebGpuKernels, body: StepBody, inputs: RefTensor[], outShape: number[]): Promise<Float32Array> {
  const { plan, step } = oneStep(body, inputs.map((t) => t.shape), outShape);
  const handles = inputs.map((t) => k.upload(t.data, t.shape));
  const out = k.alloc(outShape);
  try {
    k.run(step, plan, handles, out);
    return await k.read(out);
  } finally {
    for (const h of [...handles, out]) k.free(h);
  }
}

describe.runIf(available)('WebGPU forward kernels (direct)', () => {
  let gpu: GpuContext;
  const all: WebGpuKernels[] = [];
  const kernels = (options: WebGpuKernelOptions = {}) => {
    const k = createWebGpuKernels(gpu, options);
    all.push(k);
    return k;
  };
  beforeAll(async () => {
    gpu = (await acquireGpu({ allowSoftware: true }))!;
  });
  afterAll(async () => {
    for (const k of all) await k.dispose();
    gpu?.release();
  });
  const scoped = <T>(fn: () => Promise<T>) => withGpuErrorScope(gpu.device, fn);

  it('picks GEMM tiles within the limits and narrows them for few rows or columns', () => {
    const k = kernels();
    const limits = gpu.device.limits;
    expect(k.tiles.gemmThreads).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
    for (const registers of [4, 8]) {
      const tiles = { ...k.tiles, registers, minWorkgroups: GPU_MIN_WORKGROUPS };
      for (const [rows, cols] of [[6, 5000], [20, 36864], [50, 4096], [64, 500], [500, 9], [1, 1], [3000, 3000]]) {
        const t = gemmTile(tiles, rows, cols, limits.maxComputeWorkgroupStorageSize);
        const threads = (t.tm / t.rm) * (t.tn / t.rn);
        expect(threads).toBeLessThanOrEqual(tiles.gemmThreads);
        expect(threads % (t.tn / 4)).toBe(0); // the conv loader's assumption
        expect(t.tk * (t.tm + t.tn + 8) * 4).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
        expect(t.tm).toBe(rows <= 16 ? 16 : rows <= 32 ? 32 : 64);
        expect(t.rm).toBeLessThanOrEqual(registers);
        expect(t.tn).toBeLessThanOrEqual(Math.max(16, 2 ** Math.ceil(Math.log2(cols))));
        // Large layers get the biggest register blocks and still many workgroups.
        if (rows * cols >= 3000 * 3000) expect([t.rm, t.rn]).toEqual([registers, registers]);
        if (rows * cols >= 3000 * 3000) expect(Math.ceil(rows / t.tm) * Math.ceil(cols / t.tn)).toBeGreaterThanOrEqual(GPU_MIN_WORKGROUPS);
      }
    }
  });

  const convCases: { name: string; x: number[]; w: number[]; bias: boolean; group: number; strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] }[] = [
    // 70 output channels: two channel tiles of 64 (second one mostly padding); 9*9*2 = 162 pixels.
    { name: '3x3 pads 1, 70 channels', x: [2, 5, 9, 9], w: [70, 5, 3, 3], bias: true, group: 1, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] },
    // K = 7*5*3 = 105, not a multiple of 8/16/32; stride and asymmetric pads.
    { name: '5x3 stride 2x3, asymmetric pads', x: [3, 7, 13, 11], w: [17, 7, 5, 3], bias: false, group: 1, strides: [2, 3], pads: [2, 0, 1, 2], dilations: [1, 1] },
    { name: 'grouped, dilated', x: [1, 6, 15, 14], w: [9, 2, 3, 2], bias: true, group: 3, strides: [1, 2], pads: [2, 1, 0, 3], dilations: [2, 3] },
    { name: 'depthwise', x: [2, 11, 10, 7], w: [11, 1, 3, 3], bias: true, group: 11, strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] },
    // 1x1: K = 33; 2*23*19 = 874 pixels, several pixel tiles plus a remainder.
    { name: '1x1', x: [2, 33, 23, 19], w: [37, 33, 1, 1], bias: true, group: 1, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
    // LeNet's conv1 (one input channel, K = 25).
    { name: 'LeNet conv1', x: [3, 1, 28, 28], w: [20, 1, 5, 5], bias: true, group: 1, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  ];

  const convChecks = once(() =>
    convCases.map((c) => {
      const x = rand(...c.x);
      const w = rand(...c.w);
      const b = c.bias ? rand(c.w[0]) : undefined;
      const p = { group: c.group, strides: c.strides, pads: c.pads, dilations: c.dilations };
      const body = { kind: 'conv', inputs: [], kernel: [c.w[2], c.w[3]], ...p } as unknown as StepBody;
      return { name: c.name, body, inputs: b ? [x, w, b] : [x, w], outShape: conv2dOutputShape(c.x, c.w, p), want: conv2d(x, w, b?.data, p).data };
    }),
  );

  for (const tiles of tileConfigs) {
    it(`computes conv at sizes that are not multiples of the tiles (${tilesName(tiles)})`, async () => {
      const k = kernels({ tiles });
      await scoped(async () => {
        for (const c of convChecks()) {
          const got = await runOne(k, c.body, c.inputs, c.outShape);
          expectClose(got, c.want, 1e-5, `conv ${c.name}, tiles ${JSON.stringify(tiles)}`);
        }
      });
    });
  }

  it('caches repacked weights per weight tensor and tile, and frees them with it', async () => {
    const k = kernels();
    await scoped(async () => {
      const w = rand(12, 4, 3, 3);
      const wt = k.upload(w.data, w.shape);
      const before = k.stats().liveBuffers;
      for (const n of [1, 5, 1]) {
        // Batch sizes that give different pixel tiles (and so possibly different tiles) over the same weights.
        const x = rand(n, 4, 6, 7);
        const p = { group: 1, strides: [1, 1] as [number, number], pads: [0, 0, 0, 0] as [number, number, number, number], dilations: [1, 1] as [number, number] };
        const outShape = conv2dOutputShape(x.shape, w.shape, p);
        const { plan, step } = oneStep({ kind: 'conv', inputs: [0, 1], kernel: [3, 3], ...p }, [x.shape, w.shape], outShape);
        const xt = k.upload(x.data, x.shape);
        const out = k.alloc(outShape);
        k.run(step, plan, [xt, wt], out);
        expectClose(await k.read(out), conv2d(x, w, undefined, p).data, 1e-5, `conv batch ${n}`);
        k.free(xt);
        k.free(out);
      }
      // One packed copy per tile shape was made (buffers are pooled, so the count only grows by those).
      expect(k.stats().liveBuffers).toBeGreaterThan(before);
      k.free(wt);
      expect(() => k.free(wt)).toThrow(/freed twice/);
    });
  });

  const gemmChecks = once(() => {
    const checks: { name: string; body: StepBody; inputs: RefTensor[]; outShape: number[]; want: Float32Array }[] = [];
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const [m, kk, n] = [67, 37, 129];
      const a = rand(...(transA ? [kk, m] : [m, kk]));
      const b = rand(...(transB ? [n, kk] : [kk, n]));
      const c = rand(m, 1);
      const p = { alpha: 0.75, beta: -1.5, transA, transB };
      checks.push({ name: `gemm ${transA} ${transB}`, body: { kind: 'gemm', inputs: [], ...p } as unknown as StepBody, inputs: [a, b, c], outShape: [m, n], want: gemm(a, b, c, p).data });
    }
    for (const [as, bs] of [
      [[3, 1, 5, 19], [4, 19, 6]],
      [[2, 3, 17, 9], [9, 21]],
      [[7, 33], [2, 2, 33, 5]],
    ]) {
      const a = rand(...as);
      const b = rand(...bs);
      const body = { kind: 'matmul', inputs: [] } as unknown as StepBody;
      checks.push({ name: `matmul ${JSON.stringify(as)} x ${JSON.stringify(bs)}`, body, inputs: [a, b], outShape: matmulOutputShape(as, bs), want: matmul(a, b).data });
    }
    return checks;
  });

  for (const tiles of tileConfigs) {
    it(`computes gemm and batched matmul at awkward sizes (${tilesName(tiles)})`, async () => {
      const k = kernels({ tiles });
      await scoped(async () => {
        for (const c of gemmChecks()) {
          const got = await runOne(k, c.body, c.inputs, c.outShape);
          expectClose(got, c.want, 1e-5, `${c.name}, tiles ${JSON.stringify(tiles)}`);
        }
      });
    });
  }

  it('reduces rows longer than a workgroup (softmax, global average pool)', async () => {
    const k = kernels();
    await scoped(async () => {
      // 1000 classes, 3 rows per outer index, values spread enough for exp to matter.
      const x = rand(2, 1000, 3);
      for (let i = 0; i < x.data.length; i++) x.data[i] *= 4;
      const view = { outer: 2, axis: 1000, inner: 3 };
      expectClose(await runOne(k, { kind: 'softmax', inputs: [0], ...view }, [x], x.shape), softmax(x, view).data, 1e-5, 'softmax');
      const planes = rand(3, 5, 33, 35);
      expectClose(await runOne(k, { kind: 'globalavgpool', inputs: [0] }, [planes], [3, 5, 1, 1]), globalAvgPool(planes).data, 1e-5, 'globalavgpool');
    });
  });

  it('moves data through the strided copy and pad kernels over many axes', async () => {
    const k = kernels();
    await scoped(async () => {
      const x = rand(2, 3, 1, 5, 4, 3);
      const perm = [4, 0, 5, 2, 1, 3];
      const t = transpose(x, perm);
      expectClose(await runOne(k, { kind: 'transpose', inputs: [0], perm }, [x], t.shape), t.data, 0, 'transpose');
      const y = rand(2, 3, 1, 2, 4, 3);
      const c = concat([x, y, x], 3);
      expectClose(await runOne(k, { kind: 'concat', inputs: [0, 1, 2], axis: 3 }, [x, y, x], c.shape), c.data, 0, 'concat');
      for (const mode of ['constant', 'reflect', 'edge'] as const) {
        const pads = [1, 0, 0, 2, 1, 0, 0, 2, 1, 3, 2, 1];
        const p = pad(x, pads, mode, 0.5);
        expectClose(await runOne(k, { kind: 'pad', inputs: [0], mode, pads, value: 0.5 }, [x], p.shape), p.data, 0, `pad ${mode}`);
      }
      // Broadcasting over axes that do not merge: (2, 1, 5, 1, 3) * (3, 1, 4, 1).
      const a = rand(2, 1, 5, 1, 3);
      const b = rand(3, 1, 4, 1);
      const m = binary('mul', a, b);
      expectClose(await runOne(k, { kind: 'binary', inputs: [0, 1], fn: 'mul' }, [a, b], m.shape), m.data, 0, 'broadcast mul');
    });
  });

  it('keeps results right when a freed buffer is uploaded into while work reading it is pending', async () => {
    const k = kernels();
    await scoped(async () => {
      const x = rand(4, 1000);
      const relu = { kind: 'unary', inputs: [0], fn: 'relu', alpha: 0, min: -Infinity, max: Infinity } as const;
      const { plan, step } = oneStep(relu, [x.shape], x.shape);
      const xt = k.upload(x.data, x.shape);
      const out = k.alloc(x.shape);
      k.run(step, plan, [xt], out); // encoded, not submitted
      const oldBuffer = xt.buffer;
      k.free(xt);
      const other = new Float32Array(x.data.length).fill(-7);
      const reused = k.upload(other, x.shape);
      // The pool hands the same buffer out again; the relu must still see the old values.
      expect(reused.buffer).toBe(oldBuffer);
      expectClose(await k.read(out), unary(x, { fn: 'relu' }).data, 0, 'relu of the old contents');
      expect(Array.from((await k.read(reused)).slice(0, 3))).toEqual([-7, -7, -7]);
      k.free(out);
      k.free(reused);
    });
  });

  it('submits long chains in several batches with correct uniforms', async () => {
    // 3 commands per submit: 40 dependent steps span many submits and uniform-arena reuses.
    const k = kernels({ maxCommandsPerSubmit: 3 });
    await scoped(async () => {
      let host = rand(3, 50);
      let t: GpuTensor = k.upload(host.data, host.shape);
      const submitsBefore = k.stats().submits;
      for (let i = 0; i < 40; i++) {
        const lo = -2 + i * 0.05;
        const body = { kind: 'unary', inputs: [0], fn: 'clip', alpha: 0, min: lo, max: lo + 3 } as const;
        const { plan, step } = oneStep(body, [host.shape], host.shape);
        const out = k.alloc(host.shape);
        k.run(step, plan, [t], out);
        k.free(t);
        t = out;
        host = unary(host, { fn: 'clip', min: lo, max: lo + 3 });
      }
      expectClose(await k.read(t), host.data, 0, 'clip chain');
      expect(k.stats().submits - submitsBefore).toBeGreaterThanOrEqual(13);
      k.free(t);
    });
  });

  it('names shapes and limits in its errors', async () => {
    const k = kernels();
    const huge = Math.ceil(k.maxTensorBytes / 4) + 1;
    expect(() => k.alloc([huge])).toThrow(/exceeds the device's storage binding limit .* use smaller batches/);
    expect(() => k.upload(new Float32Array(3), [2, 2])).toThrow(/upload of 3 values for shape \[2, 2\]/);
    const x = rand(1, 2, 5, 5);
    const w = rand(3, 2, 3, 3);
    const { plan, step } = oneStep({ kind: 'conv', inputs: [0, 1], group: 1, kernel: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] }, [x.shape, w.shape], [1, 3, 4, 3]);
    const inputs = [k.upload(x.data, x.shape), k.upload(w.data, w.shape)];
    const out = k.alloc([1, 3, 4, 3]);
    expect(() => k.run(step, plan, inputs, out)).toThrow(/conv n0: .* do not give y \[1, 3, 4, 3\]/);
    for (const t of [...inputs, out]) k.free(t);
  });

  describe('captureUnitMajor', () => {
    it('writes (N, C, H, W) and (N, C) tensors into rows of a unit-major buffer', async () => {
      const k = kernels();
      await scoped(async () => {
        const a = rand(3, 5, 4, 7); // 5 units, 84 samples
        const b = rand(84, 6); // 6 units, 84 samples: a (N, C) tensor
        const rowLength = 200;
        const rows = 13;
        const dst = gpu.device.createBuffer({ label: 'test: unit-major', size: rows * rowLength * 4, usage: 0x80 | 0x04 | 0x08 });
        try {
          // Something recognisable everywhere else, to check that nothing else is written.
          const fill = new Float32Array(rows * rowLength).fill(-99);
          gpu.device.queue.writeBuffer(dst, 0, fill);
          const ta = k.upload(a.data, a.shape);
          const tb = k.upload(b.data, b.shape);
          captureUnitMajor(k, ta, a.shape, dst, 1, rowLength, 10);
          // The same (N, C, H, W) tensor viewed as flattened (N, C*H*W) would be other units; here b.
          captureUnitMajor(k, tb, b.shape, dst, 7, rowLength, 100);
          k.free(ta);
          k.free(tb);
          const readback = gpu.device.createBuffer({ label: 'test: readback', size: dst.size, usage: 0x01 | 0x08 });
          const enc = gpu.device.createCommandEncoder();
          enc.copyBufferToBuffer(dst, 0, readback, 0, dst.size);
          gpu.device.queue.submit([enc.finish()]);
          await readback.mapAsync(0x01);
          const got = new Float32Array(readback.getMappedRange().slice(0));
          readback.destroy();
          const want = fill.slice();
          for (let n = 0; n < 3; n++) for (let c = 0; c < 5; c++) for (let s = 0; s < 28; s++) want[(1 + c) * rowLength + 10 + n * 28 + s] = a.data[(n * 5 + c) * 28 + s];
          for (let n = 0; n < 84; n++) for (let c = 0; c < 6; c++) want[(7 + c) * rowLength + 100 + n] = b.data[n * 6 + c];
          expect(got).toEqual(want);
        } finally {
          dst.destroy();
        }
      });
    });

    it('feeds batchMomentsFromBuffer without reading activations back, batch after batch', async () => {
      const k = kernels();
      const moments = createWebGpuMomentKernel(gpu);
      await scoped(async () => {
        const units = 7;
        const batches = [rand(4, units, 3, 5), rand(2, units, 3, 5)];
        const samples = batches.reduce((s, t) => s + t.shape[0] * 15, 0);
        const dst = gpu.device.createBuffer({ label: 'test: activations', size: units * samples * 4, usage: 0x80 | 0x04 | 0x08 });
        try {
          let offset = 0;
          const host = new Float32Array(units * samples);
          for (const t of batches) {
            const handle = k.upload(t.data, t.shape);
            captureUnitMajor(k, handle, t.shape, dst, 0, samples, offset);
            k.free(handle);
            const per = t.shape[0] * 15;
            for (let n = 0; n < t.shape[0]; n++) for (let c = 0; c < units; c++) for (let s = 0; s < 15; s++) host[c * samples + offset + n * 15 + s] = t.data[(n * units + c) * 15 + s];
            offset += per;
          }
          const got = await moments.batchMomentsFromBuffer(dst, units, samples);
          const want = batchMomentsReference(host, units, samples);
          for (let i = 0; i < units; i++) expect(got.mean[i]).toBeCloseTo(want.mean[i], 5);
          for (let i = 0; i < units * units; i++) expect(Math.abs(got.m2[i] - want.m2[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.m2[i])));
        } finally {
          dst.destroy();
          await moments.dispose();
        }
      });
    });

    it('refuses shapes and offsets that do not fit', () => {
      const k = kernels();
      const t = k.upload(new Float32Array(2 * 3 * 4), [2, 3, 4]);
      const dst = gpu.device.createBuffer({ label: 'test: small', size: 3 * 16 * 4, usage: 0x80 });
      try {
        expect(() => captureUnitMajor(k, t, [2, 3, 4], dst, 0, 7, 0)).toThrow(/samples 0\.\.8 overflow rows of 7/);
        expect(() => captureUnitMajor(k, t, [2, 3, 4], dst, 1, 16, 0)).toThrow(/rows 1\.\.4 of 16 floats overflow the buffer of 192 bytes/);
        expect(() => captureUnitMajor(k, t, [12, 2], dst, 0, 16, 0)).not.toThrow();
        expect(() => captureUnitMajor(k, t, [5, 3], dst, 0, 16, 0)).toThrow(/has 24 values, not 15/);
      } finally {
        dst.destroy();
        k.free(t);
      }
    });
  });
});
