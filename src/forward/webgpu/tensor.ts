// The WebGPU backend's tensor handle: a float32, dense, row-major tensor in a storage buffer.
// Buffers come from a pool and are usually larger than the tensor; every buffer is at least the
// tensor's size rounded up to 16 bytes, so kernels may read and write whole vec4s.
import type { Shape } from '../plan.js';
import { bufferBytes } from '../../gpu/buffers.js';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: Shape;
  /** Elements. */
  readonly size: number;
}

/** Bytes a kernel binds for a tensor of `size` elements: whole vec4s, and never 0 (a binding may not be empty). */
export function bindingBytes(size: number): number {
  return bufferBytes(size * 4);
}

/** Axes of the index-walking shaders (shaders/common/index_walk.wgsl): two vec4s per list. */
export const MAX_WALK_AXES = 8;

/** A storage binding of the tensor's (vec4-padded) extent. */
export function tensorBinding(t: GpuTensor): GPUBufferBinding {
  return { buffer: t.buffer, offset: 0, size: bindingBytes(t.size) };
}

