// Writes an activation tensor into rows of a unit-major buffer on the device, so that the probe
// can hand the buffer to batchMomentsFromBuffer() (src/kernels/moments/webgpu.ts) without
// reading activations back to the host.
//
// Layout: `tensor`, viewed as `shape` = (N, C, H, W) or (N, C) (or (N, C, d1, ...)), goes to
//   dst[(rowOffset + c) * rowLength + sampleOffset + n * S + s]     (S = H * W, s = y * W + x)
// i.e. unit c is row rowOffset + c and sample (n, y, x) is column sampleOffset + n S + s. Several
// layers or nets can share one buffer (different rowOffset), and successive batches can fill
// successive columns (sampleOffset), with rowLength = the total samples per row.
import { encodeStridedCopy } from './layout.js';
import type { OpContext } from './context.js';
import { type GpuTensor, tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { sizeOf } from '../reference/tensor.js';

export interface UnitMajorTarget {
  /** Needs STORAGE usage. */
  dst: GPUBuffer;
  /** Row of unit 0 (channel 0). */
  rowOffset: number;
  /** Floats per row of dst. */
  rowLength: number;
  /** Column of sample 0 (n = 0, y = 0, x = 0). */
  sampleOffset: number;
}

/** Encodes the copy of `tensor` (viewed as `shape`) into `target` (see the file comment). */
export function encodeUnitMajor(ctx: OpContext, tensor: GpuTensor, shape: readonly number[], target: UnitMajorTarget): void {
  const { dst, rowOffset, rowLength, sampleOffset } = target;
  const what = `capture ${formatShape(shape)} to ${dst.label || 'unit-major buffer'}`;
  if (shape.length < 2) throw new Error(`${what}: needs (N, C, ...) with a channel axis`);
  if (sizeOf(shape) !== tensor.size) throw new Error(`${what}: the tensor has ${tensor.size} values, not ${sizeOf(shape)}`);
  for (const [name, v] of Object.entries({ rowOffset, rowLength, sampleOffset })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: ${name} must be a non-negative integer, got ${v}`);
  }
  const [N, C] = shape;
  const S = sizeOf(shape.slice(2));
  const samples = N * S;
  if (sampleOffset + samples > rowLength) throw new Error(`${what}: samples ${sampleOffset}..${sampleOffset + samples} overflow rows of ${rowLength}`);
  if (tensor.size === 0) return;
  const first = rowOffset * rowLength + sampleOffset;
  const end = (rowOffset + C - 1) * rowLength + sampleOffset + samples;
  if (end * 4 > dst.size) throw new Error(`${what}: rows ${rowOffset}..${rowOffset + C} of ${rowLength} floats overflow the buffer of ${dst.size} bytes`);
  // Bind only the rows written (from an aligned offset), so that dst may exceed the binding limit.
  const align = ctx.limits.minStorageBufferOffsetAlignment;
  const offset = Math.floor((first * 4) / align) * align;
  const size = end * 4 - offset;
  if (size > ctx.limits.maxStorageBufferBindingSize) {
    throw new Error(`${what}: the ${size} bytes written exceed the device's maxStorageBufferBindingSize (${ctx.limits.maxStorageBufferBindingSize}); capture fewer samples per batch`);
  }
  encodeStridedCopy(ctx, {
    label: what,
    src: tensorBinding(tensor),
    dst: { buffer: dst, offset, size },
    dims: [N, C, S],
    srcStrides: [C * S, S, 1],
    dstStrides: [S, rowLength, 1],
    dstBase: first - offset / 4,
  });
}
