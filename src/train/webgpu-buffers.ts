// The WebGPU trainer's buffers: one per parameter tensor (the forward kernels bind whole buffers)
// with its gradient and velocity; per layer an output and an output-gradient buffer sized for the
// largest batch (a ReLU's input gradient is its output gradient, updated in place); the step's
// uniform block; and the data set, the (item, label) pairs and the per-step losses, which grow
// on demand (onRegrow tells the owner to rebind what reads them).
import { bufferBytes, createBuffer } from '../gpu/buffers.js';
import { packUniforms, type ShaderWithUniforms, type UniformBlock, uniformLayout } from '../gpu/uniforms.js';
import { USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_STORAGE, USAGE_UNIFORM } from '../gpu/usage.js';
import { roundUp } from '../gpu/workgroups.js';
import type { CoreHyper } from './wasm-core.js';
import type { NetSpec } from './model.js';

export const KERNEL = 'train';
const STORAGE = USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST;

export class TrainBuffers {
  readonly params: GPUBuffer[];
  readonly grads: GPUBuffer[];
  readonly velocities: GPUBuffer[];
  readonly input: GPUBuffer;
  /** Per layer, its output. */
  readonly out: GPUBuffer[];
  /** Per layer, the gradient of the loss with respect to its output. */
  readonly dOut: GPUBuffer[];
  /** The step block of shaders/common/train_step.wgsl. */
  readonly step: GPUBuffer;
  losses: GPUBuffer;
  pairs: GPUBuffer;
  images: { data: Float32Array; buffer: GPUBuffer } | undefined;
  /** Called after losses, pairs or images were replaced by larger buffers. */
  onRegrow: () => void = () => {};
  private lossesLength = 1024;
  private pairsLength = 1024;
  private readonly owned: GPUBuffer[] = [];
  private readonly maxBinding: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly spec: NetSpec,
    maxBatch: number,
  ) {
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const { layers, classes } = spec;
    const L = layers.length;
    this.params = spec.params.map((p) => this.buffer(p.size, p.name));
    this.grads = spec.params.map((p) => this.buffer(p.size, `${p.name} gradient`));
    this.velocities = spec.params.map((p) => this.buffer(p.size, `${p.name} velocity`));
    this.input = this.buffer(maxBatch * layers[0].inSize, 'input');
    this.out = layers.map((l) => this.buffer(maxBatch * l.outSize, `${l.name} output`));
    this.dOut = new Array(L);
    this.dOut[L - 1] = this.buffer(maxBatch * classes, 'logits gradient');
    for (let i = L - 1; i > 0; i--) {
      this.dOut[i - 1] = layers[i].kind === 'relu' ? this.dOut[i] : this.buffer(maxBatch * layers[i].inSize, `${layers[i - 1].name} output gradient`);
    }
    // Every train shader declares the same step block (shaders/common/train_step.wgsl).
    this.step = this.buffer(uniformLayout('train_gather').size / 4, 'step', USAGE_UNIFORM | USAGE_COPY_DST);
    this.losses = this.buffer(this.lossesLength, 'losses');
    this.pairs = this.buffer(2 * this.pairsLength, 'pairs');
  }

  /** The buffer layer i reads as its input. */
  layerIn(i: number): GPUBuffer {
    return i === 0 ? this.input : this.out[i - 1];
  }

  /** A buffer of `floats` f32 values, owned (destroyed by destroy()). */
  buffer(floats: number, label: string, usage = STORAGE): GPUBuffer {
    this.checkBinding(bufferBytes(4 * floats), label, 'use a smaller --batch');
    const b = createBuffer(this.device, KERNEL, label, 4 * floats, usage);
    this.owned.push(b);
    return b;
  }

  /** Destroys `old` (an owned buffer) and returns a new owned storage buffer of `floats` f32 values in its place. */
  private replace(old: GPUBuffer, floats: number, label: string): GPUBuffer {
    const at = this.owned.indexOf(old);
    if (at >= 0) this.owned.splice(at, 1);
    old.destroy();
    return this.buffer(floats, label);
  }

  /** Throws unless a buffer of `bytes` fits one storage binding of the device; `remedy`, if any, tells the user what to change. */
  private checkBinding(bytes: number, what: string, remedy?: string): void {
    if (bytes > this.maxBinding) throw new Error(`webgpu trainer: ${what} needs ${bytes} bytes, more than the device binds (${this.maxBinding})${remedy ? `; ${remedy}` : ''}`);
  }

  /** A uniform buffer holding binding `binding` of `shader`, filled once. */
  uniform<S extends ShaderWithUniforms, B extends number>(shaderName: S, binding: B, what: string, values: UniformBlock<S, B>): GPUBuffer {
    const words = packUniforms(shaderName, `webgpu trainer: ${what}`, values, binding);
    const b = this.buffer(words.length, what, USAGE_UNIFORM | USAGE_COPY_DST);
    this.device.queue.writeBuffer(b, 0, words);
    return b;
  }

  /** Writes the step block: the batch at pairs[start .. start + n), step index, hyperparameters. */
  writeStep(start: number, n: number, step: number, h: CoreHyper): void {
    const block = packUniforms('train_gather', 'webgpu trainer: step', { start, n, step, lr: h.lr, momentum: h.momentum, decay: h.weightDecay, scale: 1 / n }, 0);
    this.device.queue.writeBuffer(this.step, 0, block);
  }

  /** Uploads the data set unless it is the one on the device already. */
  ensureImages(data: Float32Array): void {
    if (this.images?.data === data) return;
    this.images?.buffer.destroy();
    this.images = undefined;
    this.checkBinding(bufferBytes(data.byteLength), 'the data set');
    const b = createBuffer(this.device, KERNEL, 'images', data.byteLength, USAGE_STORAGE | USAGE_COPY_DST);
    // writeBuffer takes no SharedArrayBuffer (src/train/data.ts shares the images with workers):
    // copy through an ordinary buffer, a few megabytes at a time.
    const chunk = 1 << 20;
    for (let at = 0; at < data.length; at += chunk) this.device.queue.writeBuffer(b, 4 * at, data.slice(at, Math.min(data.length, at + chunk)));
    this.images = { data, buffer: b };
    this.onRegrow();
  }

  /** Uploads (item, label) pairs for positions 0 .. count - 1, refusing labels outside the classes. */
  writePairs(count: number, item: (j: number) => number, label: (j: number) => number): void {
    if (count > this.pairsLength) {
      this.pairsLength = roundUp(count, 1024);
      this.pairs = this.replace(this.pairs, 2 * this.pairsLength, 'pairs');
      this.onRegrow();
    }
    const classes = this.spec.classes;
    const table = new Uint32Array(2 * count);
    for (let j = 0; j < count; j++) {
      const i = item(j);
      const lab = label(j);
      if (!(Number.isInteger(lab) && lab >= 0 && lab < classes)) throw new Error(`webgpu trainer: sample ${i} has label ${lab}, outside 0..${classes - 1}`);
      table[2 * j] = i;
      table[2 * j + 1] = lab;
    }
    this.device.queue.writeBuffer(this.pairs, 0, table);
  }

  /** Room for the losses of `steps` steps. */
  ensureLosses(steps: number): void {
    if (steps <= this.lossesLength) return;
    this.lossesLength = roundUp(steps, 1024);
    this.losses = this.replace(this.losses, this.lossesLength, 'losses');
    this.onRegrow();
  }

  destroy(): void {
    this.images?.buffer.destroy();
    for (const b of this.owned) b.destroy();
  }
}
