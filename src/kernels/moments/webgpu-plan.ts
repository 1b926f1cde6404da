// The WebGPU moment kernel's pipelines, and its buffers and bind groups for one (units, chunk
// length) shape, kept for the two most recent shapes (a stream's full batches and its last,
// shorter one).
import { bindGroup, createBuffer } from '../../gpu/buffers.js';
import { computePipelineAsync } from '../../gpu/pipelines.js';
import { packUniforms, uniformLayout } from '../../gpu/uniforms.js';
import { USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../../gpu/usage.js';
import { grid, roundUp } from '../../gpu/workgroups.js';
import type { MomentTileConfig } from './webgpu-tiles.js';

export const KERNEL = 'moments';

export interface MomentPipelines {
  center: GPUComputePipeline;
  gemm: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

export function momentPipelines(device: GPUDevice, tiles: MomentTileConfig): Promise<MomentPipelines> {
  const make = (shader: string, constants: Record<string, number>) => computePipelineAsync(device, { kernel: KERNEL, shader, constants });
  return Promise.all([
    make('moments_center', { WG: tiles.centerWorkgroup }),
    make('moments_comoment', { TILE: tiles.tile, TILE_K: tiles.tileK }),
    make('moments_reduce', { WG: tiles.reduceWorkgroup }),
  ]).then(([center, gemm, reduce]) => ({ center, gemm, reduce }));
}

/** The device's sizes a plan must respect. */
export interface MomentLimits {
  /** Bytes of one storage binding. */
  bindLimit: number;
  /** Bytes of any buffer the kernel allocates. */
  bufferCap: number;
  /** Workgroups the GEMM aims for (see WebGpuMomentKernelOptions). */
  targetWorkgroups: number;
  maxPerDim: number;
  /** Bytes of S2 tiles read back at a time (at least one column of tiles). */
  readbackBytes: number;
}

/**
 * Bytes of S2 tiles read back at a time: the read-back buffer is mapped into host memory, so a
 * whole S2 (D^2 / 2 floats: 512 MiB for 16,384 units) would add a quarter of the state to it.
 */
export const READBACK_BYTES = 16 * 1024 * 1024;

/** Buffers and bind groups for one (d, chunk length) shape; reused across batches of that shape. */
export interface ShapePlan {
  d: number;
  /** Units per tile side (tiles.tile). */
  tile: number;
  len: number;
  dPad: number;
  stride: number;
  nTiles: number;
  splits: number;
  centerGroups: [number, number];
  reduceGroups: [number, number];
  /** Bytes of the S2 tiles. */
  sumBytes: number;
  /**
   * Bytes of the first read-back: the shift and S1 (2 dPad floats), then the whole S2 when it fits
   * READBACK_BYTES with them (`pieces` is then empty: one read-back per chunk), else the diagonal
   * tiles alone.
   */
  headBytes: number;
  /** Columns of tiles [tj0, tj1) read back at a time (contiguous in S2) after the head, in order. */
  pieces: [number, number][];
  xc: GPUBuffer;
  stats: GPUBuffer;
  partials: GPUBuffer;
  sums: GPUBuffer | null;
  readback: GPUBuffer;
  centerParams: GPUBuffer;
  gemmBindGroup: GPUBindGroup;
  reduceBindGroup: GPUBindGroup | null;
  buffers: GPUBuffer[];
}

/** How the GEMM splits its sample tiles across workgroups (z of the dispatch) for d units. */
function sampleSplits(pairs: number, kTiles: number, sumBytes: number, limits: MomentLimits): { splits: number; kTilesPerSplit: number } {
  let splits = Math.max(1, Math.min(Math.ceil(limits.targetWorkgroups / pairs), Math.floor(kTiles / 8), 64));
  splits = Math.max(1, Math.min(splits, Math.floor(limits.bufferCap / sumBytes)));
  const kTilesPerSplit = Math.ceil(kTiles / splits);
  return { splits: Math.ceil(kTiles / kTilesPerSplit), kTilesPerSplit };
}

export function createShapePlan(device: GPUDevice, p: MomentPipelines, tiles: MomentTileConfig, limits: MomentLimits, d: number, len: number): ShapePlan {
  const { tile, tileK } = tiles;
  const dPad = roundUp(d, tile);
  const stride = roundUp(len, tileK);
  const nTiles = dPad / tile;
  const pairs = (nTiles * (nTiles + 1)) / 2;
  const kTiles = stride / tileK;
  const sumBytes = pairs * tile * tile * 4;
  if (sumBytes > limits.bindLimit) {
    throw new Error(`${d} units need ${sumBytes} bytes of co-moments, over the WebGPU binding limit of ${limits.bindLimit}`);
  }
  const { splits, kTilesPerSplit } = sampleSplits(pairs, kTiles, sumBytes, limits);
  if (nTiles > limits.maxPerDim || splits > limits.maxPerDim) throw new Error(`${d} units exceed the device's dispatch limits`);

  const buffers: GPUBuffer[] = [];
  const make = (name: string, size: number, usage: number) => {
    const b = createBuffer(device, KERNEL, `${name} (${d} units x ${len} samples)`, size, usage);
    buffers.push(b);
    return b;
  };
  const uniform = (name: string, words: Uint32Array) => {
    const b = make(name, words.byteLength, USAGE_UNIFORM | USAGE_COPY_DST);
    device.queue.writeBuffer(b, 0, words);
    return b;
  };
  const xc = make('centred batch', dPad * stride * 4, USAGE_STORAGE);
  const stats = make('shift and S1', 2 * dPad * 4, USAGE_STORAGE | USAGE_COPY_SRC);
  const partials = make(splits > 1 ? 'S2 partials' : 'S2', splits * sumBytes, USAGE_STORAGE | USAGE_COPY_SRC);
  const sums = splits > 1 ? make('S2', sumBytes, USAGE_STORAGE | USAGE_COPY_SRC) : null;
  const whole = 2 * dPad * 4 + sumBytes <= limits.readbackBytes;
  const headBytes = 2 * dPad * 4 + (whole ? sumBytes : nTiles * tile * tile * 4);
  const pieces = whole ? [] : readbackPieces(nTiles, tile * tile * 4, limits.readbackBytes);
  const readbackBytes = Math.max(headBytes, ...pieces.map(([tj0, tj1]) => columnsBytes(tj0, tj1, tile)));
  const readback = make('readback', readbackBytes, USAGE_MAP_READ | USAGE_COPY_DST);
  const centerParams = make('center params', uniformLayout('moments_center').size, USAGE_UNIFORM | USAGE_COPY_DST);
  const gemmParams = uniform(
    'comoment params',
    packUniforms('moments_comoment', 'moments comoment', { n_tiles: nTiles, stride4: stride / 4, k_tiles: kTiles, k_tiles_per_split: kTilesPerSplit, pairs }),
  );
  const gemmBindGroup = bindGroup(device, KERNEL, 'comoment', p.gemm, [gemmParams, { buffer: xc, size: dPad * stride * 4 }, { buffer: partials, size: splits * sumBytes }]);
  const len4 = sumBytes / 16;
  const reduceGroups = grid(Math.ceil(len4 / tiles.reduceWorkgroup), limits.maxPerDim);
  let reduceBindGroup: GPUBindGroup | null = null;
  if (sums) {
    const reduceParams = uniform('reduce params', packUniforms('moments_reduce', 'moments reduce', { len4, splits, groups_x: reduceGroups[0] }));
    reduceBindGroup = bindGroup(device, KERNEL, 'reduce', p.reduce, [reduceParams, { buffer: partials, size: splits * sumBytes }, { buffer: sums, size: sumBytes }]);
  }
  const centerGroups = grid(dPad, limits.maxPerDim);
  return { d, tile, len, dPad, stride, nTiles, splits, centerGroups, reduceGroups, sumBytes, headBytes, pieces, xc, stats, partials, sums, readback, centerParams, gemmBindGroup, reduceBindGroup, buffers };
}

/**
 * Bytes of device buffers above which the cache keeps one plan, not two: a large layer's plan
 * (its S2 tiles are D^2 / 2 floats, host memory on a software device such as llvmpipe) is remade
 * for the last, shorter batch rather than held twice, which costs an allocation against that
 * batch's D^2 n work.
 */
export const SHAPE_PLANS_BYTES = 64 * 1024 * 1024;

/** Byte offset in S2 of tile column tj (columns are stored one after another, tiles ti <= tj each). */
export function columnOffset(tj: number, tile: number): number {
  return ((tj * (tj + 1)) / 2) * tile * tile * 4;
}

/** Bytes of tile columns [tj0, tj1) of S2. */
function columnsBytes(tj0: number, tj1: number, tile: number): number {
  return columnOffset(tj1, tile) - columnOffset(tj0, tile);
}

/** Consecutive ranges of tile columns of at most `most` bytes each (one column at least). */
function readbackPieces(nTiles: number, tileBytes: number, most: number): [number, number][] {
  const pieces: [number, number][] = [];
  let tj0 = 0;
  let bytes = 0;
  for (let tj = 0; tj < nTiles; tj++) {
    const column = (tj + 1) * tileBytes;
    if (bytes > 0 && bytes + column > most) {
      pieces.push([tj0, tj]);
      [tj0, bytes] = [tj, 0];
    }
    bytes += column;
  }
  pieces.push([tj0, nTiles]);
  return pieces;
}

function planBytes(plan: ShapePlan): number {
  return plan.buffers.reduce((sum, b) => sum + b.size, 0);
}

/** The plans of the two most recently used shapes (one when they are large); older ones are destroyed. */
export class ShapePlanCache {
  private readonly plans = new Map<string, ShapePlan>();

  constructor(private readonly create: (d: number, len: number) => ShapePlan) {}

  get(d: number, len: number): ShapePlan {
    const key = `${d}x${len}`;
    const cached = this.plans.get(key);
    if (cached) {
      this.plans.delete(key);
      this.plans.set(key, cached); // most recently used last
      return cached;
    }
    // The new plan will be about the size of the latest (the same layer, another chunk length):
    // large plans go before it is made, so that two are never held at once.
    const latest = [...this.plans.values()].at(-1);
    const expected = latest ? planBytes(latest) : 0;
    while (this.plans.size > 0 && this.bytes() + expected > SHAPE_PLANS_BYTES) this.evictOldest();
    const plan = this.create(d, len);
    this.plans.set(key, plan);
    while (this.plans.size > 2 || (this.plans.size > 1 && this.bytes() > SHAPE_PLANS_BYTES)) this.evictOldest();
    return plan;
  }

  /** Destroys the least recently used plan. */
  private evictOldest(): void {
    const [oldKey, old] = this.plans.entries().next().value as [string, ShapePlan];
    this.plans.delete(oldKey);
    for (const b of old.buffers) b.destroy();
  }

  private bytes(): number {
    let sum = 0;
    for (const plan of this.plans.values()) sum += planBytes(plan);
    return sum;
  }

  destroy(): void {
    for (const plan of this.plans.values()) for (const b of plan.buffers) b.destroy();
    this.plans.clear();
  }
}
