// The joint histogram kernel on WebGPU (shaders/joint_histogram_bin.wgsl, joint_histogram.wgsl).
//
// Per batch: each net's f32 values are uploaded and binned on the device (four bins packed per
// u32); float64 batches are binned on the host by the reference rule (a float64 value cannot be
// compared exactly on a device without f64) and only their bins are uploaded. Then one dispatch
// per pair (and per chunk of rows of net A, when a pair's counters exceed a storage binding)
// counts every (unit a, unit b) pair with workgroup atomics, adding into u32 counters that stay on
// the device across batches. They are read back into float64 totals on the host before a batch
// could take any counter past 2^32 - 1, and by counts().
//
// Values that are f32 subnormals may be flushed to zero by a device; such an activation above a
// zero threshold of 0 would then land in the zero bin. (Activations that small do not occur in
// practice; the WASM and reference kernels compare exactly.)
import {
  MAP_MODE_READ,
  USAGE_COPY_DST,
  USAGE_COPY_SRC,
  USAGE_MAP_READ,
  USAGE_STORAGE,
  USAGE_UNIFORM,
  grid,
  roundUp,
  shader,
  specialise,
} from '../webgpu-common.js';
import type { GpuContext } from '../../platform/webgpu.js';
import { binUnits, checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './reference.js';

const KERNEL = 'convergent.joint-histogram';
const JOINT_WG = 256;
const BIN_WG = 64;

export interface WebGpuJointHistogramOptions {
  /** Flush the u32 counters once this many samples are in them (default 2^32 - 1; lower only in tests). */
  maxCount?: number;
  /** Cap on the bytes of one storage binding (default: the device's limit). Lower only in tests. */
  maxBindingBytes?: number;
  /** Workgroups a pair's dispatch aims for, splitting the samples when there are few unit pairs. */
  targetWorkgroups?: number;
}




/** The largest f32 <= x: an f32 value v then satisfies (x < v) exactly when (f32Below(x) < v). */
export function f32Below(x: number): number {
  const f = Math.fround(x);
  if (f <= x || Number.isNaN(f)) return f;
  // f > x: step one f32 towards -infinity.
  const bits = new Float32Array([f]);
  const u = new Uint32Array(bits.buffer);
  if (f === 0) u[0] = 0x80000001; // the largest negative subnormal
  else if (f > 0) u[0] -= 1;
  else u[0] += 1;
  return bits[0];
}


interface Chunk {
  pair: number;
  row0: number;
  rows: number;
  counts: GPUBuffer;
  cells: number;
  params: GPUBuffer;
}

export async function createWebGpuJointHistogramKernel(
  gpu: GpuContext,
  spec: JointHistogramSpec,
  options: WebGpuJointHistogramOptions = {},
): Promise<JointHistogramKernel> {
  checkSpec(spec);
  const { bins, units, edges, pairs } = spec;
  const device = gpu.device;
  const limits = device.limits;
  const cells = bins * bins;
  const ne = bins - 1;
  const bindLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, 0xfffffffc, options.maxBindingBytes ?? Infinity);
  const maxPerDim = limits.maxComputeWorkgroupsPerDimension;
  const maxCount = Math.min(0xffffffff, Math.max(1, Math.floor(options.maxCount ?? 0xffffffff)));
  const targetWorkgroups = options.targetWorkgroups ?? 2048;
  if (cells * 4 > limits.maxComputeWorkgroupStorageSize) throw new Error(`${bins} bins need ${cells * 4} bytes of workgroup memory; the device has ${limits.maxComputeWorkgroupStorageSize}`);
  const jointWg = Math.min(JOINT_WG, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  const binWg = Math.min(BIN_WG, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);

  const buffers: GPUBuffer[] = [];
  const make = (name: string, size: number, usage: number) => {
    const b = device.createBuffer({ label: `${KERNEL}: ${name}`, size: Math.max(16, roundUp(size, 16)), usage });
    buffers.push(b);
    return b;
  };

  const module = (name: string, code: string) => device.createShaderModule({ label: `${KERNEL}: ${name}`, code });
  const [binPipeline, jointPipeline] = await Promise.all([
    device.createComputePipelineAsync({
      label: `${KERNEL}: bin`,
      layout: 'auto',
      compute: { module: module('bin', specialise(shader('joint_histogram_bin'), { WG: binWg })), entryPoint: 'main' },
    }),
    device.createComputePipelineAsync({
      label: `${KERNEL}: joint`,
      layout: 'auto',
      compute: { module: module('joint', specialise(shader('joint_histogram'), { BINS: bins, CELLS: cells, WG: jointWg })), entryPoint: 'main' },
    }),
  ]);

  // Edges, rounded down to f32 (exact comparisons with f32 values).
  const edgeBuffers = units.map((d, k) => {
    const b = make(`edges of net ${k}`, d * ne * 4, USAGE_STORAGE | USAGE_COPY_DST);
    const f = new Float32Array(d * ne);
    for (let i = 0; i < f.length; i++) f[i] = f32Below(edges[k][i]);
    if (f.length > 0) device.queue.writeBuffer(b, 0, f);
    return b;
  });

  // Counters: per pair, chunks of rows of net A that fit a binding.
  const chunks: Chunk[] = [];
  pairs.forEach(([a, b], p) => {
    const rowBytes = units[b] * cells * 4;
    if (rowBytes > bindLimit) throw new Error(`${units[b]} units x ${bins}^2 bins exceed the WebGPU binding limit of ${bindLimit} bytes`);
    const rowsPer = Math.max(1, Math.floor(bindLimit / Math.max(rowBytes, 1)));
    for (let r = 0; r < units[a]; r += rowsPer) {
      const rows = Math.min(rowsPer, units[a] - r);
      const c = rows * units[b] * cells;
      chunks.push({
        pair: p, row0: r, rows, cells: c,
        counts: make(`counters of pair ${p}, rows ${r}..${r + rows - 1}`, c * 4, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST),
        params: make(`joint params ${p}/${r}`, 32, USAGE_UNIFORM | USAGE_COPY_DST),
      });
    }
  });
  const totals = pairs.map(([a, b]) => new Float64Array(units[a] * units[b] * cells));
  const readback = make('readback', Math.max(0, ...chunks.map((c) => c.cells * 4)), USAGE_MAP_READ | USAGE_COPY_DST);
  const binParams = units.map((_, k) => make(`bin params ${k}`, 32, USAGE_UNIFORM | USAGE_COPY_DST));

  // Batch-shape buffers (values and bins per net), regrown when a batch needs more.
  let shapeBuffers: { n: number; values: GPUBuffer[]; packed: GPUBuffer[] } | null = null;
  const transient: GPUBuffer[] = [];
  function batchBuffers(n: number) {
    if (shapeBuffers && shapeBuffers.n >= n) return shapeBuffers;
    for (const b of transient.splice(0)) b.destroy();
    const words = Math.ceil(n / 4);
    const values = units.map((d, k) => device.createBuffer({ label: `${KERNEL}: values of net ${k}`, size: Math.max(16, roundUp(d * n * 4, 16)), usage: USAGE_STORAGE | USAGE_COPY_DST }));
    const packed = units.map((d, k) => device.createBuffer({ label: `${KERNEL}: bins of net ${k}`, size: Math.max(16, roundUp(d * words * 4, 16)), usage: USAGE_STORAGE | USAGE_COPY_DST }));
    transient.push(...values, ...packed);
    shapeBuffers = { n, values, packed };
    return shapeBuffers;
  }

  /** Samples per device step, so that every net's values and bins fit a binding. */
  const maxUnits = Math.max(1, ...units);
  const stepSamples = Math.max(4, Math.floor(bindLimit / (maxUnits * 4) / 4) * 4);

  let inCounters = 0;
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(() => {
      if (disposed) throw new Error(`${KERNEL}: kernel was disposed`);
      return fn();
    });
    queue = run.catch(() => undefined);
    return run;
  }

  async function flush(): Promise<void> {
    if (inCounters === 0) return;
    for (const chunk of chunks) {
      const encoder = device.createCommandEncoder({ label: `${KERNEL}: readback` });
      encoder.copyBufferToBuffer(chunk.counts, 0, readback, 0, chunk.cells * 4);
      encoder.clearBuffer(chunk.counts);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(MAP_MODE_READ, 0, chunk.cells * 4);
      const got = new Uint32Array(readback.getMappedRange(0, chunk.cells * 4));
      const t = totals[chunk.pair];
      const base = chunk.row0 * units[pairs[chunk.pair][1]] * cells;
      for (let i = 0; i < got.length; i++) t[base + i] += got[i];
      readback.unmap();
    }
    inCounters = 0;
  }

  async function step(nets: (Float32Array | Float64Array)[], samples: number, s0: number, n: number): Promise<void> {
    const words = Math.ceil(n / 4);
    const { values, packed } = batchBuffers(n);
    const encoder = device.createCommandEncoder({ label: `${KERNEL}: batch` });
    const pass = encoder.beginComputePass({ label: `${KERNEL}: bin and count` });
    nets.forEach((data, k) => {
      const d = units[k];
      if (d === 0) return;
      if (data instanceof Float32Array) {
        if (s0 === 0 && n === samples) device.queue.writeBuffer(values[k], 0, data.buffer, data.byteOffset, d * n * 4);
        else for (let u = 0; u < d; u++) device.queue.writeBuffer(values[k], u * n * 4, data.buffer, data.byteOffset + (u * samples + s0) * 4, n * 4);
        const g = grid(Math.ceil((d * words) / binWg), maxPerDim);
        device.queue.writeBuffer(binParams[k], 0, new Uint32Array([d, n, words, ne, g[0], 0, 0, 0]));
        pass.setPipeline(binPipeline);
        pass.setBindGroup(0, device.createBindGroup({
          label: `${KERNEL}: bin bind group`,
          layout: binPipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: binParams[k] } },
            { binding: 1, resource: { buffer: values[k], size: d * n * 4 } },
            { binding: 2, resource: { buffer: edgeBuffers[k] } },
            { binding: 3, resource: { buffer: packed[k], size: d * words * 4 } },
          ],
        }));
        pass.dispatchWorkgroups(g[0], g[1]);
      } else {
        // float64: bins on the host, rows padded to whole words.
        const rows = new Uint8Array(d * words * 4);
        const one = new Uint8Array(n);
        const part = new Float64Array(n);
        for (let u = 0; u < d; u++) {
          part.set(data.subarray(u * samples + s0, u * samples + s0 + n));
          binUnits(part, 1, n, edges[k].subarray(u * ne, (u + 1) * ne), bins, one);
          rows.set(one, u * words * 4);
        }
        device.queue.writeBuffer(packed[k], 0, rows);
      }
    });
    for (const chunk of chunks) {
      const [a, b] = pairs[chunk.pair];
      const unitPairs = chunk.rows * units[b];
      if (unitPairs === 0) continue;
      const splits = Math.max(1, Math.min(Math.ceil(targetWorkgroups / unitPairs), Math.ceil(words / (4 * jointWg)), maxPerDim));
      const wordsPerSplit = Math.ceil(words / splits);
      const g = grid(unitPairs, maxPerDim);
      device.queue.writeBuffer(chunk.params, 0, new Uint32Array([units[b], words, n, chunk.row0, chunk.rows, g[0], wordsPerSplit, 0]));
      pass.setPipeline(jointPipeline);
      pass.setBindGroup(0, device.createBindGroup({
        label: `${KERNEL}: joint bind group`,
        layout: jointPipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: chunk.params } },
          { binding: 1, resource: { buffer: packed[a], size: units[a] * words * 4 } },
          { binding: 2, resource: { buffer: packed[b], size: units[b] * words * 4 } },
          { binding: 3, resource: { buffer: chunk.counts, size: chunk.cells * 4 } },
        ],
      }));
      pass.dispatchWorkgroups(g[0], g[1], Math.ceil(words / wordsPerSplit));
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  }

  return {
    name: `webgpu (${gpu.label})`,
    add(nets, samples) {
      checkBatch(spec, nets, samples);
      return exclusive(async () => {
        const most = Math.min(stepSamples, maxCount);
        for (let s0 = 0; s0 < samples; s0 += most) {
          const n = Math.min(most, samples - s0);
          if (inCounters + n > maxCount) await flush();
          await step(nets, samples, s0, n);
          inCounters += n;
        }
      });
    },
    counts() {
      return exclusive(async () => {
        await flush();
        return totals.map((t) => t.slice());
      });
    },
    async dispose() {
      await queue;
      disposed = true;
      for (const b of [...buffers, ...transient]) b.destroy();
    },
  };
}
