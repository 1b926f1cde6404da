// The one WebGPU host (src/gpu/): uniforms packed by name from the shaders' own structs,
// pipelines cached by compile-time facts, and a label naming its kernel on every GPU object the
// moment, joint-histogram, forward and training kernels create.
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuKernels } from '../../src/forward/webgpu/kernels.js';
import { computePipeline, pipelineKey } from '../../src/gpu/pipelines.js';
import { packUniforms, uniformLayout } from '../../src/gpu/uniforms.js';
import { createWebGpuJointHistogramKernel } from '../../src/kernels/joint-histogram/webgpu.js';
import { createWebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { acquireGpu, type GpuContext } from '../../src/platform/webgpu.js';
import { createWebGpuTrainer } from '../../src/train/webgpu-trainer.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { randomBatch, randomParams, smallNet } from '../train/nets.js';

const { available } = await webgpuAvailability();
const gpu: GpuContext | null = available ? await acquireGpu({ allowSoftware: true }) : null;
afterAll(() => gpu?.release());

describe('packUniforms', () => {
  it('puts each named value at its struct offset, arrays zero-filled, padding zeroed', () => {
    const words = packUniforms('forward_binary', 'add x', { count: 30, grid_x: 2, rank: 2, dims: [5, 6], strides_a: [6, 1], strides_b: [0, 1] });
    const layout = uniformLayout('forward_binary');
    expect(words.byteLength).toBe(layout.size);
    const at = (name: string) => layout.fields.find((f) => f.name === name)!.offset / 4;
    expect(words[at('count')]).toBe(30);
    expect(words[at('grid_x')]).toBe(2);
    expect(words[at('rank')]).toBe(2);
    expect([...words.subarray(at('dims'), at('dims') + 8)]).toEqual([5, 6, 0, 0, 0, 0, 0, 0]);
    expect([...words.subarray(at('strides_a'), at('strides_a') + 8)]).toEqual([6, 1, 0, 0, 0, 0, 0, 0]);
    expect([...words.subarray(at('strides_b'), at('strides_b') + 8)]).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(words[at('_pad0')]).toBe(0);
  });

  it('writes f32 and i32 fields as such', () => {
    const words = packUniforms('forward_pool', 'pool p', {
      count: 1, grid_x: 1, h: 1, w: 1, oh: 1, ow: 1, kh: 1, kw: 1, sh: 1, sw: 1, pt: -1, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1, include_pad: 0,
    });
    expect(new Int32Array(words.buffer)[uniformLayout('forward_pool').fields.find((f) => f.name === 'pt')!.offset / 4]).toBe(-1);
    const unary = packUniforms('forward_unary', 'relu r', { count4: 1, grid_x: 1, alpha: 0.25, lo: -1.5, hi: 6 });
    const f = new Float32Array(unary.buffer);
    expect([f[2], f[3], f[4]]).toEqual([0.25, -1.5, 6]);
  });

  it('refuses values outside the shader arithmetic, unknown and missing fields, naming the kernel', () => {
    const ok = { rows: 1, axis: 1, inner: 1, grid_x: 1 };
    expect(() => packUniforms('forward_softmax', 'softmax s', { ...ok, rows: 2 ** 32 })).toThrow("softmax s: 4294967296 does not fit the kernel's u32 arithmetic");
    expect(() => packUniforms('forward_softmax', 'softmax s', { ...ok, rows: -1 })).toThrow("softmax s: -1 does not fit the kernel's u32 arithmetic");
    expect(() => packUniforms('forward_softmax', 'softmax s', { ...ok, extra: 1 } as typeof ok)).toThrow('softmax s: struct Params of forward_softmax has no field extra');
    const { rows: _, ...missing } = ok;
    expect(() => packUniforms('forward_softmax', 'softmax s', missing as typeof ok)).toThrow('softmax s: no value for rows of struct Params (forward_softmax)');
    expect(() => packUniforms('forward_binary', 'add x', { count: 1, grid_x: 1, rank: 9, dims: new Array(9).fill(1), strides_a: [], strides_b: [] })).toThrow(
      'add x: 9 values for dims, which holds 8',
    );
  });

  it('reads the second uniform binding of the training shaders', () => {
    const words = packUniforms('train_conv_backward_weight', 'conv dims', { C: 2, H: 3, W: 4, M: 5, OH: 6, OW: 7, k: 3, stride: 2, pad: 1 }, 1);
    expect([...words]).toEqual([2, 3, 4, 5, 6, 7, 3, 2, 1, 0, 0, 0]);
  });
});

describe('pipeline cache', () => {
  it('keys pipelines by shader, entry point and constants in a canonical order', () => {
    expect(pipelineKey({ kernel: 'a', shader: 'forward_unary', constants: { WG: 64, FN: 1 } })).toBe(pipelineKey({ kernel: 'b', shader: 'forward_unary', constants: { FN: 1, WG: 64 } }));
    expect(pipelineKey({ kernel: 'a', shader: 'train_fc_backward', entryPoint: 'weight' })).toBe('train_fc_backward.weight()');
  });

  it.skipIf(!gpu)('compiles a shader once per device and set of constants', () => {
    const device = gpu!.device;
    const a = computePipeline(device, { kernel: 'test', shader: 'forward_unary', constants: { WG: 64, FN: 0 } });
    const b = computePipeline(device, { kernel: 'other', shader: 'forward_unary', constants: { FN: 0, WG: 64 } });
    const c = computePipeline(device, { kernel: 'test', shader: 'forward_unary', constants: { WG: 64, FN: 1 } });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});

/** A device that records the label of everything created through it. */
function recordingDevice(device: GPUDevice, labels: string[]): GPUDevice {
  return new Proxy(device, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (typeof key === 'string' && key.startsWith('create')) {
        return (...args: [{ label?: string }?]) => {
          labels.push(`${key} ${args[0]?.label ?? '(no label)'}`);
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

describe.skipIf(!gpu)('labels', () => {
  it('every buffer, bind group, pipeline, shader module and encoder names its kernel', async () => {
    const labels: string[] = [];
    const ctx: GpuContext = { ...gpu!, device: recordingDevice(gpu!.device, labels) };

    const moments = createWebGpuMomentKernel(ctx, { maxChunkSamples: 37 });
    await moments.batchMoments(new Float32Array(5 * 70).map((_, i) => Math.sin(i)), 5, 70);
    await moments.dispose();

    const spec = { bins: 3, units: [3, 2], edges: [new Float64Array(6).fill(0.5), new Float64Array(4).fill(0.5)], pairs: [[0, 1]] as [number, number][] };
    const histograms = await createWebGpuJointHistogramKernel(ctx, spec);
    await histograms.add([new Float32Array(3 * 9), new Float32Array(2 * 9)], 9);
    await histograms.counts();
    await histograms.dispose();

    const forward = createWebGpuKernels(ctx);
    const x = forward.upload(new Float32Array([1, -2, 3]), [3]);
    const y = forward.alloc([3]);
    const plan = { tensors: [{ id: 0, name: 'x', shape: [3] }, { id: 1, name: 'y', shape: [3] }], input: 0, outputs: [1], steps: [], batch: 1 };
    forward.run({ kind: 'unary', opType: 'Relu', node: 'relu1', inputs: [0], output: 1, fn: 'relu', alpha: 0, min: -Infinity, max: Infinity }, plan, [x], y);
    expect([...(await forward.read(y))]).toEqual([1, 0, 3]);
    await forward.dispose();

    const net = smallNet();
    const trainer = await createWebGpuTrainer(ctx, net, 3);
    const { images, labels: classes } = randomBatch(net, 3, 5);
    trainer.setParams(randomParams(net, 6));
    await trainer.step(images, classes, [0, 1, 2], 0, 3, { lr: 0.1, momentum: 0.9, weightDecay: 0 });
    await trainer.dispose();

    const kinds = new Set(labels.map((l) => l.split(' ')[0]));
    for (const kind of ['createBuffer', 'createBindGroup', 'createShaderModule', 'createCommandEncoder']) expect(kinds).toContain(kind);
    const unlabelled = labels.filter((l) => !/^create\w+ convergent\.(moments|joint-histogram|forward|train)\b/.test(l));
    expect(unlabelled).toEqual([]);
  });
});
