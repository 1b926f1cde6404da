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
import { bindGroup, createBuffer } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { computePipelineAsync } from '../../gpu/pipelines.js';
import { SerialQueue } from '../../gpu/serial.js';
import { packUniforms, uniformLayout } from '../../gpu/uniforms.js';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../../gpu/usage.js';
import { grid, linearInvocations } from '../../gpu/workgroups.js';
import type { GpuContext } from '../../platform/webgpu.js';
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';
import { binUnits } from './reference.js';

const KERNEL = 'joint-histogram';
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

/** A block of one pair's counters: rows [row0, row0 + rows) of net A against every unit of net B. */
interface CounterBlock {
  pair: number;
  row0: number;
  rows: number;
  /** Counters in the block: rows x units of B x bins^2. */
  cells: number;
}

interface Chunk extends CounterBlock {
  counts: GPUBuffer;
  params: GPUBuffer;
}

/** Per pair, blocks of whole rows of net A whose counters fit one storage binding. */
function counterBlocks(spec: JointHistogramSpec, bindLimit: number): CounterBlock[] {
  const { bins, units, pairs } = spec;
  const cells = bins * bins;
  const blocks: CounterBlock[] = [];
  pairs.forEach(([a, b], pair) => {
    const rowBytes = units[b] * cells * 4;
    if (rowBytes > bindLimit) throw new Error(`${units[b]} units x ${bins}^2 bins exceed the WebGPU binding limit of ${bindLimit} bytes`);
    const rowsPer = Math.max(1, Math.floor(bindLimit / Math.max(rowBytes, 1)));
    for (let row0 = 0; row0 < units[a]; row0 += rowsPer) {
      const rows = Math.min(rowsPer, units[a] - row0);
      blocks.push({ pair, row0, rows, cells: rows * units[b] * cells });
    }
  });
  return blocks;
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
  const jointWg = Math.min(JOINT_WG, linearInvocations(limits));
  const binWg = Math.min(BIN_WG, linearInvocations(limits));

  const buffers: GPUBuffer[] = [];
  const make = (name: string, size: number, usage: number) => {
    const b = createBuffer(device, KERNEL, name, size, usage);
    buffers.push(b);
    return b;
  };

  const [binPipeline, jointPipeline] = await Promise.all([
    computePipelineAsync(device, { kernel: KERNEL, shader: 'joint_histogram_bin', constants: { WG: binWg } }),
    computePipelineAsync(device, { kernel: KERNEL, shader: 'joint_histogram', constants: { BINS: bins, CELLS: cells, WG: jointWg } }),
  ]);

  // Edges, rounded down to f32 (exact comparisons with f32 values).
  const edgeBuffers = units.map((d, k) => {
    const b = make(`edges of net ${k}`, d * ne * 4, USAGE_STORAGE | USAGE_COPY_DST);
    const f = new Float32Array(d * ne);
    for (let i = 0; i < f.length; i++) f[i] = f32Below(edges[k][i]);
    if (f.length > 0) device.queue.writeBuffer(b, 0, f);
    return b;
  });

  // Counters: u32 per (unit pair, bin pair), on the device across batches.
  const chunks: Chunk[] = counterBlocks(spec, bindLimit).map((block) => ({
    ...block,
    counts: make(`counters of pair ${block.pair}, rows ${block.row0}..${block.row0 + block.rows - 1}`, block.cells * 4, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST),
    params: make(`joint params ${block.pair}/${block.row0}`, uniformLayout('joint_histogram').size, USAGE_UNIFORM | USAGE_COPY_DST),
  }));
  const totals = pairs.map(([a, b]) => new Float64Array(units[a] * units[b] * cells));
  const readback = make('readback', Math.max(0, ...chunks.map((c) => c.cells * 4)), USAGE_MAP_READ | USAGE_COPY_DST);
  const binParams = units.map((_, k) => make(`bin params ${k}`, uniformLayout('joint_histogram_bin').size, USAGE_UNIFORM | USAGE_COPY_DST));

  // Batch-shape buffers (values and bins per net), regrown when a batch needs more.
  let shapeBuffers: { n: number; values: GPUBuffer[]; packed: GPUBuffer[] } | null = null;
  const transient: GPUBuffer[] = [];
  function batchBuffers(n: number) {
    if (shapeBuffers && shapeBuffers.n >= n) return shapeBuffers;
    for (const b of transient.splice(0)) b.destroy();
    const words = Math.ceil(n / 4);
    const values = units.map((d, k) => createBuffer(device, KERNEL, `values of net ${k}`, d * n * 4, USAGE_STORAGE | USAGE_COPY_DST));
    const packed = units.map((d, k) => createBuffer(device, KERNEL, `bins of net ${k}`, d * words * 4, USAGE_STORAGE | USAGE_COPY_DST));
    transient.push(...values, ...packed);
    shapeBuffers = { n, values, packed };
    return shapeBuffers;
  }

  /** Samples per device step, so that every net's values and bins fit a binding. */
  const maxUnits = Math.max(1, ...units);
  const stepSamples = Math.max(4, Math.floor(bindLimit / (maxUnits * 4) / 4) * 4);

  let inCounters = 0;
  const queue = new SerialQueue(gpuLabel(KERNEL));

  async function flush(): Promise<void> {
    if (inCounters === 0) return;
    for (const chunk of chunks) {
      const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'readback') });
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

  /** Bins net k's samples [s0, s0 + n) into packed[k]: on the device for f32, on the host for float64. */
  function binNet(pass: GPUComputePassEncoder, k: number, data: Float32Array | Float64Array, samples: number, s0: number, n: number, values: GPUBuffer, packed: GPUBuffer): void {
    const d = units[k];
    const words = Math.ceil(n / 4);
    if (data instanceof Float32Array) {
      if (s0 === 0 && n === samples) device.queue.writeBuffer(values, 0, data.buffer, data.byteOffset, d * n * 4);
      else for (let u = 0; u < d; u++) device.queue.writeBuffer(values, u * n * 4, data.buffer, data.byteOffset + (u * samples + s0) * 4, n * 4);
      const g = grid(Math.ceil((d * words) / binWg), maxPerDim);
      device.queue.writeBuffer(binParams[k], 0, packUniforms('joint_histogram_bin', `${KERNEL} bin net ${k}`, { units: d, n, words, ne, grid_x: g[0] }));
      pass.setPipeline(binPipeline);
      pass.setBindGroup(0, bindGroup(device, KERNEL, `bin net ${k}`, binPipeline, [binParams[k], { buffer: values, size: d * n * 4 }, edgeBuffers[k], { buffer: packed, size: d * words * 4 }]));
      pass.dispatchWorkgroups(g[0], g[1]);
      return;
    }
    // float64: bins on the host, rows padded to whole words.
    const rows = new Uint8Array(d * words * 4);
    const one = new Uint8Array(n);
    const part = new Float64Array(n);
    for (let u = 0; u < d; u++) {
      part.set(data.subarray(u * samples + s0, u * samples + s0 + n));
      binUnits(part, 1, n, edges[k].subarray(u * ne, (u + 1) * ne), bins, one);
      rows.set(one, u * words * 4);
    }
    device.queue.writeBuffer(packed, 0, rows);
  }

  /** Counts every chunk's unit pairs over n binned samples into its counters. */
  function countPairs(pass: GPUComputePassEncoder, packed: GPUBuffer[], n: number): void {
    const words = Math.ceil(n / 4);
    for (const chunk of chunks) {
      const [a, b] = pairs[chunk.pair];
      const unitPairs = chunk.rows * units[b];
      if (unitPairs === 0) continue;
      const splits = Math.max(1, Math.min(Math.ceil(targetWorkgroups / unitPairs), Math.ceil(words / (4 * jointWg)), maxPerDim));
      const wordsPerSplit = Math.ceil(words / splits);
      const g = grid(unitPairs, maxPerDim);
      const what = `pair ${chunk.pair} rows ${chunk.row0}..${chunk.row0 + chunk.rows - 1}`;
      device.queue.writeBuffer(
        chunk.params,
        0,
        packUniforms('joint_histogram', `${KERNEL} ${what}`, { units_b: units[b], words, n, row_a0: chunk.row0, rows_a: chunk.rows, grid_x: g[0], words_per_split: wordsPerSplit }),
      );
      pass.setPipeline(jointPipeline);
      pass.setBindGroup(
        0,
        bindGroup(device, KERNEL, what, jointPipeline, [
          chunk.params,
          { buffer: packed[a], size: units[a] * words * 4 },
          { buffer: packed[b], size: units[b] * words * 4 },
          { buffer: chunk.counts, size: chunk.cells * 4 },
        ]),
      );
      pass.dispatchWorkgroups(g[0], g[1], Math.ceil(words / wordsPerSplit));
    }
  }

  /** Samples [s0, s0 + n) of every net: binned, then counted, in one submit. */
  async function step(nets: (Float32Array | Float64Array)[], samples: number, s0: number, n: number): Promise<void> {
    const { values, packed } = batchBuffers(n);
    const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'batch') });
    const pass = encoder.beginComputePass({ label: gpuLabel(KERNEL, 'bin and count') });
    nets.forEach((data, k) => {
      if (units[k] > 0) binNet(pass, k, data, samples, s0, n, values[k], packed[k]);
    });
    countPairs(pass, packed, n);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  }

  return {
    name: `webgpu (${gpu.label})`,
    add(nets, samples) {
      checkBatch(spec, nets, samples);
      return queue.run(async () => {
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
      return queue.run(async () => {
        await flush();
        return totals.map((t) => t.slice());
      });
    },
    async dispose() {
      await queue.close();
      for (const b of [...buffers, ...transient]) b.destroy();
    },
  };
}
