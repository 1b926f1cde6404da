// Data movement: Concat, Transpose and Pad (constant / reflect / edge). No arithmetic, so the
// results are exact.
import { checkTensor, forEachRow, output, type RefTensor, sizeOf, stridesOf } from './tensor.js';
import { formatShape } from '../../util/shape.js';

function normaliseAxis(what: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Output shape of concat: the inputs agree on every axis but `axis` (negative counts from the end). */
export function concatOutputShape(shapes: readonly (readonly number[])[], axis: number): number[] {
  if (shapes.length === 0) throw new Error('concat: no inputs');
  const rank = shapes[0].length;
  const a = normaliseAxis('concat', axis, rank);
  const shape = shapes[0].slice();
  shape[a] = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== a && d !== shape[i])) {
      throw new Error(`concat: input shapes ${shapes.map(formatShape).join(', ')} differ outside axis ${axis}`);
    }
    shape[a] += s[a];
  }
  return shape;
}

/** Concatenation along `axis`: each input, viewed as (outer, size_k, inner), fills its slab. */
export function concat(inputs: readonly RefTensor[], axis: number, out?: Float32Array): RefTensor {
  inputs.forEach((t, k) => checkTensor(`concat input ${k}`, t));
  const shape = concatOutputShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const a = normaliseAxis('concat', axis, shape.length);
  const y = output('concat', shape, out);
  const outer = sizeOf(shape.slice(0, a));
  const inner = sizeOf(shape.slice(a + 1));
  const row = shape[a] * inner;
  let at = 0;
  for (const t of inputs) {
    const slab = t.shape[a] * inner;
    for (let o = 0; o < outer; o++) y.data.set(t.data.subarray(o * slab, (o + 1) * slab), o * row + at);
    at += slab;
  }
  return y;
}

/** numpy.transpose(x, perm): output axis i is input axis perm[i]. */
export function transpose(x: RefTensor, perm: readonly number[], out?: Float32Array): RefTensor {
  checkTensor('transpose x', x);
  const rank = x.shape.length;
  if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new Error(`transpose: perm [${perm.join(', ')}] is not a permutation of the ${rank} axes of x ${formatShape(x.shape)}`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const y = output('transpose', shape, out);
  const inStrides = stridesOf(x.shape);
  const read = perm.map((p) => inStrides[p]);
  const inner = rank === 0 ? 1 : shape[rank - 1];
  const step = rank === 0 ? 0 : read[rank - 1];
  forEachRow(shape, [read], ([off], r) => {
    const o = r * inner;
    for (let j = 0; j < inner; j++) y.data[o + j] = x.data[off + j * step];
  });
  return y;
}

export type PadMode = 'constant' | 'reflect' | 'edge';

/**
 * For output index o of an axis of input length n padded by `begin`: the input index it copies,
 * or -1 for the constant. reflect mirrors about the end elements without repeating them (numpy
 * 'reflect'; pads longer than n - 1, which onnxruntime refuses, keep bouncing as in numpy), edge
 * repeats the end elements. A negative pad crops.
 */
function sourceIndex(o: number, begin: number, n: number, mode: PadMode): number {
  let i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge' || n === 1) return i < 0 ? 0 : n - 1;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

/**
 * ONNX Pad: `pads` lists the begins of every axis, then the ends (x1_begin, x2_begin, ...,
 * x1_end, ...), as numbers of elements; `value` fills constant mode.
 */
export function pad(x: RefTensor, pads: readonly number[], mode: PadMode, value = 0, out?: Float32Array): RefTensor {
  checkTensor('pad x', x);
  const rank = x.shape.length;
  if (pads.length !== 2 * rank || pads.some((p) => !Number.isInteger(p))) {
    throw new Error(`pad: pads [${pads.join(', ')}] must be ${2 * rank} integers for x ${formatShape(x.shape)}`);
  }
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new Error(`pad: unknown mode "${mode as string}"`);
  const shape = x.shape.map((n, i) => n + pads[i] + pads[rank + i]);
  if (shape.some((n) => n < 0)) throw new Error(`pad: pads [${pads.join(', ')}] crop x ${formatShape(x.shape)} below nothing`);
  if (mode !== 'constant' && shape.some((n, i) => n > 0 && x.shape[i] === 0)) {
    throw new Error(`pad: ${mode} mode cannot pad an empty axis of x ${formatShape(x.shape)}`);
  }
  const y = output('pad', shape, out);
  if (rank === 0) {
    y.data[0] = x.data[0];
    return y;
  }
  // Per axis, the element offset each output index reads (-1: the constant).
  const inStrides = stridesOf(x.shape);
  const maps = shape.map((n, d) => {
    const m = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      const i = sourceIndex(o, pads[d], x.shape[d], mode);
      m[o] = i < 0 ? -1 : i * inStrides[d];
    }
    return m;
  });
  const last = maps[rank - 1];
  const inner = shape[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  const rows = sizeOf(shape.slice(0, rank - 1));
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (let d = 0; d < rank - 1 && off >= 0; d++) off = maps[d][idx[d]] < 0 ? -1 : off + maps[d][idx[d]];
    const o = r * inner;
    if (off < 0) y.data.fill(value, o, o + inner);
    else for (let j = 0; j < inner; j++) y.data[o + j] = last[j] < 0 ? value : x.data[off + last[j]];
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}
