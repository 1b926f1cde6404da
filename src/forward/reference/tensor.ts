// Shared by the reference kernels: the tensor type, shape arithmetic and numpy broadcasting.
// Every reference function takes its operands as { shape, data } (float32, dense, row-major) and
// may write into a caller's `out` array (the PlanRunner's output tensor) instead of allocating.
import { formatShape } from '../../util/shape.js';
import type { Shape } from '../plan.js';

/** A dense row-major float32 tensor on the host. */
export interface RefTensor {
  shape: Shape;
  data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws unless `t` is a well-formed tensor: `what` names it in the message. */
export function checkTensor(what: string, t: RefTensor): void {
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: bad shape ${formatShape(t.shape)}`);
  }
  if (t.data.length !== sizeOf(t.shape)) {
    throw new Error(`${what}: ${t.data.length} values for shape ${formatShape(t.shape)} (${sizeOf(t.shape)} expected)`);
  }
}

export function checkRank(what: string, t: RefTensor, rank: number): void {
  if (t.shape.length !== rank) throw new Error(`${what}: expected rank ${rank}, got shape ${formatShape(t.shape)}`);
}

/** The caller's output array (checked for size) or a new one. */
export function output(what: string, shape: Shape, out?: Float32Array): RefTensor {
  const n = sizeOf(shape);
  if (out === undefined) return { shape, data: new Float32Array(n) };
  if (out.length !== n) throw new Error(`${what}: output array has ${out.length} values, shape ${formatShape(shape)} needs ${n}`);
  return { shape, data: out };
}

/** numpy broadcasting of two shapes (aligned on the right; a dimension of 1 stretches). */
export function broadcastShapes(what: string, a: readonly number[], b: readonly number[]): Shape {
  const rank = Math.max(a.length, b.length);
  const shape: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${what}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    shape.push(da === 1 ? db : da);
  }
  return shape;
}

/**
 * Element strides of a tensor of `shape` read as if it had shape `to` (numpy broadcasting):
 * one stride per axis of `to`, 0 on every axis the operand does not advance along: the axes it is
 * stretched along and its own axes of size 1. (A size-1 axis is never stepped, so its stride is
 * free; 0 makes equal walks compare equal, which src/forward/axes.ts mergeAxes relies on.)
 * Every backend uses this one definition.
 */
export function broadcastStrides(what: string, shape: readonly number[], to: readonly number[]): number[] {
  if (shape.length > to.length) throw new Error(`${what}: shape ${formatShape(shape)} does not broadcast to ${formatShape(to)}`);
  const strides = new Array<number>(to.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = to.length - shape.length + i;
    if (shape[i] === to[j]) strides[j] = shape[i] === 1 ? 0 : stride;
    else if (shape[i] !== 1) throw new Error(`${what}: shape ${formatShape(shape)} does not broadcast to ${formatShape(to)}`);
    stride *= shape[i];
  }
  return strides;
}

/** Row-major element strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Walks the rows (last axis) of an index space of `shape`, calling `row(offsets)` with, for each
 * operand, the element offset of the row's first element under that operand's `strides`. The
 * callers' inner loops then step along the last axis with the operand's last stride.
 */
export function forEachRow(shape: readonly number[], strides: readonly (readonly number[])[], row: (offsets: number[], index: number) => void): void {
  const rank = shape.length;
  if (sizeOf(shape) === 0) return;
  const outer = rank <= 1 ? 1 : sizeOf(shape.slice(0, rank - 1));
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  const offsets = strides.map(() => 0);
  for (let r = 0; r < outer; r++) {
    row(offsets, r);
    // Odometer over the leading axes, keeping each operand's offset in step.
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < strides.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) offsets[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Output length of a sliding window of `kernel` taps spaced `dilation` apart, moved by `stride`
 * over an axis of `size` padded with `padBegin` / `padEnd` (ONNX Conv/Pool, ceil_mode 0).
 */
export function windowOutputSize(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Throws unless every value is an integer >= min. */
export function checkInts(what: string, name: string, values: readonly number[], min: number): void {
  for (const v of values) if (!Number.isInteger(v) || v < min) throw new Error(`${what}: ${name} must be integers >= ${min}, got [${values.join(', ')}]`);
}
