// The WebGPU trainer. The forward pass runs on the forward backend's kernels
// (createWebGpuKernels: its conv, unary, maxpool and gemm shaders, through OpKernels.run) over an
// ExecutionPlan of the net (src/train/webgpu-forward.ts); the loss, the backward pass and the SGD
// update run on shaders/train_*.wgsl. The data set is uploaded once; each step gathers its batch
// on the device from a per-epoch table of (item, label) pairs.
//
// Per step: (1) the step's uniform block is written; (2) an encoder with the gather dispatch is
// submitted; (3) the forward steps are encoded by the forward kernels and flushed; (4) an encoder
// with the loss, every layer's backward dispatches and the SGD updates is submitted. Queue order
// makes each stage see the previous one. Each step's summed loss lands in losses[step]; the host
// reads them once an epoch. Nothing uses atomics and every reduction has a fixed order, so a seed
// gives the same weights on the same device every time.
//
// Pieces: webgpu-buffers.ts (every buffer), webgpu-passes.ts (the training dispatches),
// webgpu-forward.ts (the forward pass as a plan); this file runs steps, epochs and evaluation.
import { createWebGpuKernels, type GpuTensor, type WebGpuKernels } from '../forward/webgpu/kernels.js';
import { createBuffer, readBuffer } from '../gpu/buffers.js';
import { gpuLabel } from '../gpu/labels.js';
import { USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_STORAGE } from '../gpu/usage.js';
import type { GpuContext } from '../platform/webgpu.js';
import type { NetSpec } from './model.js';
import type { CoreHyper } from './wasm-core.js';
import { KERNEL, TrainBuffers } from './webgpu-buffers.js';
import { forwardPlan, type ForwardPlan } from './webgpu-forward.js';
import { type TrainDispatch, backwardDispatches, encodeDispatches, gatherAndLoss, sgdDispatches } from './webgpu-passes.js';

export interface WebGpuTrainer {
  readonly maxBatch: number;
  setParams(params: Float32Array): void;
  getParams(): Promise<Float32Array>;
  setVelocity(v: Float32Array): void;
  getVelocity(): Promise<Float32Array>;
  step(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number, hyper: CoreHyper): Promise<number>;
  gradient(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number): Promise<{ loss: number; grad: Float32Array }>;
  epoch(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, batch: number, hyper: CoreHyper, onBatch?: (done: number) => void): Promise<number>;
  logits(images: Float32Array, begin: number, end: number): Promise<Float32Array>;
  evaluate(images: Float32Array, labels: ArrayLike<number>, begin: number, end: number): Promise<{ correct: number; lossSum: number; count: number }>;
  /** Waits for the forward kernels' reads in flight, then destroys every buffer. */
  dispose(): Promise<void>;
}

/** Steps between waits for the device (keeps the queue short and the progress honest). */
const SYNC_EVERY = 8;
const NO_UPDATE: CoreHyper = { lr: 0, momentum: 0, weightDecay: 0 };

/** Forward plans per batch size (the last batch of an epoch may be smaller), with tensor views on the trainer's buffers. */
function forwardPlans(spec: NetSpec, bufs: TrainBuffers): (n: number) => { fp: ForwardPlan; views: GpuTensor[] } {
  const plans = new Map<number, { fp: ForwardPlan; views: GpuTensor[] }>();
  return (n) => {
    let entry = plans.get(n);
    if (!entry) {
      const fp = forwardPlan(spec, n);
      const bufferOf = new Map<number, GPUBuffer>([[fp.input, bufs.input]]);
      fp.params.forEach((id, k) => bufferOf.set(id, bufs.params[k]));
      fp.layerOutput.forEach((id, i) => bufferOf.set(id, bufs.out[i]));
      fp.layerInput.forEach((id, i) => bufferOf.set(id, bufs.layerIn(i)));
      const views = fp.plan.tensors.map((t) => ({ buffer: bufferOf.get(t.id)!, shape: t.shape, size: t.shape.reduce((a, b) => a * b, 1) }));
      entry = { fp, views };
      plans.set(n, entry);
    }
    return entry;
  };
}

/** Accuracy and summed cross-entropy of logits rows against labels[begin ..]. */
function scoreLogits(logits: Float32Array, classes: number, labels: ArrayLike<number>, begin: number, count: number): { correct: number; lossSum: number; count: number } {
  let correct = 0;
  let lossSum = 0;
  for (let s = 0; s < count; s++) {
    const row = s * classes;
    let best = 0;
    let max = logits[row];
    for (let k = 1; k < classes; k++) {
      if (logits[row + k] > logits[row + best]) best = k;
      max = Math.max(max, logits[row + k]);
    }
    const label = labels[begin + s];
    if (best === label) correct++;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[row + k] - max);
    lossSum += Math.log(sum) + max - logits[row + label];
  }
  return { correct, lossSum, count };
}

export async function createWebGpuTrainer(gpu: GpuContext, spec: NetSpec, maxBatch: number): Promise<WebGpuTrainer> {
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new Error(`webgpu trainer: batch must be a positive integer, got ${maxBatch}`);
  const device = gpu.device;
  const kernels: WebGpuKernels = createWebGpuKernels(gpu);
  const { layers, classes } = spec;
  const L = layers.length;
  const bufs = new TrainBuffers(device, spec, maxBatch);
  const read = (src: GPUBuffer, bytes: number) => readBuffer(device, KERNEL, 'readback', src, bytes);

  // The gather and loss dispatches read the data set, pairs and losses: rebound when those grow.
  const lossDims = {
    gather: bufs.uniform('train_gather', 1, 'gather dims', { size: layers[0].inSize }),
    xent: bufs.uniform('train_xent', 1, 'xent dims', { classes }),
  };
  let gatherLoss = gatherAndLoss(device, spec, bufs, lossDims);
  bufs.onRegrow = () => (gatherLoss = gatherAndLoss(device, spec, bufs, lossDims));
  const gather = (): TrainDispatch => gatherLoss.gather!;
  const backward = backwardDispatches(device, spec, bufs);
  const sgd = sgdDispatches(device, spec, bufs);
  const planFor = forwardPlans(spec, bufs);

  const checkItems = (data: Float32Array, item: number) => {
    if (!(item >= 0 && (item + 1) * layers[0].inSize <= data.length)) throw new Error(`webgpu trainer: sample ${item} is outside the ${data.length / layers[0].inSize} images`);
  };
  const checkBatch = (n: number) => {
    if (!(Number.isInteger(n) && n >= 1 && n <= maxBatch)) throw new Error(`webgpu trainer: batch of ${n} samples, expected 1..${maxBatch}`);
  };
  const orderPairs = (labels: ArrayLike<number>, order: ArrayLike<number>, start: number, count: number, data: Float32Array) => {
    for (let j = 0; j < count; j++) checkItems(data, order[start + j]);
    bufs.writePairs(count, (j) => order[start + j], (j) => labels[order[start + j]]);
  };

  const forward = (n: number) => {
    const { fp, views } = planFor(n);
    for (const s of fp.steps) kernels.run(s, fp.plan, s.inputs.map((id) => views[id]), views[s.output]);
    kernels.flush();
  };
  /** One step at pairs[start .. start + n): gather, forward, loss, backward, and the update. */
  const runStep = (start: number, n: number, step: number, h: CoreHyper, update: boolean) => {
    bufs.writeStep(start, n, step, h);
    device.queue.submit([encodeDispatches(device, [gather()], n)]);
    forward(n);
    device.queue.submit([encodeDispatches(device, update ? [gatherLoss.xent, ...backward, ...sgd] : [gatherLoss.xent, ...backward], n)]);
  };
  const stepLoss = async (n: number) => new Float32Array(await read(bufs.losses, 4))[0] / n;

  const readTensors = async (list: GPUBuffer[]): Promise<Float32Array> => {
    const out = new Float32Array(spec.paramCount);
    for (let k = 0; k < spec.params.length; k++) out.set(new Float32Array(await read(list[k], 4 * spec.params[k].size)), spec.params[k].offset);
    return out;
  };
  const writeTensors = (list: GPUBuffer[], values: Float32Array, what: string) => {
    if (values.length !== spec.paramCount) throw new Error(`webgpu trainer: ${values.length} ${what} given, the net has ${spec.paramCount}`);
    spec.params.forEach((p, k) => device.queue.writeBuffer(list[k], 0, values.buffer, values.byteOffset + 4 * p.offset, 4 * p.size));
  };

  /** Logits of items begin .. end - 1 (in batches), read back once. */
  const forwardRange = async (data: Float32Array, labels: ArrayLike<number> | null, begin: number, end: number): Promise<Float32Array> => {
    bufs.ensureImages(data);
    const count = end - begin;
    for (let j = 0; j < count; j++) checkItems(data, begin + j);
    bufs.writePairs(count, (j) => begin + j, (j) => (labels ? labels[begin + j] : 0));
    const all = createBuffer(device, KERNEL, 'logits', 4 * count * classes, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST);
    try {
      for (let start = 0; start < count; start += maxBatch) {
        const n = Math.min(maxBatch, count - start);
        bufs.writeStep(start, n, 0, NO_UPDATE);
        device.queue.submit([encodeDispatches(device, [gather()], n)]);
        forward(n);
        const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'logits') });
        encoder.copyBufferToBuffer(bufs.out[L - 1], 0, all, 4 * start * classes, 4 * n * classes);
        device.queue.submit([encoder.finish()]);
      }
      return new Float32Array(await read(all, 4 * count * classes));
    } finally {
      all.destroy();
    }
  };

  return {
    maxBatch,
    setParams(p) {
      writeTensors(bufs.params, p, 'parameters');
      for (const v of bufs.velocities) device.queue.writeBuffer(v, 0, new Float32Array(v.size / 4));
    },
    getParams: () => readTensors(bufs.params),
    setVelocity(v) {
      writeTensors(bufs.velocities, v, 'velocities');
    },
    getVelocity: () => readTensors(bufs.velocities),
    async step(data, labels, order, start, n, h) {
      checkBatch(n);
      bufs.ensureImages(data);
      orderPairs(labels, order, start, n, data);
      runStep(0, n, 0, h, true);
      return stepLoss(n);
    },
    async gradient(data, labels, order, start, n) {
      checkBatch(n);
      bufs.ensureImages(data);
      orderPairs(labels, order, start, n, data);
      runStep(0, n, 0, NO_UPDATE, false);
      const loss = await stepLoss(n);
      return { loss, grad: await readTensors(bufs.grads) };
    },
    async epoch(data, labels, order, batch, h, onBatch) {
      checkBatch(batch);
      bufs.ensureImages(data);
      const steps = Math.ceil(order.length / batch);
      bufs.ensureLosses(steps);
      orderPairs(labels, order, 0, order.length, data);
      const lrEnd = h.lrEnd ?? h.lr;
      for (let k = 0; k < steps; k++) {
        const start = k * batch;
        const n = Math.min(batch, order.length - start);
        const lr = h.lr + (lrEnd - h.lr) * (start / order.length);
        runStep(start, n, k, { lr, momentum: h.momentum, weightDecay: h.weightDecay }, true);
        if ((k + 1) % SYNC_EVERY === 0 || k === steps - 1) {
          await device.queue.onSubmittedWorkDone();
          onBatch?.(start + n);
        }
      }
      const stepLosses = new Float32Array(await read(bufs.losses, 4 * steps));
      let sum = 0;
      for (let k = 0; k < steps; k++) sum += stepLosses[k];
      return sum / order.length;
    },
    logits: (data, begin, end) => forwardRange(data, null, begin, end),
    async evaluate(data, labels, begin, end) {
      const logits = await forwardRange(data, labels, begin, end);
      return scoreLogits(logits, classes, labels, begin, end - begin);
    },
    async dispose() {
      await kernels.dispose();
      bufs.destroy();
    },
  };
}
