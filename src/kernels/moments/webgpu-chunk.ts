// One chunk of samples through the WebGPU moment kernel: centre (moments_center.wgsl), co-moment
// GEMM (moments_comoment.wgsl), the optional split reduction (moments_reduce.wgsl), then the
// exact float64 finish on the host:
//   mean = c + S1 / n,   M2 = S2 - S1 S1' / n,
// read back a few columns of tiles at a time and merged tile by tile straight into the caller's
// total (RowBlockMerge): the host holds neither S2 whole nor the chunk's M2.
import { bindGroup } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { MAP_MODE_READ } from '../../gpu/usage.js';
import type { RowBlockMerge } from './merge.js';
import { KERNEL, type MomentPipelines, type ShapePlan, columnOffset } from './webgpu-plan.js';

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
  // The head of the read-back: the shift and S1, then the whole S2 or, when S2 is read back in
  // pieces, each diagonal tile (the range check needs the diagonal before anything is merged).
  encoder.copyBufferToBuffer(plan.stats, 0, plan.readback, 0, 2 * dPad * 4);
  if (wholeS2(plan)) encoder.copyBufferToBuffer(s2Of(plan), 0, plan.readback, 2 * dPad * 4, plan.sumBytes);
  else for (let t = 0; t < plan.nTiles; t++) encoder.copyBufferToBuffer(s2Of(plan), diagonalTile(plan, t, true) * 4, plan.readback, (2 * dPad + diagonalTile(plan, t, false)) * 4, plan.tile * plan.tile * 4);
  return encoder.finish();
}

/** True when the head read-back holds the whole S2 (no pieces after it). */
const wholeS2 = (plan: ShapePlan) => plan.pieces.length === 0;

/** Float offset of diagonal tile t: in S2 (`inS2`), or after the shift and S1 in the head. */
function diagonalTile(plan: ShapePlan, t: number, inS2: boolean): number {
  const tt = plan.tile * plan.tile;
  return inS2 || wholeS2(plan) ? columnOffset(t, plan.tile) / 4 + t * tt : t * tt;
}

const s2Of = (plan: ShapePlan) => plan.sums ?? plan.partials;

/** Maps the first `bytes` of the read-back buffer, hands them to `use` (valid only there), unmaps. */
async function readBack<R>(plan: ShapePlan, bytes: number, use: (raw: Float32Array) => R): Promise<R> {
  await plan.readback.mapAsync(MAP_MODE_READ, 0, bytes);
  try {
    return use(new Float32Array(plan.readback.getMappedRange(0, bytes)));
  } finally {
    plan.readback.unmap();
  }
}

/** A chunk's means (mean = c + S1 / n), S1 and the diagonal of its M2, in float64. */
export interface ChunkStats {
  mean: Float64Array;
  s1: Float64Array;
  diagonal: Float64Array;
}

/**
 * One chunk computed on the device, then read back: first its shift, S1 and diagonal tiles, which
 * `start` turns into the chunk's merge into a total (or null: the chunk is not merged, and false
 * returned); then the S2 tiles a few columns at a time (plan.pieces), each merged as
 * M2 = S2 - S1 S1' / n in float64 from the mapped read-back itself. So the host never holds more
 * than READBACK_BYTES of S2 (a small S2 comes whole with the head, in one read-back), nor the
 * chunk's M2 as a d x d matrix.
 */
export async function runChunk(device: GPUDevice, p: MomentPipelines, plan: ShapePlan, src: ChunkSource, start: (stats: ChunkStats) => RowBlockMerge | null): Promise<boolean> {
  const { tile } = plan;
  device.queue.submit([encodePasses(device, p, plan, src)]);
  const { stats, merge } = await readBack(plan, plan.headBytes, (head) => {
    const stats = chunkStats(plan, head);
    if (!wholeS2(plan)) return { stats, merge: start(stats) };
    // A small S2 came whole with the head: merged from this one read-back.
    const merge = start(stats);
    if (merge) mergeColumns(plan, tile, head.subarray(2 * plan.dPad), 0, plan.nTiles, stats.s1, merge);
    return { stats, merge };
  });
  if (!merge) return false;
  for (const [tj0, tj1] of plan.pieces) {
    const offset = columnOffset(tj0, tile);
    const bytes = columnOffset(tj1, tile) - offset;
    const encoder = device.createCommandEncoder({ label: gpuLabel(KERNEL, 'read-back') });
    encoder.copyBufferToBuffer(s2Of(plan), offset, plan.readback, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await readBack(plan, bytes, (raw) => mergeColumns(plan, tile, raw, tj0, tj1, stats.s1, merge));
  }
  merge.finish();
  return true;
}

function chunkStats(plan: ShapePlan, head: Float32Array): ChunkStats {
  const { d, len: n, dPad, tile } = plan;
  const mean = new Float64Array(d);
  const s1 = new Float64Array(d);
  const diagonal = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    s1[i] = head[dPad + i];
    mean[i] = head[i] + s1[i] / n;
    const t = Math.floor(i / tile);
    const r = i - t * tile;
    diagonal[i] = head[2 * dPad + diagonalTile(plan, t, false) + r * tile + r] - (s1[i] / n) * s1[i];
  }
  return { mean, s1, diagonal };
}

/**
 * M2 = S2 - S1 S1' / n in float64 for tile columns [tj0, tj1) (read back from the first of them
 * on), merged into `merge` tile by tile.
 */
function mergeColumns(plan: ShapePlan, tile: number, raw: Float32Array, tj0: number, tj1: number, s1: Float64Array, merge: RowBlockMerge): void {
  const { d, len: n } = plan;
  const block = new Float64Array(tile * tile);
  const tt = tile * tile;
  const base = columnOffset(tj0, tile) / 4;
  for (let tj = tj0; tj < tj1; tj++) {
    const j0 = tj * tile;
    const colEnd = Math.min(tile, d - j0);
    for (let ti = 0; ti <= tj; ti++) {
      const i0 = ti * tile;
      const rowEnd = Math.min(tile, d - i0);
      const tileOffset = columnOffset(tj, tile) / 4 - base + ti * tt;
      for (let r = 0; r < rowEnd; r++) {
        const si = s1[i0 + r] / n;
        const rowOffset = tileOffset + r * tile;
        for (let c = ti === tj ? r : 0; c < colEnd; c++) block[r * tile + c] = raw[rowOffset + c] - si * s1[j0 + c];
      }
      merge.tile(i0, i0 + rowEnd, j0, j0 + colEnd, block, tile);
    }
  }
}
