// The probe's WebGPU path with nothing read back but reduced state. Per batch:
//   forward pass of every net (PlanRunner over the WebGPU kernels)
//   -> each captured layer copied, on the device, into the layer's stacked unit-major buffer
//      (net k's units at rows offset_k..., captureUnitMajor)
//   -> per layer, the stacked buffer, which is a contiguous block of (unit, item) maps, reduced
//      to each map's maximum and its position (item-max.ts: one dispatch a layer, one submit and
//      one read-back a batch)
//   -> the moment kernel reads the stacked buffer where it is (batchMomentsFromBuffer).
// What comes back: per layer the d x d batch moments, per layer and net n x C (max, position)
// pairs for the top-k records, and per net with a classifier output n (max, class) pairs.
import type { BatchMoments } from '../../kernels/moments/contract.js';
import type { WebGpuMomentKernel } from '../../kernels/moments/webgpu.js';
import { gpuLabel } from '../../gpu/labels.js';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE } from '../../gpu/usage.js';
import type { OnnxModel } from '../../inputs/onnx/model.js';
import type { GpuContext } from '../../platform/webgpu.js';
import { compilePlan } from '../compile.js';
import { tensorIdOf } from '../engine.js';
import { PlanRunner } from '../executor.js';
import { createItemMaxKernel } from './item-max.js';
import { type GpuTensor, type WebGpuKernelOptions, createWebGpuKernels } from './kernels.js';
import { formatShape } from '../../util/shape.js';
import { sizeOf } from '../reference/tensor.js';

const KERNEL = 'forward.device-probe';

export interface DeviceProbeSpec {
  gpu: GpuContext;
  /** A moment kernel on the same device as `gpu`. */
  moments: WebGpuMomentKernel;
  nets: { name: string; model: OnnxModel }[];
  itemShape: number[];
  /** Each layer: a name and, per net, the tensor captured for it ((N, C) or (N, C, H, W)). */
  layers: { name: string; tensors: string[] }[];
  /** Per net, an (N, classes) output whose per-item argmax is wanted (accuracy), or undefined. */
  outputs?: (string | undefined)[];
  kernels?: WebGpuKernelOptions;
}

/** Unit-major (c * n + i): item i's maximum over unit c's map and the first position holding it. */
export interface ItemMaxima {
  values: Float32Array;
  positions: Uint32Array;
}

export interface DeviceBatch {
  n: number;
  /** Per layer: moments of the stacked nets (net 0's units first). */
  moments: BatchMoments[];
  /** Per layer, per net (unit-major). */
  maxima: ItemMaxima[][];
  /** Per net: each item's predicted class (argmax of the output), or undefined. */
  predictions: (Uint32Array | undefined)[];
}

export interface DeviceProbeEngine {
  readonly name: string;
  /** Runs n items (input: n x itemShape values) through every net and reduces the captures. */
  forward(input: Float32Array, n: number): Promise<DeviceBatch>;
  /** Read-backs done by this engine (the moment kernel's d x d read-backs are not counted). */
  stats(): { reads: number; bytesRead: number };
  dispose(): Promise<void>;
}

/** One net compiled for one batch size: what each capture is and where its results go. */
interface NetRun {
  runner: PlanRunner<GpuTensor>;
  ids: number[];
  shapes: number[][];
}

/** Per batch size: the runs and the layout of the stacked buffers and of the maxima words. */
interface SizedPlan {
  runs: NetRun[];
  /** Per layer: samples per row (n x positions) and stacked units. */
  samples: number[];
  units: number[];
  /** Per layer: first word of its maxima (values of the stacked units, then positions); per net: first word of its predictions. */
  maximaBase: number[];
  predictionBase: (number | undefined)[];
  words: number;
}

export function createDeviceProbeEngine(spec: DeviceProbeSpec): DeviceProbeEngine {
  const { gpu, nets, layers, itemShape } = spec;
  const device = gpu.device;
  const outputs = spec.outputs ?? nets.map(() => undefined);
  const kernels = createWebGpuKernels(gpu, spec.kernels);
  const itemMax = createItemMaxKernel(device);
  const plans = new Map<number, SizedPlan>();
  const stacked: (GPUBuffer | undefined)[] = layers.map(() => undefined);
  let maxima: { out: GPUBuffer; staging: GPUBuffer } | undefined;
  let reads = 0;
  let bytesRead = 0;
  // The stacked and maxima buffers are reused batch after batch: one forward() at a time.
  let busy = false;

  function planFor(n: number): SizedPlan {
    const cached = plans.get(n);
    if (cached) return cached;
    const runs = nets.map((net, k) => {
      const names = [...layers.map((l) => l.tensors[k]), ...(outputs[k] ? [outputs[k]!] : [])];
      const plan = compilePlan(net.model, [n, ...itemShape], { captures: names });
      const ids = names.map((t) => tensorIdOf(plan, t, net.name));
      return { runner: new PlanRunner(plan, kernels), ids, shapes: ids.map((id) => plan.tensors[id].shape) };
    });
    const samples: number[] = [];
    const units: number[] = [];
    const maximaBase: number[] = [];
    let words = 0;
    layers.forEach((layer, li) => {
      let d = 0;
      runs.forEach((run, k) => {
        const shape = run.shapes[li];
        const where = `net ${nets[k].name}, layer ${layer.name} (${layer.tensors[k]})`;
        if (shape.length < 2 || shape[0] !== n) throw new Error(`${where}: shape ${formatShape(shape)} is not (N, C, ...) for a batch of ${n}`);
        const s = n * sizeOf(shape.slice(2));
        if (k === 0) samples.push(s);
        else if (s !== samples[li]) throw new Error(`${where}: ${s} samples per batch, net ${nets[0].name} has ${samples[li]}; every net must see the same samples`);
        d += shape[1];
      });
      units.push(d);
      maximaBase.push(words);
      words += 2 * n * d;
    });
    const predictionBase = runs.map((run, k) => {
      if (!outputs[k]) return undefined;
      const shape = run.shapes[layers.length];
      if (shape.length !== 2) throw new Error(`net ${nets[k].name}: output ${outputs[k]} has shape ${formatShape(shape)}; class scores must be (N, classes)`);
      const base = words;
      words += 2 * n;
      return base;
    });
    const sized = { runs, samples, units, maximaBase, predictionBase, words };
    plans.set(n, sized);
    return sized;
  }

  /** The stacked unit-major buffer of layer li, grown to hold `bytes`. */
  function stackedBuffer(li: number, bytes: number): GPUBuffer {
    const current = stacked[li];
    if (current && current.size >= bytes) return current;
    current?.destroy();
    if (bytes > device.limits.maxBufferSize) {
      throw new Error(`layer ${layers[li].name}: ${bytes} bytes of stacked activations per batch exceed the device's maxBufferSize (${device.limits.maxBufferSize}); use smaller batches`);
    }
    // COPY_SRC: the moment kernel copies chunks out when the buffer exceeds one binding.
    const buffer = device.createBuffer({ label: gpuLabel(KERNEL, `layer ${layers[li].name}`), size: Math.max(16, bytes), usage: USAGE_STORAGE | USAGE_COPY_SRC });
    stacked[li] = buffer;
    return buffer;
  }

  function maximaBuffers(words: number): { out: GPUBuffer; staging: GPUBuffer } {
    if (maxima && maxima.out.size >= words * 4) return maxima;
    maxima?.out.destroy();
    maxima?.staging.destroy();
    const size = Math.max(16, Math.ceil(words / 4) * 16);
    maxima = {
      out: device.createBuffer({ label: gpuLabel(KERNEL, 'maxima'), size, usage: USAGE_STORAGE | USAGE_COPY_SRC }),
      staging: device.createBuffer({ label: gpuLabel(KERNEL, 'maxima readback'), size, usage: USAGE_MAP_READ | USAGE_COPY_DST }),
    };
    return maxima;
  }

  /** Maps the staging copy of the maxima (the copy is already submitted). */
  async function readMaxima(buffers: { out: GPUBuffer; staging: GPUBuffer }, words: number): Promise<Uint32Array> {
    const bytes = words * 4;
    await buffers.staging.mapAsync(MAP_MODE_READ, 0, bytes);
    const raw = new Uint32Array(buffers.staging.getMappedRange(0, bytes).slice(0));
    buffers.staging.unmap();
    reads++;
    bytesRead += bytes;
    return raw;
  }

  return {
    name: `${kernels.name}, moments and top-k maxima on the device`,

    async forward(input, n) {
      if (busy) throw new Error('device probe engine: forward() called again before the previous batch finished');
      busy = true;
      try {
        return await reduceBatch(input, n);
      } finally {
        busy = false;
      }
    },

    stats: () => ({ reads, bytesRead }),

    async dispose() {
      for (const sized of plans.values()) for (const run of sized.runs) run.runner.dispose();
      plans.clear();
      await kernels.dispose();
      for (const b of stacked) b?.destroy();
      maxima?.out.destroy();
      maxima?.staging.destroy();
      itemMax.destroy();
    },
  };

  async function reduceBatch(input: Float32Array, n: number): Promise<DeviceBatch> {
    const sized = planFor(n);
    const { runs, samples, units, maximaBase, predictionBase, words } = sized;
    const buffers = layers.map((_, li) => stackedBuffer(li, units[li] * samples[li] * 4));
    const out = maximaBuffers(words);
    const rowOffsets = layers.map(() => 0);
    for (const [k, run] of runs.entries()) {
      await run.runner.run(input, run.ids, {
        onCapture(_id, tensor, index) {
          const shape = run.shapes[index];
          if (index < layers.length) {
            kernels.captureUnitMajor(tensor, shape, buffers[index], rowOffsets[index], samples[index], 0);
            rowOffsets[index] += shape[1];
          } else {
            // Class scores (N, classes) as N maps of `classes` positions: the max's position is
            // the class. Submitted now, before the runner frees the tensor.
            kernels.flush();
            const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'predictions') });
            itemMax.encode(encoder, [{ src: tensor.buffer, srcOffset: 0, planes: n, size: shape[1], out: out.out, base: predictionBase[k]! }]);
            device.queue.submit([encoder.finish()]);
          }
        },
      });
    }
    // The stacked buffer of layer li is D x n maps of samples / n positions (unit-major).
    const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'maxima') });
    itemMax.encode(
      encoder,
      layers.map((_, li) => ({ src: buffers[li], srcOffset: 0, planes: units[li] * n, size: samples[li] / n, out: out.out, base: maximaBase[li] })),
    );
    encoder.copyBufferToBuffer(out.out, 0, out.staging, 0, words * 4);
    device.queue.submit([encoder.finish()]);
    // Every capture is submitted; the stacked buffers are not written again before these settle.
    const [moments, raw] = await Promise.all([
      Promise.all(layers.map((_, li) => spec.moments.batchMomentsFromBuffer(buffers[li], units[li], samples[li]))),
      readMaxima(out, words),
    ]);
    const views = (values: number, positions: number, count: number): ItemMaxima => ({
      values: new Float32Array(raw.buffer, values * 4, count),
      positions: raw.subarray(positions, positions + count),
    });
    return {
      n,
      moments,
      maxima: layers.map((_, li) => {
        let row = 0;
        return runs.map((run) => {
          const c = run.shapes[li][1];
          const first = maximaBase[li] + row * n;
          row += c;
          return views(first, first + units[li] * n, c * n);
        });
      }),
      predictions: predictionBase.map((base) => (base === undefined ? undefined : views(base, base + n, n).positions)),
    };
  }
}
