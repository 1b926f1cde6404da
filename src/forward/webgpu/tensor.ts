// The WebGPU backend's tensor handle: a float32, dense, row-major tensor in a storage buffer.
// Buffers come from a pool and are usually larger than the tensor; every buffer is at least the
// tensor's size rounded up to 16 bytes, so kernels may read and write whole vec4s.
import type { Shape } from '../plan.js';
import { roundUp } from '../../kernels/webgpu-common.js';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: Shape;
  /** Elements. */
  readonly size: number;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Bytes a kernel binds for a tensor of `size` elements: whole vec4s, and never 0 (a binding may not be empty). */
export function bindingBytes(size: number): number {
  return Math.max(16, roundUp(size * 4, 16));
}

/** A storage binding of the tensor's (vec4-padded) extent. */
export function tensorBinding(t: GpuTensor): GPUBufferBinding {
  return { buffer: t.buffer, offset: 0, size: bindingBytes(t.size) };
}

/** Row-major element strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Merges the axes of an index space that every operand traverses alike: axes of size 1 are
 * dropped, and axis d joins axis d+1 when each operand's stride[d] equals stride[d+1] * dims[d+1]
 * (contiguous, or broadcast on both). The kernels then decompose indices over fewer axes.
 */
export function mergeAxes(dims: readonly number[], strides: readonly (readonly number[])[]): { dims: number[]; strides: number[][] } {
  const outDims: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < dims.length; d++) {
    if (dims[d] === 1) continue;
    const last = outDims.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * dims[d])) {
      outDims[last] *= dims[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outDims.push(dims[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { dims: outDims, strides: outStrides };
}
