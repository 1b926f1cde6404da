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
}

/** Buffers and bind groups for one (d, chunk length) shape; reused across batches of that shape. */
export interface ShapePlan {
  d: number;
  len: number;
  dPad: number;
  stride: number;
  nTiles: number;
  splits: number;
  centerGroups: [number, number];
  reduceGroups: [number, number];
  /** Bytes of the S2 tiles. */
  sumBytes: number;
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
  const readback = make('readback', 2 * dPad * 4 + sumBytes, USAGE_MAP_READ | USAGE_COPY_DST);
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
  return { d, len, dPad, stride, nTiles, splits, centerGroups, reduceGroups, sumBytes, xc, stats, partials, sums, readback, centerParams, gemmBindGroup, reduceBindGroup, buffers };
}

/** The plans of the two most recently used shapes; older ones are destroyed. */
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
    const plan = this.create(d, len);
    this.plans.set(key, plan);
    while (this.plans.size > 2) {
      const [oldKey, old] = this.plans.entries().next().value as [string, ShapePlan];
      this.plans.delete(oldKey);
      for (const b of old.buffers) b.destroy();
    }
    return plan;
  }

  destroy(): void {
    for (const plan of this.plans.values()) for (const b of plan.buffers) b.destroy();
    this.plans.clear();
  }
}
