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
// Buffers: one per parameter tensor (the forward kernels bind whole buffers) with its gradient
// and velocity; per layer an output and an output-gradient buffer sized for the largest batch
// (a ReLU's input gradient is its output gradient, updated in place).
import { grid, MAP_MODE_READ, roundUp, shader, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../kernels/webgpu-common.js';
import { createWebGpuKernels, type GpuTensor, type WebGpuKernels } from '../forward/webgpu/kernels.js';
import type { GpuContext } from '../platform/webgpu.js';
import type { NetSpec } from './model.js';
import type { CoreHyper } from './wasm-core.js';
import { forwardPlan, type ForwardPlan } from './webgpu-forward.js';

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

const STORAGE = USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST;
const WG = 64;
/** Steps between waits for the device (keeps the queue short and the progress honest). */
const SYNC_EVERY = 8;

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Workgroups for a batch of n samples. */
  groups(n: number): number;
}

export async function createWebGpuTrainer(gpu: GpuContext, spec: NetSpec, maxBatch: number): Promise<WebGpuTrainer> {
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new Error(`webgpu trainer: batch must be a positive integer, got ${maxBatch}`);
  const device = gpu.device;
  const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
  const maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const kernels: WebGpuKernels = createWebGpuKernels(gpu);
  const layers = spec.layers;
  const L = layers.length;
  const classes = spec.classes;
  const owned: GPUBuffer[] = [];

  const buffer = (floats: number, label: string, usage = STORAGE): GPUBuffer => {
    const size = Math.max(16, roundUp(4 * floats, 16));
    if (size > maxBinding) throw new Error(`webgpu trainer: ${label} needs ${size} bytes, more than the device binds (${maxBinding}); use a smaller --batch`);
    const b = device.createBuffer({ label: `convergent train: ${label}`, size, usage });
    owned.push(b);
    return b;
  };
  const uniform = (values: number[], label: string): GPUBuffer => {
    const b = buffer(Math.max(4, roundUp(values.length, 4)), label, USAGE_UNIFORM | USAGE_COPY_DST);
    device.queue.writeBuffer(b, 0, new Uint32Array(roundUp(Math.max(values.length, 4), 4)).map((_, i) => values[i] ?? 0));
    return b;
  };

  // Parameters, gradients, velocities: a buffer per tensor.
  const paramBuf = spec.params.map((p) => buffer(p.size, p.name));
  const gradBuf = spec.params.map((p) => buffer(p.size, `${p.name} gradient`));
  const velBuf = spec.params.map((p) => buffer(p.size, `${p.name} velocity`));
  const paramIndex = new Map(spec.params.map((p, i) => [p.name, i]));
  const input = buffer(maxBatch * layers[0].inSize, 'input');
  const out = layers.map((l) => buffer(maxBatch * l.outSize, `${l.name} output`));
  const dOut: GPUBuffer[] = new Array(L);
  dOut[L - 1] = buffer(maxBatch * classes, 'logits gradient');
  for (let i = L - 1; i > 0; i--) dOut[i - 1] = layers[i].kind === 'relu' ? dOut[i] : buffer(maxBatch * layers[i].inSize, `${layers[i - 1].name} output gradient`);
  const layerIn = (i: number) => (i === 0 ? input : out[i - 1]);
  // Step block: start, n, step, pad, lr, momentum, decay, scale.
  const stepUniform = buffer(8, 'step', USAGE_UNIFORM | USAGE_COPY_DST);
  let losses = buffer(1024, 'losses');
  let lossesLength = 1024;
  let pairs = buffer(2 * 1024, 'pairs');
  let pairsLength = 1024;
  let images: { data: Float32Array; buffer: GPUBuffer } | undefined;

  const pipelines = new Map<string, GPUComputePipeline>();
  const pipeline = (name: string, entryPoint = 'main') => {
    const key = `${name}:${entryPoint}`;
    let p = pipelines.get(key);
    if (!p) {
      const module = device.createShaderModule({ label: `convergent ${name}`, code: shader(name) });
      p = device.createComputePipeline({ label: `convergent ${key}`, layout: 'auto', compute: { module, entryPoint } });
      pipelines.set(key, p);
    }
    return p;
  };
  const bind = (p: GPUComputePipeline, buffers: GPUBuffer[]) =>
    device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: buffers.map((b, binding) => ({ binding, resource: { buffer: b } })) });
  const threads = (count: (n: number) => number) => (n: number) => Math.ceil(count(n) / WG);
  const dispatch = (name: string, buffers: GPUBuffer[], groups: (n: number) => number, entryPoint = 'main'): Dispatch => {
    const p = pipeline(name, entryPoint);
    return { pipeline: p, bindGroup: bind(p, buffers), groups };
  };

  // Bind groups that depend on the pairs / losses / images buffers are rebuilt when those grow.
  let gather: Dispatch | undefined;
  let xent: Dispatch | undefined;
  const gatherDims = uniform([layers[0].inSize], 'gather dims');
  const xentDims = uniform([classes], 'xent dims');
  const rebind = () => {
    if (images) gather = dispatch('train_gather', [stepUniform, gatherDims, images.buffer, pairs, input], threads((n) => n * layers[0].inSize));
    xent = dispatch('train_xent', [stepUniform, xentDims, out[L - 1], pairs, dOut[L - 1], losses], () => 1);
  };
  rebind();

  // The backward pass, last layer first, then the SGD updates.
  const backward: Dispatch[] = [];
  for (let i = L - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.kind === 'conv') {
      const [C, H, W] = l.inShape;
      const [M, OH, OW] = l.outShape;
      const dims = uniform([C, H, W, M, OH, OW, l.kernel, l.stride, l.pad], `${l.name} dims`);
      const w = paramIndex.get(l.weight.name)!;
      const b = paramIndex.get(l.bias.name)!;
      backward.push(dispatch('train_conv_backward_weight', [stepUniform, dims, layerIn(i), dOut[i], gradBuf[w]], () => l.weight.size));
      backward.push(dispatch('train_bias_backward', [stepUniform, uniform([M, OH * OW], `${l.name} bias dims`), dOut[i], gradBuf[b]], () => M));
      if (i > 0) backward.push(dispatch('train_conv_backward_input', [stepUniform, dims, paramBuf[w], dOut[i], dOut[i - 1]], threads((n) => n * l.inSize)));
    } else if (l.kind === 'relu') {
      backward.push(dispatch('train_relu_backward', [stepUniform, uniform([l.outSize], `${l.name} dims`), out[i], dOut[i]], threads((n) => n * l.outSize)));
    } else if (l.kind === 'maxpool') {
      const [C, H, W] = l.inShape;
      const [, OH, OW] = l.outShape;
      const dims = uniform([C, H, W, OH, OW, l.kernel, l.stride], `${l.name} dims`);
      if (i > 0) backward.push(dispatch('train_maxpool_backward', [stepUniform, dims, layerIn(i), dOut[i], dOut[i - 1]], threads((n) => n * l.inSize)));
    } else {
      const dims = uniform([l.inSize, l.outSize], `${l.name} dims`);
      const w = paramIndex.get(l.weight.name)!;
      const b = paramIndex.get(l.bias.name)!;
      backward.push(dispatch('train_fc_backward', [stepUniform, dims, layerIn(i), dOut[i], gradBuf[w]], threads(() => l.weight.size), 'weight'));
      backward.push(dispatch('train_bias_backward', [stepUniform, uniform([l.outSize, 1], `${l.name} bias dims`), dOut[i], gradBuf[b]], () => l.outSize));
      if (i > 0) backward.push(dispatch('train_fc_backward', [stepUniform, dims, paramBuf[w], dOut[i], dOut[i - 1]], threads((n) => n * l.inSize), 'input'));
    }
  }
  const sgd = spec.params.map((p, k) => dispatch('train_sgd', [stepUniform, uniform([p.size], `${p.name} count`), paramBuf[k], gradBuf[k], velBuf[k]], threads(() => p.size)));

  // Forward plans per batch size (the last batch of an epoch may be smaller), with tensor views.
  const plans = new Map<number, { fp: ForwardPlan; views: GpuTensor[] }>();
  const planFor = (n: number) => {
    let entry = plans.get(n);
    if (!entry) {
      const fp = forwardPlan(spec, n);
      const bufferOf = new Map<number, GPUBuffer>([[fp.input, input]]);
      fp.params.forEach((id, k) => bufferOf.set(id, paramBuf[k]));
      fp.layerOutput.forEach((id, i) => bufferOf.set(id, out[i]));
      fp.layerInput.forEach((id, i) => bufferOf.set(id, layerIn(i)));
      const views = fp.plan.tensors.map((t) => ({ buffer: bufferOf.get(t.id)!, shape: t.shape, size: t.shape.reduce((a, b) => a * b, 1) }));
      entry = { fp, views };
      plans.set(n, entry);
    }
    return entry;
  };

  const encode = (list: Dispatch[], n: number): GPUCommandBuffer => {
    const encoder = device.createCommandEncoder({ label: 'convergent train' });
    const pass = encoder.beginComputePass();
    for (const d of list) {
      const [x, y] = grid(Math.max(1, d.groups(n)), maxPerDim);
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(x, y, 1);
    }
    pass.end();
    return encoder.finish();
  };

  const writeStep = (start: number, n: number, step: number, h: CoreHyper) => {
    const block = new ArrayBuffer(32);
    const u = new Uint32Array(block);
    const f = new Float32Array(block);
    u[0] = start;
    u[1] = n;
    u[2] = step;
    f[4] = h.lr;
    f[5] = h.momentum;
    f[6] = h.weightDecay;
    f[7] = 1 / n;
    device.queue.writeBuffer(stepUniform, 0, block);
  };

  const ensureImages = (data: Float32Array) => {
    if (images?.data === data) return;
    if (images) images.buffer.destroy();
    const b = device.createBuffer({ label: 'convergent train: images', size: Math.max(16, roundUp(data.byteLength, 16)), usage: USAGE_STORAGE | USAGE_COPY_DST });
    if (b.size > maxBinding) throw new Error(`webgpu trainer: the data set (${data.byteLength} bytes) exceeds the device's storage binding limit (${maxBinding})`);
    // writeBuffer takes no SharedArrayBuffer (src/train/data.ts shares the images with workers):
    // copy through an ordinary buffer, a few megabytes at a time.
    const chunk = 1 << 20;
    for (let at = 0; at < data.length; at += chunk) device.queue.writeBuffer(b, 4 * at, data.slice(at, Math.min(data.length, at + chunk)));
    images = { data, buffer: b };
    rebind();
  };
  /** Uploads (item, label) pairs for positions 0 .. count - 1. */
  const writePairs = (count: number, item: (j: number) => number, label: (j: number) => number) => {
    if (count > pairsLength) {
      pairs.destroy();
      pairsLength = roundUp(count, 1024);
      pairs = buffer(2 * pairsLength, 'pairs');
      rebind();
    }
    const table = new Uint32Array(2 * count);
    for (let j = 0; j < count; j++) {
      const i = item(j);
      const lab = label(j);
      if (!(Number.isInteger(lab) && lab >= 0 && lab < classes)) throw new Error(`webgpu trainer: sample ${i} has label ${lab}, outside 0..${classes - 1}`);
      table[2 * j] = i;
      table[2 * j + 1] = lab;
    }
    device.queue.writeBuffer(pairs, 0, table);
  };
  const ensureLosses = (steps: number) => {
    if (steps <= lossesLength) return;
    losses.destroy();
    lossesLength = roundUp(steps, 1024);
    losses = buffer(lossesLength, 'losses');
    rebind();
  };
  const checkItems = (data: Float32Array, item: number) => {
    if (!(item >= 0 && (item + 1) * layers[0].inSize <= data.length)) throw new Error(`webgpu trainer: sample ${item} is outside the ${data.length / layers[0].inSize} images`);
  };

  const forward = (n: number) => {
    const { fp, views } = planFor(n);
    for (const s of fp.steps) kernels.run(s, fp.plan, s.inputs.map((id) => views[id]), views[s.output]);
    kernels.flush();
  };
  /** One step at pairs[start .. start + n): gather, forward, loss, backward, and the update. */
  const runStep = (start: number, n: number, step: number, h: CoreHyper, update: boolean) => {
    writeStep(start, n, step, h);
    device.queue.submit([encode([gather!], n)]);
    forward(n);
    device.queue.submit([encode(update ? [xent!, ...backward, ...sgd] : [xent!, ...backward], n)]);
  };

  const readBuffer = async (src: GPUBuffer, bytes: number): Promise<ArrayBuffer> => {
    const staging = device.createBuffer({ label: 'convergent train: readback', size: Math.max(16, roundUp(bytes, 16)), usage: USAGE_MAP_READ | USAGE_COPY_DST });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(src, 0, staging, 0, staging.size);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ, 0, staging.size);
      return staging.getMappedRange(0, bytes).slice(0);
    } finally {
      staging.destroy();
    }
  };
  const readTensors = async (bufs: GPUBuffer[]): Promise<Float32Array> => {
    const outArr = new Float32Array(spec.paramCount);
    for (let k = 0; k < spec.params.length; k++) outArr.set(new Float32Array(await readBuffer(bufs[k], 4 * spec.params[k].size)), spec.params[k].offset);
    return outArr;
  };
  const writeTensors = (bufs: GPUBuffer[], values: Float32Array, what: string) => {
    if (values.length !== spec.paramCount) throw new Error(`webgpu trainer: ${values.length} ${what} given, the net has ${spec.paramCount}`);
    spec.params.forEach((p, k) => device.queue.writeBuffer(bufs[k], 0, values.buffer, values.byteOffset + 4 * p.offset, 4 * p.size));
  };
  const orderPairs = (labels: ArrayLike<number>, order: ArrayLike<number>, start: number, count: number, data: Float32Array) => {
    for (let j = 0; j < count; j++) checkItems(data, order[start + j]);
    writePairs(count, (j) => order[start + j], (j) => labels[order[start + j]]);
  };
  const checkBatch = (n: number) => {
    if (!(Number.isInteger(n) && n >= 1 && n <= maxBatch)) throw new Error(`webgpu trainer: batch of ${n} samples, expected 1..${maxBatch}`);
  };
  const noUpdate: CoreHyper = { lr: 0, momentum: 0, weightDecay: 0 };

  /** Logits of items begin .. end - 1 (in batches), read back once. */
  const forwardRange = async (data: Float32Array, labels: ArrayLike<number> | null, begin: number, end: number): Promise<Float32Array> => {
    ensureImages(data);
    const count = end - begin;
    for (let j = 0; j < count; j++) checkItems(data, begin + j);
    writePairs(count, (j) => begin + j, (j) => (labels ? labels[begin + j] : 0));
    const all = device.createBuffer({ label: 'convergent train: logits', size: Math.max(16, roundUp(4 * count * classes, 16)), usage: STORAGE });
    try {
      for (let start = 0; start < count; start += maxBatch) {
        const n = Math.min(maxBatch, count - start);
        writeStep(start, n, 0, noUpdate);
        device.queue.submit([encode([gather!], n)]);
        forward(n);
        const encoder = device.createCommandEncoder();
        encoder.copyBufferToBuffer(out[L - 1], 0, all, 4 * start * classes, 4 * n * classes);
        device.queue.submit([encoder.finish()]);
      }
      return new Float32Array(await readBuffer(all, 4 * count * classes));
    } finally {
      all.destroy();
    }
  };

  return {
    maxBatch,
    setParams(p) {
      writeTensors(paramBuf, p, 'parameters');
      for (const v of velBuf) device.queue.writeBuffer(v, 0, new Float32Array(v.size / 4));
    },
    getParams: () => readTensors(paramBuf),
    setVelocity(v) {
      writeTensors(velBuf, v, 'velocities');
    },
    getVelocity: () => readTensors(velBuf),
    async step(data, labels, order, start, n, h) {
      checkBatch(n);
      ensureImages(data);
      orderPairs(labels, order, start, n, data);
      runStep(0, n, 0, h, true);
      return new Float32Array(await readBuffer(losses, 4))[0] / n;
    },
    async gradient(data, labels, order, start, n) {
      checkBatch(n);
      ensureImages(data);
      orderPairs(labels, order, start, n, data);
      runStep(0, n, 0, noUpdate, false);
      const loss = new Float32Array(await readBuffer(losses, 4))[0] / n;
      return { loss, grad: await readTensors(gradBuf) };
    },
    async epoch(data, labels, order, batch, h, onBatch) {
      checkBatch(batch);
      ensureImages(data);
      const steps = Math.ceil(order.length / batch);
      ensureLosses(steps);
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
      const stepLosses = new Float32Array(await readBuffer(losses, 4 * steps));
      let sum = 0;
      for (let k = 0; k < steps; k++) sum += stepLosses[k];
      return sum / order.length;
    },
    logits: (data, begin, end) => forwardRange(data, null, begin, end),
    async evaluate(data, labels, begin, end) {
      const logits = await forwardRange(data, labels, begin, end);
      let correct = 0;
      let lossSum = 0;
      for (let s = 0; s < end - begin; s++) {
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
      return { correct, lossSum, count: end - begin };
    },
    async dispose() {
      await kernels.dispose();
      images?.buffer.destroy();
      for (const b of owned) b.destroy();
    },
  };
}
