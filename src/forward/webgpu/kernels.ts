// The WebGPU forward backend: OpKernels over GPU buffers.
//
//   upload   writes through the queue (after submitting pending work, which may still read a
//            pooled buffer being handed out again);
//   alloc    takes a buffer from the pool (contents undefined);
//   run      only encodes a dispatch (see src/gpu/commands.ts); nothing runs until read() or a full encoder;
//   read     copies to a MAP_READ buffer, submits and maps it;
//   free     returns the buffer to the pool keyed by rounded size;
//   dispose  waits for reads in flight and destroys every buffer this backend created.
//
// captureUnitMajor() (below) copies a tensor into rows of a unit-major buffer for the moment
// kernel, on the device.
import type { GpuContext } from '../../platform/webgpu.js';
import { BufferPool } from '../../gpu/buffer-pool.js';
import { CommandRecorder } from '../../gpu/commands.js';
import { gpuLabel } from '../../gpu/labels.js';
import { computePipeline, pipelineKey } from '../../gpu/pipelines.js';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE } from '../../gpu/usage.js';
import type { OpKernels } from '../kernels.js';
import type { ExecutionPlan, Shape, Step } from '../plan.js';
import { encodeUnitMajor } from './capture.js';
import type { OpContext } from './context.js';
import { runConv } from './conv.js';
import { runBinary, runChannelAffine, runUnary } from './elementwise.js';
import { runConcat, runPad, runTranspose } from './layout.js';
import { runGemm, runMatMul } from './gemm.js';
import { runLrn } from './lrn.js';
import { runGlobalAvgPool, runPool } from './pool.js';
import { runSoftmax } from './softmax.js';
import { type GpuTensor, bindingBytes } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { sizeOf } from '../reference/tensor.js';
import { type ForwardTiles, checkForwardTiles, chooseForwardTiles } from './tiles.js';

export type { GpuTensor } from './tensor.js';

export interface WebGpuKernelOptions {
  /** Overrides of the workgroup shapes chosen from the limits (must still fit them; for tests and tuning). */
  tiles?: Partial<ForwardTiles>;
  /** Bytes of free buffers kept for reuse (default 256 MiB); more are destroyed. */
  maxPooledBytes?: number;
  /** Commands recorded before the encoder is submitted without being asked (default 512). */
  maxCommandsPerSubmit?: number;
}

export interface WebGpuKernels extends OpKernels<GpuTensor> {
  readonly device: GPUDevice;
  readonly tiles: ForwardTiles;
  /** Largest tensor (bytes) a kernel can bind: the device's maxStorageBufferBindingSize, capped. */
  readonly maxTensorBytes: number;
  /** Submits the work encoded so far (read() and captureUnitMajor() do it themselves). */
  flush(): void;
  /** Counters for tests and diagnostics. */
  stats(): { liveBuffers: number; submits: number; pipelines: number };
  /** See captureUnitMajor(). */
  captureUnitMajor(tensor: GpuTensor, shape: number[], dst: GPUBuffer, rowOffset: number, rowLength: number, sampleOffset: number): void;
}

/**
 * Writes `tensor`, viewed as (N, C, H, W) or (N, C) (`shape`), into rows of the unit-major buffer
 * `dst` (STORAGE usage): unit c becomes row `rowOffset + c` (rows of `rowLength` floats) and sample
 * n * H * W + y * W + x becomes column `sampleOffset` + that index. The copy is encoded after the
 * kernels' pending work and submitted at once, so that work submitted afterwards by anyone (e.g.
 * batchMomentsFromBuffer(dst, units, samples)) sees it. The tensor may be freed afterwards.
 */
export function captureUnitMajor(
  kernels: WebGpuKernels,
  tensor: GpuTensor,
  shape: number[],
  dst: GPUBuffer,
  rowOffset: number,
  rowLength: number,
  sampleOffset: number,
): void {
  kernels.captureUnitMajor(tensor, shape, dst, rowOffset, rowLength, sampleOffset);
}

const TENSOR_USAGE = USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST;
/** The kernel family in GPU labels: convergent.forward.<op> <node>. */
export const KERNEL = 'forward';

export function createWebGpuKernels(gpu: GpuContext, options: WebGpuKernelOptions = {}): WebGpuKernels {
  const device = gpu.device;
  const limits = device.limits;
  const tiles = { ...chooseForwardTiles(limits, gpu.isSoftware), ...options.tiles };
  checkForwardTiles(tiles, limits);
  // Capped at 4 GiB so that every f32 index fits the shaders' u32 arithmetic.
  const maxTensorBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, 0xfffffff0);
  const maxPooled = options.maxPooledBytes ?? 256 * 1024 * 1024;
  const tensors = new BufferPool(device, gpuLabel(KERNEL, 'tensor'), TENSOR_USAGE, maxPooled);
  const staging = new BufferPool(device, gpuLabel(KERNEL, 'readback'), USAGE_MAP_READ | USAGE_COPY_DST, maxPooled);
  const commands = new CommandRecorder(device, KERNEL, options.maxCommandsPerSubmit ?? 512);
  commands.onSubmitted = () => {
    tensors.collect();
    staging.collect();
  };
  const pipelineKeys = new Set<string>();

  /** Tensors written by upload(): never written by a step, so what is derived from them can be cached. */
  const constants = new WeakSet<GpuTensor>();
  const derivedCache = new Map<GpuTensor, Map<string, GpuTensor>>();
  const freed = new WeakSet<GpuTensor>();
  const reads = new Set<Promise<unknown>>();
  let disposed = false;

  function live(what: string): void {
    if (disposed) throw new Error(`webgpu kernels: ${what} after dispose()`);
  }

  function allocTensor(shape: Shape, purpose: string): GpuTensor {
    for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`webgpu kernels: bad shape ${formatShape(shape)}`);
    const size = sizeOf(shape);
    const bytes = bindingBytes(size);
    if (bytes > maxTensorBytes) {
      throw new Error(
        `webgpu kernels: a tensor of shape ${formatShape(shape)} (${size * 4} bytes, ${purpose}) exceeds the device's storage binding limit of ${maxTensorBytes} bytes; ` +
          (purpose === 'upload' && shape.length === 2 ? 'a weight this large does not fit this device: use --backend wasm' : 'use smaller batches (--batch) or --backend wasm'),
      );
    }
    return { buffer: tensors.acquire(bytes, purpose), shape: shape.slice(), size };
  }

  function release(t: GpuTensor): void {
    if (freed.has(t)) throw new Error(`webgpu kernels: tensor ${formatShape(t.shape)} freed twice`);
    freed.add(t);
    const derived = derivedCache.get(t);
    if (derived) {
      derivedCache.delete(t);
      for (const d of derived.values()) release(d);
    }
    tensors.release(t.buffer);
  }

  const ctx: OpContext = {
    device,
    limits,
    tiles,
    commands,
    pipeline(kernel, shaderName, constantValues) {
      const spec = { kernel: `${KERNEL}.${kernel}`, shader: shaderName, constants: constantValues };
      pipelineKeys.add(pipelineKey(spec));
      return computePipeline(device, spec);
    },
    derived(source, key, shape, make) {
      const cacheable = constants.has(source);
      const cached = cacheable ? derivedCache.get(source)?.get(key) : undefined;
      if (cached) return { tensor: cached, release() {} };
      const tensor = allocTensor(shape, key);
      make(tensor);
      if (!cacheable) return { tensor, release: () => release(tensor) };
      let perSource = derivedCache.get(source);
      if (!perSource) derivedCache.set(source, (perSource = new Map()));
      perSource.set(key, tensor);
      return { tensor, release() {} };
    },
  };

  function runStep(step: Step, plan: ExecutionPlan, inputs: GpuTensor[], output: GpuTensor): void {
    const call = { step, plan, inputs, output };
    switch (step.kind) {
      case 'conv':
        return runConv(ctx, { ...call, step });
      case 'gemm':
        return runGemm(ctx, { ...call, step });
      case 'matmul':
        return runMatMul(ctx, { ...call, step });
      case 'unary':
        return runUnary(ctx, { ...call, step });
      case 'binary':
        return runBinary(ctx, { ...call, step });
      case 'maxpool':
      case 'avgpool':
        return runPool(ctx, { ...call, step });
      case 'globalavgpool':
        return runGlobalAvgPool(ctx, { ...call, step });
      case 'lrn':
        return runLrn(ctx, { ...call, step });
      case 'channelaffine':
        return runChannelAffine(ctx, { ...call, step });
      case 'softmax':
        return runSoftmax(ctx, { ...call, step });
      case 'concat':
        return runConcat(ctx, { ...call, step });
      case 'transpose':
        return runTranspose(ctx, { ...call, step });
      case 'pad':
        return runPad(ctx, { ...call, step });
      case 'reshape':
        // The executor aliases reshapes; a direct call copies.
        return commands.copy(inputs[0].buffer, 0, output.buffer, 0, output.size * 4);
      default: {
        const unknown: never = step;
        throw new Error(`webgpu kernels: no kernel for step kind ${(unknown as Step).kind}`);
      }
    }
  }

  return {
    name: `webgpu on ${gpu.label}`,
    device,
    tiles,
    maxTensorBytes,

    upload(data, shape) {
      live('upload');
      const t = allocTensor(shape, 'upload');
      if (data.length !== t.size) {
        tensors.release(t.buffer);
        throw new Error(`webgpu kernels: upload of ${data.length} values for shape ${formatShape(shape)} (${t.size} expected)`);
      }
      // The pooled buffer may still be read by encoded, unsubmitted work; queue writes overtake it.
      if (commands.pending) commands.flush();
      if (data.length > 0) device.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      constants.add(t);
      return t;
    },

    alloc(shape) {
      live('alloc');
      return allocTensor(shape, 'activation');
    },

    run(step, plan, inputs, output) {
      live('run');
      if (inputs.length !== step.inputs.length) throw new Error(`${step.kind}: ${inputs.length} inputs given, the step has ${step.inputs.length}`);
      for (const [i, t] of inputs.entries()) {
        const shape = plan.tensors[step.inputs[i]].shape;
        if (freed.has(t)) throw new Error(`${step.kind}: input ${plan.tensors[step.inputs[i]].name} was freed`);
        if (sizeOf(shape) !== t.size) throw new Error(`${step.kind}: input ${plan.tensors[step.inputs[i]].name} has ${t.size} values, the plan says ${formatShape(shape)}`);
      }
      const outShape = plan.tensors[step.output].shape;
      if (sizeOf(outShape) !== output.size) throw new Error(`${step.kind}: output has ${output.size} values, the plan says ${formatShape(outShape)}`);
      if (constants.has(output)) throw new Error(`${step.kind}: writes into an uploaded tensor`);
      runStep(step, plan, inputs, output);
    },

    read(t) {
      live('read');
      if (freed.has(t)) return Promise.reject(new Error(`webgpu kernels: read of a freed tensor ${formatShape(t.shape)}`));
      const bytes = t.size * 4;
      if (bytes === 0) return Promise.resolve(new Float32Array(0));
      const target = staging.acquire(bytes, 'readback');
      commands.copy(t.buffer, 0, target, 0, bytes);
      commands.flush();
      const done = (async () => {
        try {
          await target.mapAsync(MAP_MODE_READ, 0, bytes);
        } catch (e) {
          throw new Error(`webgpu kernels: reading back a tensor ${formatShape(t.shape)} failed: ${(e as Error).message}`, { cause: e });
        }
        const out = new Float32Array(target.getMappedRange(0, bytes).slice(0));
        target.unmap();
        staging.release(target);
        return out;
      })();
      reads.add(done);
      void done.finally(() => reads.delete(done)).catch(() => undefined);
      return done;
    },

    free(t) {
      live('free');
      release(t);
    },

    flush() {
      live('flush');
      commands.flush();
    },

    captureUnitMajor(tensor, shape, dst, rowOffset, rowLength, sampleOffset) {
      live('captureUnitMajor');
      if (freed.has(tensor)) throw new Error(`webgpu kernels: capture of a freed tensor ${formatShape(tensor.shape)}`);
      encodeUnitMajor(ctx, tensor, shape, { dst, rowOffset, rowLength, sampleOffset });
      commands.flush();
    },

    stats() {
      return { liveBuffers: tensors.liveBuffers + staging.liveBuffers, submits: commands.submits, pipelines: pipelineKeys.size };
    },

    async dispose() {
      if (disposed) return;
      commands.flush();
      await Promise.allSettled([...reads]);
      disposed = true;
      derivedCache.clear();
      tensors.destroyAll();
      staging.destroyAll();
      commands.destroy();
    },
  };
}
