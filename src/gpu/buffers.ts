// Buffers, bind groups and readbacks made the same way by every WebGPU kernel: sizes in whole
// vec4s (never 0, since a binding may not be empty), a label naming the kernel.
import { gpuLabel } from './labels.js';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_MAP_READ } from './usage.js';
import { roundUp } from './workgroups.js';

/** Bytes a kernel allocates for `bytes` of data: whole vec4s, at least one. */
export const bufferBytes = (bytes: number) => Math.max(16, roundUp(bytes, 16));

export function createBuffer(device: GPUDevice, kernel: string, what: string, bytes: number, usage: number): GPUBuffer {
  return device.createBuffer({ label: gpuLabel(kernel, what), size: bufferBytes(bytes), usage });
}

/** A bind group of `pipeline`'s group 0 with `resources` at bindings 0, 1, ... */
export function bindGroup(device: GPUDevice, kernel: string, what: string, pipeline: GPUComputePipeline, resources: (GPUBuffer | GPUBufferBinding)[]): GPUBindGroup {
  return device.createBindGroup({
    label: gpuLabel(kernel, what),
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })),
  });
}

/** The first `bytes` of a buffer (which needs COPY_SRC usage), copied to the host through a staging buffer. */
export async function readBuffer(device: GPUDevice, kernel: string, what: string, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const staging = createBuffer(device, kernel, what, bytes, USAGE_MAP_READ | USAGE_COPY_DST);
  try {
    const encoder = device.createCommandEncoder({ label: gpuLabel(kernel, what) });
    encoder.copyBufferToBuffer(src, 0, staging, 0, Math.min(staging.size, src.size));
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_MODE_READ, 0, bytes);
    return staging.getMappedRange(0, bytes).slice(0);
  } finally {
    staging.destroy();
  }
}
