// One chunk of samples through the WebGPU moment kernel: centre (moments_center.wgsl), co-moment
// GEMM (moments_comoment.wgsl), the optional split reduction (moments_reduce.wgsl), then the
// exact float64 finish on the host:
//   mean = c + S1 / n,   M2 = S2 - S1 S1' / n,  mirrored from the upper-triangle tiles.
import { bindGroup } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { MAP_MODE_READ } from '../../gpu/usage.js';
import type { BatchMoments } from './contract.js';
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

/** The moments of one chunk, computed on the device and finished in float64 on the host. */
export async function runChunk(device: GPUDevice, p: MomentPipelines, plan: ShapePlan, tile: number, src: ChunkSource): Promise<BatchMoments> {
  device.queue.submit([encodePasses(device, p, plan, src)]);
  const bytes = 2 * plan.dPad * 4 + plan.sumBytes;
  await plan.readback.mapAsync(MAP_MODE_READ, 0, bytes);
  const raw = new Float32Array(plan.readback.getMappedRange(0, bytes).slice(0));
  plan.readback.unmap();
  return finishMoments(plan, tile, raw);
}

/** mean = c + S1 / n, M2 = S2 - S1 S1' / n in float64, mirrored to the full matrix. */
function finishMoments(plan: ShapePlan, tile: number, raw: Float32Array): BatchMoments {
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
