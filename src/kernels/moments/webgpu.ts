// The moment kernel on WebGPU. Its pieces: webgpu-tiles.ts (workgroup shapes), webgpu-plan.ts
// (pipelines, per-shape buffers), webgpu-chunk.ts (one chunk's passes and the float64 finish);
// this file splits batches into chunks and merges them.
//
// Two passes per chunk of samples, then an exact float64 finish on the host:
//  1. moments_center.wgsl, one workgroup per unit: a shift c_i near the unit's mean, the centred,
//     zero-padded copy xc = x - c (rows padded to the output tile, samples to the sample tile) and
//     S1_i = sum_s xc_is.
//  2. moments_comoment.wgsl, a tiled f32 GEMM over the upper triangle of output tiles:
//     S2_ij = sum_s xc_is xc_js, with the sample range optionally split across workgroups
//     (moments_reduce.wgsl sums the splits) so that small d still fills a large GPU.
// Only c, S1 and the upper-triangle tiles of S2 come back; the host forms
//   mean = c + S1 / n,   M2 = S2 - S1 S1' / n
// in float64 and mirrors M2. Chunks (when a batch would overflow a storage binding) are merged
// with the exact Chan update, like batches. A batch whose values overflow (or underflow) float32
// products is read back and redone in float64 on the host (src/kernels/moments/range-check.ts).
import { createBuffer, readBuffer } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { SerialQueue } from '../../gpu/serial.js';
import { USAGE_COPY_DST, USAGE_STORAGE } from '../../gpu/usage.js';
import { roundUp } from '../../gpu/workgroups.js';
import type { GpuContext } from '../../platform/webgpu.js';
import { RowBlockMerge, emptyMoments } from './merge.js';
import type { BatchMoments, MomentKernel } from './contract.js';
import { samplesOf, sumsOutOfFloat32Range } from './range-check.js';
import { accumulateMomentsReference } from './reference.js';
import { type ChunkStats, runChunk } from './webgpu-chunk.js';
import { KERNEL, type MomentLimits, type MomentPipelines, READBACK_BYTES, ShapePlanCache, createShapePlan, momentPipelines } from './webgpu-plan.js';
import { type MomentTileConfig, checkMomentTiles, chooseMomentTiles } from './webgpu-tiles.js';

export type { MomentTileConfig } from './webgpu-tiles.js';

export interface WebGpuMomentKernelOptions {
  /** Most samples per chunk (default: as many as the buffer cap allows). Mostly for tests. */
  maxChunkSamples?: number;
  /**
   * Cap on the bytes of any buffer this kernel allocates (default: the device's storage binding
   * limit, at most 256 MiB). Larger batches are processed in chunks.
   */
  maxBufferBytes?: number;
  /**
   * Cap on the bytes of one storage binding (default: the device's maxStorageBufferBindingSize).
   * Lower it only to exercise the chunked copy paths in tests.
   */
  maxBindingBytes?: number;
  /** Overrides of the tile shapes chosen from the limits (must still fit them; for tests and tuning). */
  tiles?: Partial<MomentTileConfig>;
  /** Workgroups the GEMM aims for, splitting the sample range when d is small (default 1024). */
  targetWorkgroups?: number;
  /**
   * Bytes of S2 tiles read back at a time (default READBACK_BYTES; at least one column of tiles).
   * Lower it only to exercise the read-back in many pieces in tests.
   */
  readbackBytes?: number;
}

export interface WebGpuMomentKernel extends MomentKernel {
  readonly tiles: MomentTileConfig;
  /**
   * Moments of a batch that is already on the device: `buffer` holds d x n f32 values,
   * unit-major (row u at byte offset 4 u n), and needs STORAGE usage (and COPY_SRC as well when
   * 4 d n exceeds the device's maxStorageBufferBindingSize). Only the d x d result comes back.
   */
  batchMomentsFromBuffer(buffer: GPUBuffer, d: number, n: number): Promise<BatchMoments>;
}

/** Samples [start, start + len) of every unit, as a batch of their own (for the exact path). */
type ChunkValues = (start: number, len: number) => Float32Array | Promise<Float32Array>;

/** Copies samples [start, start + len) of every unit into `target` (rows of len floats). */
type CopyChunk = (start: number, len: number, target: GPUBuffer, encoder: GPUCommandEncoder) => void;

/** The caps on buffers and bindings for these options on this device. */
function momentLimits(limits: GPUSupportedLimits, options: WebGpuMomentKernelOptions): MomentLimits {
  // Capped at 4 GiB so that every f32 index fits the shaders' u32 arithmetic.
  const bindLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, 0xfffffffc, options.maxBindingBytes ?? Infinity);
  return {
    bindLimit,
    bufferCap: Math.min(bindLimit, options.maxBufferBytes ?? 256 * 1024 * 1024),
    targetWorkgroups: options.targetWorkgroups ?? 1024,
    maxPerDim: limits.maxComputeWorkgroupsPerDimension,
    readbackBytes: options.readbackBytes ?? READBACK_BYTES,
  };
}

/** Samples per chunk for d units and n samples, balanced so that chunks are of equal length. */
function chunkLength(tiles: MomentTileConfig, caps: MomentLimits, maxChunkSamples: number | undefined, d: number, n: number, inputBindable: boolean): number {
  const dPad = roundUp(d, tiles.tile);
  let most = Math.floor(caps.bufferCap / (dPad * 4 * tiles.tileK)) * tiles.tileK;
  if (!inputBindable) most = Math.min(most, Math.floor(caps.bufferCap / (d * 4)));
  if (maxChunkSamples !== undefined) most = Math.min(most, Math.max(1, Math.floor(maxChunkSamples)));
  if (most < 1) throw new Error(`${d} units do not fit the WebGPU buffer limit of ${caps.bufferCap} bytes`);
  const chunks = Math.ceil(n / most);
  return Math.ceil(n / chunks);
}

function checkShape(d: number, n: number): void {
  if (!Number.isInteger(d) || !Number.isInteger(n) || d < 0 || n < 0) throw new Error(`bad batch shape ${d} x ${n}`);
}

export function createWebGpuMomentKernel(gpu: GpuContext, options: WebGpuMomentKernelOptions = {}): WebGpuMomentKernel {
  const device = gpu.device;
  const tiles = { ...chooseMomentTiles(device.limits), ...options.tiles };
  checkMomentTiles(tiles, device.limits);
  const caps = momentLimits(device.limits, options);
  const queue = new SerialQueue(gpuLabel(KERNEL));
  let pipelines: Promise<MomentPipelines> | undefined;
  let plans: ShapePlanCache | undefined;
  let upload: GPUBuffer | null = null;

  function uploadBuffer(bytes: number): GPUBuffer {
    if (!upload || upload.size < bytes) {
      upload?.destroy();
      upload = createBuffer(device, KERNEL, 'upload', bytes, USAGE_STORAGE | USAGE_COPY_DST);
    }
    return upload;
  }

  /**
   * Merges the moments of d x n samples into `total`, chunk by chunk (each chunk's rows of tiles
   * straight into the total): bound whole when `whole` is given, else copied chunk by chunk. A
   * chunk whose values left float32's range is redone exactly from `values` (its samples).
   */
  async function accumulateChunks(total: BatchMoments, d: number, n: number, whole: { buffer: GPUBuffer; bytes: number } | null, copyChunk: CopyChunk, values: ChunkValues, exponents?: Int32Array): Promise<void> {
    const p = await (pipelines ??= momentPipelines(device, tiles));
    plans ??= new ShapePlanCache((units, len) => createShapePlan(device, p, tiles, caps, units, len));
    const len = chunkLength(tiles, caps, options.maxChunkSamples, d, n, whole !== null);
    for (let start = 0; start < n; start += len) {
      const chunkLen = Math.min(len, n - start);
      const plan = plans.get(d, chunkLen);
      // The chunk's merge into the total, or null when it must be redone exactly instead.
      const startMerge = ({ mean, diagonal }: ChunkStats): RowBlockMerge | null =>
        sumsOutOfFloat32Range(chunkLen, mean, diagonal, Infinity) ? null : new RowBlockMerge(total, chunkLen, mean, exponents);
      let merged: boolean;
      if (whole) {
        merged = await runChunk(device, p, plan, { ...whole, inStride: n, inOffset: start }, startMerge);
      } else {
        const target = uploadBuffer(d * chunkLen * 4);
        const prepare = (encoder: GPUCommandEncoder) => copyChunk(start, chunkLen, target, encoder);
        merged = await runChunk(device, p, plan, { buffer: target, bytes: d * chunkLen * 4, inStride: chunkLen, inOffset: 0, prepare }, startMerge);
      }
      // Values beyond float32's range for squares: this chunk is redone exactly, in float64.
      if (!merged) accumulateMomentsReference(total, await values(start, chunkLen), d, chunkLen, exponents);
    }
  }

  /** A host batch: uploaded whole when it fits one binding, else row pieces per chunk. */
  function hostBatch(total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void> {
    const bytes = d * n * 4;
    const values: ChunkValues = (start, len) => samplesOf(data, n, d, start, start + len);
    if (bytes <= caps.bindLimit && bytes <= caps.bufferCap) {
      const target = uploadBuffer(bytes);
      device.queue.writeBuffer(target, 0, data.buffer, data.byteOffset, bytes);
      return accumulateChunks(total, d, n, { buffer: target, bytes }, () => {}, values, exponents);
    }
    return accumulateChunks(total, d, n, null, (start, len, target) => {
      for (let u = 0; u < d; u++) device.queue.writeBuffer(target, u * len * 4, data.buffer, data.byteOffset + (u * n + start) * 4, len * 4);
    }, values, exponents);
  }

  /** A device batch: bound whole when it fits one binding, else copied chunk by chunk on the device. */
  function deviceBatch(total: BatchMoments, buffer: GPUBuffer, d: number, n: number): Promise<void> {
    const bytes = d * n * 4;
    // Only for a chunk out of float32's range: the batch is read back and that chunk redone.
    const values: ChunkValues = async (start, len) => samplesOf(new Float32Array(await readBuffer(device, KERNEL, 'exact-path readback', buffer, bytes)), n, d, start, start + len);
    if (bytes <= caps.bindLimit) return accumulateChunks(total, d, n, { buffer, bytes }, () => {}, values);
    return accumulateChunks(total, d, n, null, (start, len, target, encoder) => {
      for (let u = 0; u < d; u++) encoder.copyBufferToBuffer(buffer, (u * n + start) * 4, target, u * len * 4, len * 4);
    }, values);
  }

  /** The moments of a batch on its own: merged into an empty total. */
  async function alone(d: number, n: number, into: (total: BatchMoments) => Promise<void>): Promise<BatchMoments> {
    const total = emptyMoments(d);
    if (d > 0 && n > 0) await into(total);
    total.n = n;
    return total;
  }

  return {
    name: `webgpu (${gpu.label})`,
    tiles,

    async batchMoments(data: Float32Array, d: number, n: number): Promise<BatchMoments> {
      checkShape(d, n);
      if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
      return queue.run(() => alone(d, n, (total) => hostBatch(total, data, d, n)));
    },

    async accumulate(total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void> {
      checkShape(d, n);
      if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
      if (total.d !== d) throw new Error(`cannot merge moments of ${total.d} and ${d} units`);
      if (d === 0 || n === 0) return;
      return queue.run(() => hostBatch(total, data, d, n, exponents));
    },

    async batchMomentsFromBuffer(buffer: GPUBuffer, d: number, n: number): Promise<BatchMoments> {
      checkShape(d, n);
      const bytes = d * n * 4;
      if (buffer.size < bytes) throw new Error(`buffer of ${buffer.size} bytes is too small for ${d} units x ${n} samples`);
      return queue.run(() => alone(d, n, (total) => deviceBatch(total, buffer, d, n)));
    },

    async dispose() {
      await queue.close();
      plans?.destroy();
      upload?.destroy();
      upload = null;
    },
  };
}
