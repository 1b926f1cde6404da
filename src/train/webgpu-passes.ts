// The WebGPU trainer's own dispatches (shaders/train_*.wgsl): the batch gather, the loss, every
// layer's backward pass (last layer first) and the SGD updates, each with its bind group made
// once, and the encoding of a list of them for a batch of n samples.
import { bindGroup } from '../gpu/buffers.js';
import { gpuLabel } from '../gpu/labels.js';
import { computePipeline } from '../gpu/pipelines.js';
import { grid } from '../gpu/workgroups.js';
import type { NetSpec } from './model.js';
import { KERNEL, type TrainBuffers } from './webgpu-buffers.js';

/** Invocations per workgroup of every training shader. */
const WG = 64;

export interface TrainDispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Workgroups for a batch of n samples. */
  groups(n: number): number;
}

/** Workgroups covering count(n) invocations. */
const threads = (count: (n: number) => number) => (n: number) => Math.ceil(count(n) / WG);

export function trainDispatch(device: GPUDevice, shaderName: string, buffers: GPUBuffer[], groups: (n: number) => number, entryPoint = 'main'): TrainDispatch {
  const pipeline = computePipeline(device, { kernel: KERNEL, shader: shaderName, entryPoint });
  return { pipeline, bindGroup: bindGroup(device, KERNEL, entryPoint === 'main' ? shaderName : `${shaderName}.${entryPoint}`, pipeline, buffers), groups };
}

/** The gather (data set -> input) and loss dispatches: rebuilt whenever the buffers they read regrow. */
export function gatherAndLoss(device: GPUDevice, spec: NetSpec, bufs: TrainBuffers, dims: { gather: GPUBuffer; xent: GPUBuffer }): { gather?: TrainDispatch; xent: TrainDispatch } {
  const L = spec.layers.length;
  const inSize = spec.layers[0].inSize;
  const gather = bufs.images ? trainDispatch(device, 'train_gather', [bufs.step, dims.gather, bufs.images.buffer, bufs.pairs, bufs.input], threads((n) => n * inSize)) : undefined;
  const xent = trainDispatch(device, 'train_xent', [bufs.step, dims.xent, bufs.out[L - 1], bufs.pairs, bufs.dOut[L - 1], bufs.losses], () => 1);
  return { gather, xent };
}

/** Every layer's backward dispatches, last layer first. */
export function backwardDispatches(device: GPUDevice, spec: NetSpec, bufs: TrainBuffers): TrainDispatch[] {
  const paramIndex = new Map(spec.params.map((p, i) => [p.name, i]));
  const index = (name: string) => paramIndex.get(name)!;
  const { dOut, params, grads, step } = bufs;
  const list: TrainDispatch[] = [];
  const push = (shaderName: string, buffers: GPUBuffer[], groups: (n: number) => number, entryPoint?: string) => list.push(trainDispatch(device, shaderName, buffers, groups, entryPoint));
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const l = spec.layers[i];
    const x = bufs.layerIn(i);
    if (l.kind === 'conv') {
      const [C, H, W] = l.inShape;
      const [M, OH, OW] = l.outShape;
      const dims = bufs.uniform('train_conv_backward_weight', 1, `${l.name} dims`, { C, H, W, M, OH, OW, k: l.kernel, stride: l.stride, pad: l.pad });
      const [w, b] = [index(l.weight.name), index(l.bias.name)];
      push('train_conv_backward_weight', [step, dims, x, dOut[i], grads[w]], () => l.weight.size);
      push('train_bias_backward', [step, bufs.uniform('train_bias_backward', 1, `${l.name} bias dims`, { M, P: OH * OW }), dOut[i], grads[b]], () => M);
      if (i > 0) push('train_conv_backward_input', [step, dims, params[w], dOut[i], dOut[i - 1]], threads((n) => n * l.inSize));
    } else if (l.kind === 'relu') {
      push('train_relu_backward', [step, bufs.uniform('train_relu_backward', 1, `${l.name} dims`, { size: l.outSize }), bufs.out[i], dOut[i]], threads((n) => n * l.outSize));
    } else if (l.kind === 'maxpool') {
      const [C, H, W] = l.inShape;
      const [, OH, OW] = l.outShape;
      const dims = bufs.uniform('train_maxpool_backward', 1, `${l.name} dims`, { C, H, W, OH, OW, k: l.kernel, stride: l.stride });
      if (i > 0) push('train_maxpool_backward', [step, dims, x, dOut[i], dOut[i - 1]], threads((n) => n * l.inSize));
    } else {
      const dims = bufs.uniform('train_fc_backward', 1, `${l.name} dims`, { I: l.inSize, O: l.outSize });
      const [w, b] = [index(l.weight.name), index(l.bias.name)];
      push('train_fc_backward', [step, dims, x, dOut[i], grads[w]], threads(() => l.weight.size), 'weight');
      push('train_bias_backward', [step, bufs.uniform('train_bias_backward', 1, `${l.name} bias dims`, { M: l.outSize, P: 1 }), dOut[i], grads[b]], () => l.outSize);
      if (i > 0) push('train_fc_backward', [step, dims, params[w], dOut[i], dOut[i - 1]], threads((n) => n * l.inSize), 'input');
    }
  }
  return list;
}

/** One SGD update per parameter tensor. */
export function sgdDispatches(device: GPUDevice, spec: NetSpec, bufs: TrainBuffers): TrainDispatch[] {
  return spec.params.map((p, k) =>
    trainDispatch(device, 'train_sgd', [bufs.step, bufs.uniform('train_sgd', 1, `${p.name} count`, { count: p.size }), bufs.params[k], bufs.grads[k], bufs.velocities[k]], threads(() => p.size)),
  );
}

/** The dispatches of `list` for a batch of n samples, in order, in one compute pass. */
export function encodeDispatches(device: GPUDevice, list: TrainDispatch[], n: number): GPUCommandBuffer {
  const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
  const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'step') });
  const pass = encoder.beginComputePass({ label: gpuLabel(KERNEL, 'passes') });
  for (const d of list) {
    const [x, y] = grid(Math.max(1, d.groups(n)), maxPerDim);
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(x, y, 1);
  }
  pass.end();
  return encoder.finish();
}
