// Elementwise ops: activations (Relu, LeakyRelu, Clip, Sigmoid), Add / Mul with numpy
// broadcasting, and the per-channel affine map an unfolded BatchNormalization becomes. Computed in
// float64 and rounded to float32 once (exact for add and mul: they round as float32 ops do).
import type { UnaryFn } from '../plan.js';
import { broadcastShapes, broadcastStrides, checkTensor, forEachRow, output, type RefTensor } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface UnaryParams {
  fn: UnaryFn;
  /** leakyrelu: the slope for x < 0 (ONNX default 0.01). */
  alpha?: number;
  /** clip: bounds (default -Infinity / Infinity). */
  min?: number;
  max?: number;
}

function map(what: string, x: RefTensor, f: (v: number) => number, out?: Float32Array): RefTensor {
  checkTensor(`${what} x`, x);
  const y = output(what, x.shape.slice(), out);
  const xd = x.data;
  const yd = y.data;
  for (let i = 0; i < xd.length; i++) yd[i] = f(xd[i]);
  return y;
}

/** max(x, 0); NaN stays NaN. */
export function relu(x: RefTensor, out?: Float32Array): RefTensor {
  return map('relu', x, (v) => (v > 0 ? v : v === v ? 0 : v), out);
}

/** x for x >= 0, alpha * x below (onnxruntime's test, so -0 stays -0 * alpha). */
export function leakyRelu(x: RefTensor, alpha: number, out?: Float32Array): RefTensor {
  return map('leakyRelu', x, (v) => (v >= 0 ? v : alpha * v), out);
}

/** min(max(x, lo), hi), as onnxruntime (NaN passes through). */
export function clip(x: RefTensor, lo: number, hi: number, out?: Float32Array): RefTensor {
  if (lo > hi) throw new Error(`clip: min ${lo} > max ${hi}`);
  return map('clip', x, (v) => (v < lo ? lo : v > hi ? hi : v), out);
}

/** 1 / (1 + exp(-x)), in the form that does not overflow for large |x|. */
export function sigmoid(x: RefTensor, out?: Float32Array): RefTensor {
  return map(
    'sigmoid',
    x,
    (v) => {
      if (v >= 0) return 1 / (1 + Math.exp(-v));
      const e = Math.exp(v);
      return e / (1 + e);
    },
    out,
  );
}

/** The activation `p.fn` (the UnaryStep of a plan carries exactly these fields). */
export function unary(x: RefTensor, p: UnaryParams, out?: Float32Array): RefTensor {
  switch (p.fn) {
    case 'relu':
      return relu(x, out);
    case 'leakyrelu':
      return leakyRelu(x, p.alpha ?? 0.01, out);
    case 'clip':
      return clip(x, p.min ?? -Infinity, p.max ?? Infinity, out);
    case 'sigmoid':
      return sigmoid(x, out);
    default:
      throw new Error(`unary: unknown function "${(p as { fn: string }).fn}"`);
  }
}

export type BinaryFn = 'add' | 'mul';

/** a (op) b with numpy broadcasting; the result has the broadcast shape. */
export function binary(fn: BinaryFn, a: RefTensor, b: RefTensor, out?: Float32Array): RefTensor {
  if (fn !== 'add' && fn !== 'mul') throw new Error(`binary: unknown function "${fn as string}"`);
  checkTensor(`${fn} a`, a);
  checkTensor(`${fn} b`, b);
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const y = output(fn, shape, out);
  const rank = shape.length;
  const sa = broadcastStrides(`${fn} a`, a.shape, shape);
  const sb = broadcastStrides(`${fn} b`, b.shape, shape);
  const inner = rank === 0 ? 1 : shape[rank - 1];
  const ia = rank === 0 ? 0 : sa[rank - 1];
  const ib = rank === 0 ? 0 : sb[rank - 1];
  const ad = a.data;
  const bd = b.data;
  const yd = y.data;
  forEachRow(shape, [sa, sb], ([oa, ob], r) => {
    const o = r * inner;
    if (fn === 'add') for (let j = 0; j < inner; j++) yd[o + j] = ad[oa + j * ia] + bd[ob + j * ib];
    else for (let j = 0; j < inner; j++) yd[o + j] = ad[oa + j * ia] * bd[ob + j * ib];
  });
  return y;
}

export function add(a: RefTensor, b: RefTensor, out?: Float32Array): RefTensor {
  return binary('add', a, b, out);
}

export function mul(a: RefTensor, b: RefTensor, out?: Float32Array): RefTensor {
  return binary('mul', a, b, out);
}

/** y[n, c, ...] = x[n, c, ...] * scale[c] + shift[c] on x of shape (N, C, ...). */
export function channelAffine(x: RefTensor, scale: Float32Array, shift: Float32Array, out?: Float32Array): RefTensor {
  checkTensor('channelAffine x', x);
  if (x.shape.length < 2) throw new Error(`channelAffine: x ${formatShape(x.shape)} needs a channel axis (N, C, ...)`);
  const [N, C] = x.shape;
  if (scale.length !== C || shift.length !== C) {
    throw new Error(`channelAffine: ${scale.length} scales and ${shift.length} shifts for ${C} channels of x ${formatShape(x.shape)}`);
  }
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const y = output('channelAffine', x.shape.slice(), out);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = scale[c];
      const s = shift[c];
      for (let i = (n * C + c) * S, end = i + S; i < end; i++) y.data[i] = x.data[i] * k + s;
    }
  }
  return y;
}
