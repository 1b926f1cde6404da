// Per plane of a (planes, positions) block, the maximum over positions and where it is
// (shaders/forward_item_max.wgsl; the plain-TS definition is planeMaxima() in
// src/probe/reducers/topk.ts). The probe's top-k records then need 2 words per (item, unit) back
// instead of the whole activation tensor.
//
// encode() records dispatches into the caller's encoder and writes their uniforms at once, one
// 256-byte slot each, into a buffer of this kernel: the caller must submit before the next
// encode() (queue writes and submits run in order, so a submitted dispatch keeps its values).
// Blocks larger than one storage binding are split into chunks of whole planes, each bound from
// an aligned offset.
import { bindGroup } from '../../gpu/buffers.js';
import { gpuLabel } from '../../gpu/labels.js';
import { computePipeline } from '../../gpu/pipelines.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { USAGE_COPY_DST, USAGE_UNIFORM } from '../../gpu/usage.js';
import { linearGrid, linearWorkgroup, nextPowerOfTwo, roundUp } from '../../gpu/workgroups.js';

const KERNEL = 'forward.item-max';

export interface ItemMaxJob {
  /** Plane p is src[srcOffset + p * size ...] (floats). */
  src: GPUBuffer;
  srcOffset: number;
  planes: number;
  size: number;
  /** STORAGE buffer of u32 words: the maxima's bits at [base, base + planes), positions at [base + planes, base + 2 planes). */
  out: GPUBuffer;
  base: number;
}

export interface ItemMaxKernel {
  encode(encoder: GPUCommandEncoder, jobs: ItemMaxJob[]): void;
  destroy(): void;
}

export interface ItemMaxOptions {
  /** Cap on one binding's bytes (default: the device's maxStorageBufferBindingSize); lower it only to test the chunking. */
  maxBindingBytes?: number;
}

export function createItemMaxKernel(device: GPUDevice, options: ItemMaxOptions = {}): ItemMaxKernel {
  const limits = device.limits;
  // The shader's tree reduction needs a power of two.
  const widest = linearWorkgroup(limits);
  const align = limits.minStorageBufferOffsetAlignment;
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, options.maxBindingBytes ?? Infinity);
  const slot = Math.max(256, limits.minUniformBufferOffsetAlignment);
  let params: GPUBuffer | null = null;

  function paramsBuffer(slots: number): GPUBuffer {
    if (!params || params.size < slots * slot) {
      params?.destroy();
      params = device.createBuffer({ label: gpuLabel(KERNEL, 'params'), size: nextPowerOfTwo(slots) * slot, usage: USAGE_UNIFORM | USAGE_COPY_DST });
    }
    return params;
  }

  /** One dispatch: planes [first, first + count) of the job. */
  interface Chunk {
    job: ItemMaxJob;
    first: number;
    count: number;
  }

  function chunksOf(job: ItemMaxJob): Chunk[] {
    const { planes, size, src, out, base, srcOffset } = job;
    const what = `item max of ${planes} planes x ${size} positions`;
    if (!Number.isInteger(size) || size < 1) throw new Error(`${what}: a plane needs at least one position`);
    if ((srcOffset + planes * size) * 4 > src.size) throw new Error(`${what} from float ${srcOffset}: overflows the source of ${src.size} bytes`);
    // The output is bound whole (up to one binding's size): it holds only 2 words a plane.
    const outBytes = Math.min(out.size, maxBinding);
    if ((base + 2 * planes) * 4 > outBytes) throw new Error(`${what}: words ${base}..${base + 2 * planes} overflow the output's ${outBytes} bindable bytes`);
    // Room for the alignment slack in front of each chunk.
    const perChunk = Math.floor((maxBinding - align) / (size * 4));
    if (perChunk < 1) throw new Error(`${what}: one plane of ${size * 4} bytes exceeds one storage binding (${maxBinding} bytes)`);
    const chunks: Chunk[] = [];
    for (let first = 0; first < planes; first += perChunk) chunks.push({ job, first, count: Math.min(perChunk, planes - first) });
    return chunks;
  }

  return {
    encode(encoder, jobs) {
      const chunks = jobs.filter((j) => j.planes > 0).flatMap(chunksOf);
      if (chunks.length === 0) return;
      const buffer = paramsBuffer(chunks.length);
      const bytes = new Uint8Array(chunks.length * slot);
      const pass = encoder.beginComputePass({ label: gpuLabel(KERNEL) });
      chunks.forEach(({ job, first, count }, i) => {
        const { size } = job;
        const what = `item max of ${count} planes x ${size} positions`;
        // About 8 positions per lane (1 lane per plane for dense layers), planes packed to fill a workgroup.
        const lanes = Math.min(widest, nextPowerOfTwo(Math.ceil(size / 8)));
        const wg = Math.min(widest, Math.max(64, lanes));
        const { workgroups, gridX } = linearGrid(count, wg / lanes, limits.maxComputeWorkgroupsPerDimension);
        const start = job.srcOffset + first * size;
        const offset = Math.floor((start * 4) / align) * align;
        const uniforms = packUniforms('forward_item_max', what, {
          planes: count,
          size,
          grid_x: gridX,
          src_base: start - offset / 4,
          value_base: job.base + first,
          position_base: job.base + job.planes + first,
        });
        bytes.set(new Uint8Array(uniforms.buffer, 0, uniforms.byteLength), i * slot);
        const pipeline = computePipeline(device, { kernel: KERNEL, shader: 'forward_item_max', constants: { WG: wg, LANES: lanes } });
        pass.setPipeline(pipeline);
        pass.setBindGroup(
          0,
          bindGroup(device, KERNEL, what, pipeline, [
            { buffer, offset: i * slot, size: uniforms.byteLength },
            { buffer: job.src, offset, size: roundUp((start + count * size) * 4 - offset, 4) },
            { buffer: job.out, offset: 0, size: Math.min(job.out.size, maxBinding) },
          ]),
        );
        pass.dispatchWorkgroups(...workgroups);
      });
      pass.end();
      device.queue.writeBuffer(buffer, 0, bytes);
    },
    destroy() {
      params?.destroy();
      params = null;
    },
  };
}
