// The moment kernel on WebGPU.
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
import { emptyMoments, mergeMomentsInto } from '../../stats/merge.js';
import type { BatchMoments, MomentKernel } from './contract.js';
import { outOfFloat32Range } from './range-check.js';
import { batchMomentsReference } from './reference.js';

const KERNEL = 'convergent.moments';

/** Workgroup shapes, chosen once per device from its limits. */
export interface MomentTileConfig {
  /** Output tile side of the GEMM (units); (tile/4)^2 invocations, 4 x 4 outputs each. */
  tile: number;
  /** Samples staged in workgroup memory per step of the GEMM. */
  tileK: number;
  /** Invocations per workgroup of the centring pass. */
  centerWorkgroup: number;
  /** Invocations per workgroup of the split reduction. */
  reduceWorkgroup: number;
}

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

function largestPowerOfTwoAtMost(x: number): number {
  let p = 1;
  while (p * 2 <= x) p *= 2;
  return p;
}

export function chooseMomentTiles(limits: GPUSupportedLimits): MomentTileConfig {
  const invocations = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  const side = Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeWorkgroupSizeY);
  const storage = limits.maxComputeWorkgroupStorageSize;
  const tileK = 32;
  let tile = 16;
  for (const candidate of [64, 32]) {
    const t4 = candidate / 4;
    if (t4 * t4 <= limits.maxComputeInvocationsPerWorkgroup && t4 <= side && 2 * tileK * candidate * 4 <= storage) {
      tile = candidate;
      break;
    }
  }
  const centerWorkgroup = largestPowerOfTwoAtMost(Math.min(256, invocations, storage / 4));
  const reduceWorkgroup = largestPowerOfTwoAtMost(Math.min(256, invocations));
  return { tile, tileK, centerWorkgroup, reduceWorkgroup };
}

function checkTiles(t: MomentTileConfig, limits: GPUSupportedLimits): void {
  const pow2 = (x: number) => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
  const ok =
    [16, 32, 64].includes(t.tile) &&
    [8, 16, 32, 64].includes(t.tileK) &&
    (t.tile / 4) ** 2 <= limits.maxComputeInvocationsPerWorkgroup &&
    t.tile / 4 <= Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeWorkgroupSizeY) &&
    2 * t.tileK * t.tile * 4 <= limits.maxComputeWorkgroupStorageSize &&
    pow2(t.centerWorkgroup) &&
    pow2(t.reduceWorkgroup) &&
    Math.max(t.centerWorkgroup, t.reduceWorkgroup) <= Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX) &&
    t.centerWorkgroup * 4 <= limits.maxComputeWorkgroupStorageSize;
  if (!ok) throw new Error(`moment kernel tiles ${JSON.stringify(t)} do not fit the device limits`);
}




/** Buffers and bind groups for one (d, chunk length) shape; reused across batches of that shape. */
interface Plan {
  d: number;
  len: number;
  dPad: number;
  stride: number;
  nTiles: number;
  pairs: number;
  kTiles: number;
  splits: number;
  kTilesPerSplit: number;
  centerGroups: [number, number];
  reduceGroups: [number, number];
  sumBytes: number;
  xc: GPUBuffer;
  stats: GPUBuffer;
  partials: GPUBuffer;
  sums: GPUBuffer | null;
  readback: GPUBuffer;
  centerParams: GPUBuffer;
  gemmParams: GPUBuffer;
  reduceParams: GPUBuffer | null;
  gemmBindGroup: GPUBindGroup;
  reduceBindGroup: GPUBindGroup | null;
  buffers: GPUBuffer[];
}

interface Pipelines {
  center: GPUComputePipeline;
  gemm: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

/** Compiled pipelines per device and tile shape, shared by every kernel on that device. */
const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<Pipelines>>>();


export function createWebGpuMomentKernel(gpu: GpuContext, options: WebGpuMomentKernelOptions = {}): WebGpuMomentKernel {
  const device = gpu.device;
  const limits = device.limits;
  const tiles = { ...chooseMomentTiles(limits), ...options.tiles };
  checkTiles(tiles, limits);
  const { tile, tileK } = tiles;
  // Capped at 4 GiB so that every f32 index fits the shaders' u32 arithmetic.
  const bindLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, 0xfffffffc, options.maxBindingBytes ?? Infinity);
  const bufferCap = Math.min(bindLimit, options.maxBufferBytes ?? 256 * 1024 * 1024);
  const targetWorkgroups = options.targetWorkgroups ?? 1024;
  const maxPerDim = limits.maxComputeWorkgroupsPerDimension;

  const plans = new Map<string, Plan>();
  let upload: GPUBuffer | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  function getPipelines(): Promise<Pipelines> {
    let perDevice = pipelineCache.get(device);
    if (!perDevice) pipelineCache.set(device, (perDevice = new Map()));
    const key = JSON.stringify(tiles);
    let pipelines = perDevice.get(key);
    pipelines ??= (async () => {
      const make = async (name: string, code: string) => {
        const module = device.createShaderModule({ label: `${KERNEL}: ${name}`, code });
        return device.createComputePipelineAsync({
          label: `${KERNEL}: ${name}`,
          layout: 'auto',
          compute: { module, entryPoint: 'main' },
        });
      };
      const [center, gemm, reduce] = await Promise.all([
        make('center', specialise(shader('moments_center'), { WG: tiles.centerWorkgroup })),
        make('comoment', specialise(shader('moments_comoment'), { TILE: tile, TILE_K: tileK })),
        make('reduce', specialise(shader('moments_reduce'), { WG: tiles.reduceWorkgroup })),
      ]);
      return { center, gemm, reduce };
    })();
    perDevice.set(key, pipelines);
    return pipelines;
  }

  function createBuffer(name: string, size: number, usage: number): GPUBuffer {
    return device.createBuffer({ label: `${KERNEL}: ${name}`, size: Math.max(16, roundUp(size, 16)), usage });
  }

  /** Samples per chunk for d units and n samples, balanced so that chunks are of equal length. */
  function chunkLength(d: number, n: number, inputBindable: boolean): number {
    const dPad = roundUp(d, tile);
    let most = Math.floor(bufferCap / (dPad * 4 * tileK)) * tileK;
    if (!inputBindable) most = Math.min(most, Math.floor(bufferCap / (d * 4)));
    if (options.maxChunkSamples !== undefined) most = Math.min(most, Math.max(1, Math.floor(options.maxChunkSamples)));
    if (most < 1) throw new Error(`${d} units do not fit the WebGPU buffer limit of ${bufferCap} bytes`);
    const chunks = Math.ceil(n / most);
    return Math.ceil(n / chunks);
  }

  function getPlan(p: Pipelines, d: number, len: number): Plan {
    const key = `${d}x${len}`;
    const cached = plans.get(key);
    if (cached) {
      plans.delete(key);
      plans.set(key, cached); // most recently used last
      return cached;
    }
    const dPad = roundUp(d, tile);
    const stride = roundUp(len, tileK);
    const nTiles = dPad / tile;
    const pairs = (nTiles * (nTiles + 1)) / 2;
    const kTiles = stride / tileK;
    const sumBytes = pairs * tile * tile * 4;
    if (sumBytes > bindLimit) {
      throw new Error(`${d} units need ${sumBytes} bytes of co-moments, over the WebGPU binding limit of ${bindLimit}`);
    }
    let splits = Math.max(1, Math.min(Math.ceil(targetWorkgroups / pairs), Math.floor(kTiles / 8), 64));
    splits = Math.max(1, Math.min(splits, Math.floor(bufferCap / sumBytes)));
    const kTilesPerSplit = Math.ceil(kTiles / splits);
    splits = Math.ceil(kTiles / kTilesPerSplit);
    if (nTiles > maxPerDim || splits > maxPerDim) throw new Error(`${d} units exceed the device's dispatch limits`);

    const buffers: GPUBuffer[] = [];
    const make = (name: string, size: number, usage: number) => {
      const b = createBuffer(`${name} (${d} units x ${len} samples)`, size, usage);
      buffers.push(b);
      return b;
    };
    const xc = make('centred batch', dPad * stride * 4, USAGE_STORAGE);
    const stats = make('shift and S1', 2 * dPad * 4, USAGE_STORAGE | USAGE_COPY_SRC);
    const partials = make(splits > 1 ? 'S2 partials' : 'S2', splits * sumBytes, USAGE_STORAGE | USAGE_COPY_SRC);
    const sums = splits > 1 ? make('S2', sumBytes, USAGE_STORAGE | USAGE_COPY_SRC) : null;
    const readback = make('readback', 2 * dPad * 4 + sumBytes, USAGE_MAP_READ | USAGE_COPY_DST);
    const centerParams = make('center params', 32, USAGE_UNIFORM | USAGE_COPY_DST);
    const gemmParams = make('comoment params', 32, USAGE_UNIFORM | USAGE_COPY_DST);
    const centerGroups = grid(dPad, maxPerDim);
    device.queue.writeBuffer(gemmParams, 0, new Uint32Array([nTiles, stride / 4, kTiles, kTilesPerSplit, pairs, 0, 0, 0]));
    const gemmBindGroup = device.createBindGroup({
      label: `${KERNEL}: comoment bind group`,
      layout: p.gemm.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: gemmParams } },
        { binding: 1, resource: { buffer: xc, size: dPad * stride * 4 } },
        { binding: 2, resource: { buffer: partials, size: splits * sumBytes } },
      ],
    });
    let reduceParams: GPUBuffer | null = null;
    let reduceBindGroup: GPUBindGroup | null = null;
    const len4 = sumBytes / 16;
    const reduceGroups = grid(Math.ceil(len4 / tiles.reduceWorkgroup), maxPerDim);
    if (sums) {
      reduceParams = make('reduce params', 16, USAGE_UNIFORM | USAGE_COPY_DST);
      device.queue.writeBuffer(reduceParams, 0, new Uint32Array([len4, splits, reduceGroups[0], 0]));
      reduceBindGroup = device.createBindGroup({
        label: `${KERNEL}: reduce bind group`,
        layout: p.reduce.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: reduceParams } },
          { binding: 1, resource: { buffer: partials, size: splits * sumBytes } },
          { binding: 2, resource: { buffer: sums, size: sumBytes } },
        ],
      });
    }
    const plan: Plan = {
      d, len, dPad, stride, nTiles, pairs, kTiles, splits, kTilesPerSplit, centerGroups, reduceGroups, sumBytes,
      xc, stats, partials, sums, readback, centerParams, gemmParams, reduceParams, gemmBindGroup, reduceBindGroup, buffers,
    };
    plans.set(key, plan);
    // Keep the two most recent shapes (a stream's full batches and its last, shorter one).
    while (plans.size > 2) {
      const [oldKey, old] = plans.entries().next().value as [string, Plan];
      plans.delete(oldKey);
      for (const b of old.buffers) b.destroy();
    }
    return plan;
  }

  function uploadBuffer(bytes: number): GPUBuffer {
    if (!upload || upload.size < bytes) {
      upload?.destroy();
      upload = createBuffer('upload', bytes, USAGE_STORAGE | USAGE_COPY_DST);
    }
    return upload;
  }

  /**
   * One chunk: `source` holds rows of `inStride` floats and the chunk is samples
   * [inOffset, inOffset + len) of each row. `prepare` may record copies into `source` first.
   */
  async function runChunk(
    p: Pipelines,
    plan: Plan,
    source: GPUBuffer,
    sourceBytes: number,
    inStride: number,
    inOffset: number,
    prepare?: (encoder: GPUCommandEncoder) => void,
  ): Promise<BatchMoments> {
    const { d, len, dPad } = plan;
    device.queue.writeBuffer(
      plan.centerParams,
      0,
      new Uint32Array([d, dPad, len, inStride, inOffset, plan.stride, plan.centerGroups[0], 0]),
    );
    const centerBindGroup = device.createBindGroup({
      label: `${KERNEL}: center bind group`,
      layout: p.center.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: plan.centerParams } },
        { binding: 1, resource: { buffer: source, size: sourceBytes } },
        { binding: 2, resource: { buffer: plan.xc, size: dPad * plan.stride * 4 } },
        { binding: 3, resource: { buffer: plan.stats, size: 2 * dPad * 4 } },
      ],
    });
    const encoder = device.createCommandEncoder({ label: `${KERNEL}: batch` });
    prepare?.(encoder);
    const pass = encoder.beginComputePass({ label: `${KERNEL}: passes` });
    pass.setPipeline(p.center);
    pass.setBindGroup(0, centerBindGroup);
    pass.dispatchWorkgroups(plan.centerGroups[0], plan.centerGroups[1]);
    pass.setPipeline(p.gemm);
    pass.setBindGroup(0, plan.gemmBindGroup);
    pass.dispatchWorkgroups(plan.nTiles, plan.nTiles, plan.splits);
    if (plan.sums && plan.reduceBindGroup) {
      pass.setPipeline(p.reduce);
      pass.setBindGroup(0, plan.reduceBindGroup);
      pass.dispatchWorkgroups(plan.reduceGroups[0], plan.reduceGroups[1]);
    }
    pass.end();
    encoder.copyBufferToBuffer(plan.stats, 0, plan.readback, 0, 2 * dPad * 4);
    encoder.copyBufferToBuffer(plan.sums ?? plan.partials, 0, plan.readback, 2 * dPad * 4, plan.sumBytes);
    device.queue.submit([encoder.finish()]);

    await plan.readback.mapAsync(MAP_MODE_READ, 0, 2 * dPad * 4 + plan.sumBytes);
    const raw = new Float32Array(plan.readback.getMappedRange(0, 2 * dPad * 4 + plan.sumBytes).slice(0));
    plan.readback.unmap();
    return finish(plan, raw);
  }

  /** mean = c + S1 / n, M2 = S2 - S1 S1' / n in float64, mirrored to the full matrix. */
  function finish(plan: Plan, raw: Float32Array): BatchMoments {
    const { d, len: n, dPad, nTiles } = plan;
    const mean = new Float64Array(d);
    const s1 = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      s1[i] = raw[dPad + i];
      mean[i] = raw[i] + s1[i] / n;
    }
    const m2 = new Float64Array(d * d);
    const base = 2 * dPad;
    const tt = tile * tile;
    for (let tj = 0; tj < nTiles; tj++) {
      for (let ti = 0; ti <= tj; ti++) {
        const pairOffset = base + ((tj * (tj + 1)) / 2 + ti) * tt;
        const rowEnd = Math.min(tile, d - ti * tile);
        const colEnd = Math.min(tile, d - tj * tile);
        for (let r = 0; r < rowEnd; r++) {
          const gi = ti * tile + r;
          const si = s1[gi] / n;
          const rowOffset = pairOffset + r * tile;
          for (let c = ti === tj ? r : 0; c < colEnd; c++) {
            const gj = tj * tile + c;
            const v = raw[rowOffset + c] - si * s1[gj];
            m2[gi * d + gj] = v;
            m2[gj * d + gi] = v;
          }
        }
      }
    }
    return { n, d, mean, m2 };
  }

  /** The first `bytes` of a buffer (which needs COPY_SRC usage), as f32 on the host. */
  async function readBack(buffer: GPUBuffer, bytes: number): Promise<Float32Array> {
    const staging = createBuffer('exact-path readback', bytes, USAGE_MAP_READ | USAGE_COPY_DST);
    try {
      const encoder = device.createCommandEncoder({ label: `${KERNEL}: exact-path readback` });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ, 0, bytes);
      return new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    } finally {
      staging.destroy();
    }
  }

  function checkShape(d: number, n: number): void {
    if (!Number.isInteger(d) || !Number.isInteger(n) || d < 0 || n < 0) throw new Error(`bad batch shape ${d} x ${n}`);
  }

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(() => {
      if (disposed) throw new Error(`${KERNEL}: kernel was disposed`);
      return fn();
    });
    queue = run.catch(() => undefined);
    return run;
  }

  async function momentsOf(
    d: number,
    n: number,
    whole: { buffer: GPUBuffer; bytes: number } | null,
    copyChunk: (chunkStart: number, len: number, target: GPUBuffer, encoder: GPUCommandEncoder) => void,
  ): Promise<BatchMoments> {
    const p = await getPipelines();
    const len = chunkLength(d, n, whole !== null);
    const result = emptyMoments(d);
    for (let start = 0; start < n; start += len) {
      const chunkLen = Math.min(len, n - start);
      const plan = getPlan(p, d, chunkLen);
      let part: BatchMoments;
      if (whole) {
        part = await runChunk(p, plan, whole.buffer, whole.bytes, n, start);
      } else {
        const target = uploadBuffer(d * chunkLen * 4);
        part = await runChunk(p, plan, target, d * chunkLen * 4, chunkLen, 0, (encoder) =>
          copyChunk(start, chunkLen, target, encoder),
        );
      }
      if (start === 0 && chunkLen === n) return part;
      mergeMomentsInto(result, part);
    }
    // The merge's rank-one update is symmetric only up to rounding; report an exactly symmetric M2.
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) result.m2[j * d + i] = result.m2[i * d + j];
    return result;
  }

  return {
    name: `webgpu (${gpu.label})`,
    tiles,

    async batchMoments(data: Float32Array, d: number, n: number): Promise<BatchMoments> {
      checkShape(d, n);
      if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
      return exclusive(async () => {
        if (d === 0 || n === 0) return { ...emptyMoments(d), n };
        const bytes = d * n * 4;
        let result: BatchMoments;
        if (bytes <= bindLimit && bytes <= bufferCap) {
          const target = uploadBuffer(bytes);
          device.queue.writeBuffer(target, 0, data.buffer, data.byteOffset, bytes);
          result = await momentsOf(d, n, { buffer: target, bytes }, () => {});
        } else {
          result = await momentsOf(d, n, null, (start, len, target) => {
            for (let u = 0; u < d; u++) device.queue.writeBuffer(target, u * len * 4, data.buffer, data.byteOffset + (u * n + start) * 4, len * 4);
          });
        }
        // Values beyond float32's range for squares: this batch is redone exactly, in float64.
        return outOfFloat32Range(result) ? batchMomentsReference(data, d, n) : result;
      });
    },

    async batchMomentsFromBuffer(buffer: GPUBuffer, d: number, n: number): Promise<BatchMoments> {
      checkShape(d, n);
      const bytes = d * n * 4;
      if (buffer.size < bytes) throw new Error(`buffer of ${buffer.size} bytes is too small for ${d} units x ${n} samples`);
      return exclusive(async () => {
        if (d === 0 || n === 0) return { ...emptyMoments(d), n };
        const result =
          bytes <= bindLimit
            ? await momentsOf(d, n, { buffer, bytes }, () => {})
            : await momentsOf(d, n, null, (start, len, target, encoder) => {
                for (let u = 0; u < d; u++) encoder.copyBufferToBuffer(buffer, (u * n + start) * 4, target, u * len * 4, len * 4);
              });
        // Values beyond float32's range for squares: read the batch back and redo it in float64.
        return outOfFloat32Range(result) ? batchMomentsReference(await readBack(buffer, bytes), d, n) : result;
      });
    },

    async dispose() {
      await queue;
      disposed = true;
      for (const plan of plans.values()) for (const b of plan.buffers) b.destroy();
      plans.clear();
      upload?.destroy();
      upload = null;
    },
  };
}
