// One chunk of samples through the WebGPU moment kernel: centre (moments_center.wgsl), co-moment
// GEMM (moments_comoment.wgsl), the optional split reduction (moments_reduce.wgsl), then the
// exact float64 finish on the host:
//   mean = c + S1 / n,   M2 = S2 - S1 S1' / n,
// formed a row of tiles at a time and merged straight into the caller's total (RowBlockMerge).
import { bindGroup } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { MAP_MODE_READ } from '../../gpu/usage.js';
import type { RowBlockMerge } from './merge.js';
import { KERNEL, type MomentPipelines, type ShapePlan } from './webgpu-plan.js';

/** Where a chunk's samples are: rows of `inStride` floats, the chunk at [inOffset, inOffset + len) of each. */
export interface ChunkSource {
  buffer: GPUBuffer;
  bytes: number;
  inStride: number;
  inOffset: number;
  /** Records copies into `buffer` before the passes (chunks copied from a larger buffer). */
  prepare?: (encoder: GPUCommandEncoder) => void;
}

function encodePasses(device: GPUDevice, p: MomentPipelines, plan: ShapePlan, src: ChunkSource): GPUCommandBuffer {
  const { d, len, dPad } = plan;
  device.queue.writeBuffer(
    plan.centerParams,
    0,
    packUniforms('moments_center', 'moments center', {
      d,
      d_pad: dPad,
      n: len,
      in_stride: src.inStride,
      in_offset: src.inOffset,
      out_stride: plan.stride,
      groups_x: plan.centerGroups[0],
    }),
  );
  const centerBindGroup = bindGroup(device, KERNEL, 'center', p.center, [
    plan.centerParams,
    { buffer: src.buffer, size: src.bytes },
    { buffer: plan.xc, size: dPad * plan.stride * 4 },
    { buffer: plan.stats, size: 2 * dPad * 4 },
  ]);
  const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'batch') });
  src.prepare?.(encoder);
  const pass = encoder.beginComputePass({ label: gpuLabel(KERNEL, 'passes') });
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
  return encoder.finish();
}

/**
 * One chunk computed on the device and read back: per padded unit the shift c and S1, then the
 * upper-triangle tiles of S2 (f32), as webgpu-plan.ts lays them out.
 */
export async function runChunk(device: GPUDevice, p: MomentPipelines, plan: ShapePlan, src: ChunkSource): Promise<Float32Array> {
  device.queue.submit([encodePasses(device, p, plan, src)]);
  const bytes = 2 * plan.dPad * 4 + plan.sumBytes;
  await plan.readback.mapAsync(MAP_MODE_READ, 0, bytes);
  const raw = new Float32Array(plan.readback.getMappedRange(0, bytes).slice(0));
  plan.readback.unmap();
  return raw;
}

/** A chunk's means (mean = c + S1 / n), S1 and the diagonal of its M2, in float64. */
export function chunkStats(plan: ShapePlan, tile: number, raw: Float32Array): { mean: Float64Array; s1: Float64Array; diagonal: Float64Array } {
  const { d, len: n, dPad } = plan;
  const mean = new Float64Array(d);
  const s1 = new Float64Array(d);
  const diagonal = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    s1[i] = raw[dPad + i];
    mean[i] = raw[i] + s1[i] / n;
  }
  for (let i = 0; i < d; i++) diagonal[i] = raw[s2Index(plan, tile, i, i)] - (s1[i] / n) * s1[i];
  return { mean, s1, diagonal };
}

/** Where S2 (i, j), i <= j, lies in the read-back chunk. */
function s2Index(plan: ShapePlan, tile: number, i: number, j: number): number {
  const ti = Math.floor(i / tile);
  const tj = Math.floor(j / tile);
  return 2 * plan.dPad + ((tj * (tj + 1)) / 2 + ti) * tile * tile + (i - ti * tile) * tile + (j - tj * tile);
}

/**
 * M2 = S2 - S1 S1' / n in float64, merged into `merge` a row of tiles at a time (each row block
 * holds the tile rows' entries j >= the block's first unit), never as a d x d matrix.
 */
export function mergeChunk(plan: ShapePlan, tile: number, raw: Float32Array, s1: Float64Array, merge: RowBlockMerge): void {
  const { d, len: n, nTiles } = plan;
  const block = new Float64Array(tile * d);
  const tt = tile * tile;
  for (let ti = 0; ti < nTiles; ti++) {
    const i0 = ti * tile;
    const stride = d - i0;
    const rowEnd = Math.min(tile, d - i0);
    for (let tj = ti; tj < nTiles; tj++) {
      const pairOffset = 2 * plan.dPad + ((tj * (tj + 1)) / 2 + ti) * tt;
      const colEnd = Math.min(tile, d - tj * tile);
      for (let r = 0; r < rowEnd; r++) {
        const si = s1[i0 + r] / n;
        const rowOffset = pairOffset + r * tile;
        const at = r * stride + tj * tile - i0;
        for (let c = ti === tj ? r : 0; c < colEnd; c++) block[at + c] = raw[rowOffset + c] - si * s1[tj * tile + c];
      }
    }
    merge.rows(i0, i0 + rowEnd, block, stride, i0);
  }
}
