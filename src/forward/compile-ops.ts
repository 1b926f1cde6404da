// Lowering of each supported ONNX op to plan steps, with its shape inference. Each function reads
// its node through a NodeContext (inputs as Values, attributes with the ONNX defaults of the opset
// in force) and registers its outputs: a step, a view of its input (reshape-like ops), or a
// constant computed here (Constant nodes, ops on constants). Fusions that keep the plan smaller:
// BatchNormalization into the Conv before it, a constant bias Add into the Conv or MatMul/Gemm
// before it; each only when the intermediate value has no other reader and is not captured.
// One file (over 400 lines): it is the op table, one short lowering per ONNX op and LOWERINGS at
// the bottom, the one place that says which ops the planner supports (as onnxruntime-web's one
// resolve table); the shape helpers they share (broadcasting, constant folding, conv and pooling
// windows) sit above them.
import { type NodeContext, isConstant, sizeOf, type Value } from './compile-context.js';
import type { ConvStep, GemmStep, Step, UnaryFn } from './plan.js';
import { formatShape } from '../util/shape.js';

export type Lowering = (c: NodeContext) => void;


/** numpy broadcasting of two shapes, or undefined when they do not broadcast. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Whether `shape` broadcasts to exactly `to` (unidirectional). */
function broadcastsTo(shape: readonly number[], to: readonly number[]): boolean {
  const b = broadcast(shape, to);
  return b !== undefined && b.length === to.length && b.every((d, i) => d === to[i]);
}

/** Row-major strides of `shape` read as `to` (0 along stretched axes); `shape` must broadcast to `to`. */
function stridesAs(shape: readonly number[], to: readonly number[]): number[] {
  const strides = new Array<number>(to.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = to.length - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** a (op) b on constants with broadcasting (compile-time folding). */
function foldBinary(a: Value, b: Value, shape: number[], op: (x: number, y: number) => number): Float32Array {
  const av = a.data ?? Float32Array.from(a.ints!);
  const bv = b.data ?? Float32Array.from(b.ints!);
  const sa = stridesAs(a.shape, shape);
  const sb = stridesAs(b.shape, shape);
  const out = new Float32Array(sizeOf(shape));
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
    }
    out[k] = op(av[ia], bv[ib]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function transposeData(data: Float32Array | number[], shape: number[], perm: number[]): Float32Array | number[] {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesAs(shape, shape);
  const out = data instanceof Float32Array ? new Float32Array(data.length) : new Array<number>(data.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < data.length; k++) {
    let src = 0;
    for (let d = 0; d < outShape.length; d++) src += index[d] * inStrides[perm[d]];
    out[k] = data[src];
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// --- Windows (Conv and pooling) ---

interface Window {
  pads: [number, number, number, number];
  out: [number, number];
}

/**
 * Output size and resolved pads of a 2-D sliding window: explicit pads or auto_pad (SAME_UPPER puts
 * the odd pixel at the end, SAME_LOWER at the start, VALID pads nothing). With ceil_mode (pools)
 * the last window may stick out past input + pads, but is dropped if it would start past the
 * input and the begin pad (the onnxruntime and PyTorch rule).
 */
function window2d(c: NodeContext, input: [number, number], kernel: [number, number], strides: [number, number], dilations: [number, number], ceil: boolean): Window {
  const autoPad = c.string('auto_pad', 'NOTSET');
  const explicit = c.ints('pads', [0, 0, 0, 0]);
  if (autoPad === 'NOTSET') {
    if (explicit.length !== 4) c.fail(`pads ${formatShape(explicit)} must have 4 values (top, left, bottom, right) for a 2-D window`);
    if (explicit.some((p) => p < 0)) c.fail(`negative pads ${formatShape(explicit)} are not supported`);
  } else if (!['SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) {
    c.fail(`auto_pad ${autoPad} is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  const pads: [number, number, number, number] = [0, 0, 0, 0];
  const out: [number, number] = [0, 0];
  for (let i = 0; i < 2; i++) {
    const size = input[i];
    const s = strides[i];
    const span = (kernel[i] - 1) * dilations[i] + 1;
    let begin = 0;
    let end = 0;
    let o: number;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      o = Math.ceil(size / s);
      const total = Math.max(0, (o - 1) * s + span - size);
      begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      end = total - begin;
    } else {
      if (autoPad === 'NOTSET') {
        begin = explicit[i];
        end = explicit[i + 2];
      }
      const room = size + begin + end - span;
      if (room < 0) c.fail(`the ${kernel[0]}x${kernel[1]} window (dilations ${dilations.join('x')}) does not fit the ${input[0]}x${input[1]} input with pads ${formatShape(pads.map((_, k) => (autoPad === 'NOTSET' ? explicit[k] : 0)))}`);
      o = (ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
      if (ceil && (o - 1) * s >= size + begin) o--;
    }
    pads[i] = begin;
    pads[i + 2] = end;
    out[i] = o;
  }
  return { pads, out };
}

function pair(c: NodeContext, key: string, fallback: number): [number, number] {
  const v = c.ints(key, [fallback, fallback]);
  if (v.length !== 2 || v.some((x) => x < 1)) c.fail(`${key} ${formatShape(v)} must be two positive integers for a 2-D window`);
  return [v[0], v[1]];
}

function need4d(c: NodeContext, x: Value, what: string): [number, number, number, number] {
  if (x.shape.length !== 4) c.fail(`only 2-D ${what} is supported: input "${x.name}" has shape ${formatShape(x.shape)}, expected (N, C, H, W)`);
  return x.shape as [number, number, number, number];
}

/** Output `out` must not be read by anything (mask and statistics outputs we do not compute). */
function unusedOutputs(c: NodeContext, from: number, what: string): void {
  for (let k = from; k < c.node.outputs.length; k++) {
    const name = c.node.outputs[k];
    if (name && c.graph.uses(name) > 0) c.fail(`output ${k} "${name}" (${what}) is read by the graph, but convergent only computes output 0`);
  }
}

// --- Ops ---

const conv: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const w = c.input(1);
  const [n, channels, h, wd] = need4d(c, x, 'convolution');
  if (w.shape.length !== 4) c.fail(`weight "${w.name}" has shape ${formatShape(w.shape)}, expected (M, C/group, kH, kW)`);
  const [m, perGroup, kh, kw] = w.shape;
  const group = c.int('group', 1);
  if (group < 1 || perGroup * group !== channels || m % group !== 0) {
    c.fail(`weight "${w.name}" ${formatShape(w.shape)} with group ${group} does not match the ${channels} input channels of "${x.name}" ${formatShape(x.shape)}`);
  }
  const declared = c.ints('kernel_shape');
  if (declared && (declared.length !== 2 || declared[0] !== kh || declared[1] !== kw)) c.fail(`kernel_shape ${formatShape(declared)} disagrees with weight "${w.name}" ${formatShape(w.shape)}`);
  const strides = pair(c, 'strides', 1);
  const dilations = pair(c, 'dilations', 1);
  const { pads, out } = window2d(c, [h, wd], [kh, kw], strides, dilations, false);
  const b = c.optional(2);
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) c.fail(`bias "${b.name}" has shape ${formatShape(b.shape)}, expected [${m}]`);
  const ids = b ? ([c.plan.idOf(x), c.plan.idOf(w), c.plan.idOf(b)] as const) : ([c.plan.idOf(x), c.plan.idOf(w)] as const);
  c.emit({ kind: 'conv', inputs: [...ids] as ConvStep['inputs'], group, kernel: [kh, kw], strides, pads, dilations }, [n, m, out[0], out[1]]);
};

function pool(kind: 'maxpool' | 'avgpool'): Lowering {
  return (c: NodeContext) => {
    const x = c.input(0);
    const [n, channels, h, w] = need4d(c, x, 'pooling');
    const k = c.ints('kernel_shape');
    if (!k || k.length !== 2 || k.some((v) => v < 1)) c.fail(`kernel_shape ${k ? formatShape(k) : '(missing)'} must be two positive integers`);
    const strides = pair(c, 'strides', 1);
    const dilations = pair(c, 'dilations', 1);
    const ceil = c.int('ceil_mode', 0) !== 0;
    const { pads, out } = window2d(c, [h, w], [k[0], k[1]], strides, dilations, ceil);
    if (kind === 'maxpool') unusedOutputs(c, 1, 'argmax indices');
    const countIncludePad = kind === 'avgpool' && c.int('count_include_pad', 0) !== 0;
    c.emit({ kind, inputs: [c.plan.idOf(x)], kernel: [k[0], k[1]], strides, pads, dilations, countIncludePad }, [n, channels, out[0], out[1]]);
  };
}

const globalAveragePool: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  if (x.shape.length < 3) c.fail(`input "${x.name}" has shape ${formatShape(x.shape)}, expected (N, C, spatial...)`);
  c.emit({ kind: 'globalavgpool', inputs: [c.plan.idOf(x)] }, [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)]);
};

const lrn: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  need4d(c, x, 'LRN');
  const size = c.int('size', 0);
  if (size < 1) c.fail(`size ${size} must be a positive integer`);
  c.emit({ kind: 'lrn', inputs: [c.plan.idOf(x)], size, alpha: c.float('alpha', 1e-4), beta: c.float('beta', 0.75), bias: c.float('bias', 1) }, x.shape);
};

const batchNormalization: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  if (x.shape.length < 2) c.fail(`input "${x.name}" has shape ${formatShape(x.shape)}, expected (N, C, ...)`);
  if (c.opset < 9 && c.int('spatial', 1) === 0) c.fail('spatial = 0 (per-position statistics) is not supported');
  if (c.int('training_mode', 0) !== 0) c.fail('training_mode = 1 is not supported (export the model in eval mode)');
  unusedOutputs(c, 1, 'training statistics');
  const channels = x.shape[1];
  const param = (i: number, what: string) => {
    const v = c.constNumbers(i, what);
    if (v.length !== channels) c.fail(`${what} "${c.input(i).name}" has ${v.length} values for the ${channels} channels of "${x.name}" ${formatShape(x.shape)}`);
    return v;
  };
  const gamma = param(1, 'scale');
  const beta = param(2, 'bias');
  const mean = param(3, 'mean');
  const variance = param(4, 'var');
  const epsilon = c.float('epsilon', 1e-5);
  // y = (x - mean) / sqrt(var + eps) * gamma + beta = x * scale + shift, in float64.
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let k = 0; k < channels; k++) {
    scale[k] = gamma[k] / Math.sqrt(variance[k] + epsilon);
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  const producer = c.plan.producerOf(x);
  if (c.graph.fuse && producer?.kind === 'conv' && c.graph.uses(x.name) === 1 && c.plan.tensors[producer.inputs[1]].constant) {
    foldIntoConv(c, producer, x, scale, shift);
    return;
  }
  const s = { name: `${c.node.name}:scale`, shape: [channels], data: Float32Array.from(scale) };
  const t = { name: `${c.node.name}:shift`, shape: [channels], data: Float32Array.from(shift) };
  c.emit({ kind: 'channelaffine', inputs: [c.plan.idOf(x), c.plan.idOf(s), c.plan.idOf(t)] }, x.shape);
};

/** Folds y = conv(x) * scale[m] + shift[m] into the conv's weights and bias. */
function foldIntoConv(c: NodeContext, step: ConvStep & Step, x: Value, scale: Float64Array, shift: Float64Array): void {
  const w = c.plan.tensors[step.inputs[1]];
  const m = w.shape[0];
  const per = sizeOf(w.shape) / m;
  const weights = new Float32Array(w.constant!.length);
  for (let o = 0; o < m; o++) for (let j = 0; j < per; j++) weights[o * per + j] = w.constant![o * per + j] * scale[o];
  const oldBias = step.inputs.length === 3 ? c.plan.tensors[step.inputs[2]].constant : undefined;
  if (step.inputs.length === 3 && !oldBias) c.fail(`cannot fold into the Conv before it: its bias is computed, not a constant`);
  const bias = new Float32Array(m);
  for (let o = 0; o < m; o++) bias[o] = (oldBias ? oldBias[o] : 0) * scale[o] + shift[o];
  const wId = c.plan.tensor(`${c.node.name}:folded_weight`, w.shape, weights);
  const bId = c.plan.tensor(`${c.node.name}:folded_bias`, [m], bias);
  step.inputs = [step.inputs[0], wId, bId];
  renameOutput(c, step, x);
}

/** The fused step now writes this node's output 0. */
function renameOutput(c: NodeContext, step: Step, x: Value): void {
  const name = c.node.outputs[0];
  c.plan.tensors[step.output].name = name;
  step.node = `${step.node}+${c.node.name}`;
  c.reuse({ name, shape: x.shape, id: step.output });
}

/** A 2-D view of C for Gemm: [] -> [1, 1], [N] -> [1, N]; constants are reshaped here. */
function gemmC(c: NodeContext, v: Value, m: number, n: number): number {
  if (v.shape.length > 2 || !broadcastsTo(v.shape, [m, n])) c.fail(`C "${v.name}" ${formatShape(v.shape)} does not broadcast to the (${m}, ${n}) output`);
  if (v.shape.length === 2) return c.plan.idOf(v);
  const shape = v.shape.length === 0 ? [1, 1] : [1, v.shape[0]];
  if (isConstant(v)) return c.plan.idOf({ name: `${v.name}:2d`, shape, data: v.data ?? Float32Array.from(v.ints!) });
  return c.plan.idOf(c.intermediate({ kind: 'reshape', inputs: [c.plan.idOf(v)] }, shape, `${v.name}:2d`));
}

const gemm: Lowering = (c: NodeContext) => {
  const a = c.input(0);
  const b = c.input(1);
  if (a.shape.length !== 2 || b.shape.length !== 2) c.fail(`A "${a.name}" ${formatShape(a.shape)} and B "${b.name}" ${formatShape(b.shape)} must be 2-D`);
  const transA = c.int('transA', 0) !== 0;
  const transB = c.int('transB', 0) !== 0;
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== kb) c.fail(`op(A) is ${m}x${k} but op(B) is ${kb}x${n} (A "${a.name}" ${formatShape(a.shape)} transA ${+transA}, B "${b.name}" ${formatShape(b.shape)} transB ${+transB})`);
  const alpha = c.float('alpha', 1);
  const beta = c.float('beta', 1);
  const cv = c.optional(2);
  const inputs: GemmStep['inputs'] = cv && beta !== 0 ? [c.plan.idOf(a), c.plan.idOf(b), gemmC(c, cv, m, n)] : [c.plan.idOf(a), c.plan.idOf(b)];
  c.emit({ kind: 'gemm', inputs, alpha, beta: inputs.length === 3 ? beta : 0, transA, transB }, [m, n]);
};

const matMul: Lowering = (c: NodeContext) => {
  let a = c.input(0);
  let b = c.input(1);
  if (a.shape.length === 0 || b.shape.length === 0) c.fail(`operands must have rank >= 1 (A "${a.name}" ${formatShape(a.shape)}, B "${b.name}" ${formatShape(b.shape)})`);
  const aVector = a.shape.length === 1;
  const bVector = b.shape.length === 1;
  // numpy: a 1-D A is a row (1, K), a 1-D B a column (K, 1); the added axis is dropped after.
  if (aVector) a = c.view(a, [1, a.shape[0]]);
  if (bVector) b = c.view(b, [b.shape[0], 1]);
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  if (k !== kb) c.fail(`A "${c.node.inputs[0]}" ${formatShape(c.input(0).shape)} and B "${c.node.inputs[1]}" ${formatShape(c.input(1).shape)} disagree on the inner dimension (${k} vs ${kb})`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcast(batchA, batchB);
  if (!batch) c.fail(`batch dimensions ${formatShape(batchA)} and ${formatShape(batchB)} do not broadcast`);
  const final = [...batch, ...(aVector ? [] : [m]), ...(bVector ? [] : [n])];
  let result: Value;
  if (b.shape.length === 2) {
    // (..., M, K) x (K, N) is one (rows, K) x (K, N) product: a gemm over a view of A.
    const rows = sizeOf(a.shape.slice(0, -1));
    const a2 = a.shape.length === 2 ? a : c.view(a, [rows, k]);
    const body = { kind: 'gemm', inputs: [c.plan.idOf(a2), c.plan.idOf(b)], alpha: 1, beta: 0, transA: false, transB: false } as const;
    if (a.shape.length === 2 && !aVector && !bVector) {
      c.emit({ ...body, inputs: [...body.inputs] }, [rows, n]);
      return;
    }
    result = c.intermediate({ ...body, inputs: [...body.inputs] }, [rows, n], `${c.node.outputs[0]}:2d`);
  } else {
    const shape = [...batch, m, n];
    if (!aVector && !bVector) {
      c.emit({ kind: 'matmul', inputs: [c.plan.idOf(a), c.plan.idOf(b)] }, shape);
      return;
    }
    result = c.intermediate({ kind: 'matmul', inputs: [c.plan.idOf(a), c.plan.idOf(b)] }, shape, `${c.node.outputs[0]}:${shape.length}d`);
  }
  c.alias(result, final);
};

function binary(fn: 'add' | 'mul'): Lowering {
  return (c: NodeContext) => {
    const a = c.input(0);
    const b = c.input(1);
    const shape = broadcast(a.shape, b.shape);
    if (!shape) c.fail(`inputs "${a.name}" ${formatShape(a.shape)} and "${b.name}" ${formatShape(b.shape)} do not broadcast (numpy rules)`);
    if (isConstant(a) && isConstant(b)) {
      const data = foldBinary(a, b, shape, fn === 'add' ? (x, y) => x + y : (x, y) => x * y);
      if (a.ints && b.ints) c.constant(shape, Array.from(data));
      else c.constant(shape, data);
      return;
    }
    if (fn === 'add' && c.graph.fuse && (foldBias(c, a, b, shape) || foldBias(c, b, a, shape))) return;
    c.emit({ kind: 'binary', inputs: [c.plan.idOf(a), c.plan.idOf(b)], fn }, shape);
  };
}

/**
 * y = x + bias where x comes from a Conv (bias per channel) or a gemm without C (bias
 * broadcastable to (M, N)) read only here: the bias joins that step (PyTorch exports Linear as
 * MatMul + Add; TensorFlow exports conv bias as Add).
 */
function foldBias(c: NodeContext, x: Value, bias: Value, shape: number[]): boolean {
  if (!isConstant(bias) || x.shape.length !== shape.length || !x.shape.every((d, i) => d === shape[i])) return false;
  const step = c.plan.producerOf(x);
  if (!step || c.graph.uses(x.name) !== 1) return false;
  const values = bias.data ?? Float32Array.from(bias.ints!);
  if (step.kind === 'conv') {
    const m = shape[1];
    // Per-channel only: shape (M, 1, 1) or (1, M, 1, 1), or a scalar.
    const perChannel = sizeOf(bias.shape) === 1 || (bias.shape.length >= 3 && bias.shape.at(-3) === m && sizeOf(bias.shape) === m);
    if (!perChannel) return false;
    const old = step.inputs.length === 3 ? c.plan.tensors[step.inputs[2]].constant : undefined;
    if (step.inputs.length === 3 && !old) return false;
    const merged = new Float32Array(m);
    for (let o = 0; o < m; o++) merged[o] = (old ? old[o] : 0) + values[values.length === 1 ? 0 : o];
    step.inputs = [step.inputs[0], step.inputs[1], c.plan.tensor(`${c.node.name}:folded_bias`, [m], merged)];
    renameOutput(c, step, x);
    return true;
  }
  if (step.kind === 'gemm' && step.inputs.length === 2) {
    const [m, n] = shape;
    if (bias.shape.length > 2 || !broadcastsTo(bias.shape, [m, n])) return false;
    const cShape = bias.shape.length === 2 ? bias.shape : bias.shape.length === 1 ? [1, bias.shape[0]] : [1, 1];
    step.inputs = [step.inputs[0], step.inputs[1], c.plan.tensor(`${c.node.name}:folded_bias`, cShape, values)];
    step.beta = 1;
    renameOutput(c, step, x);
    return true;
  }
  return false;
}

function unary(fn: UnaryFn): Lowering {
  return (c: NodeContext) => {
    const x = c.input(0);
    let alpha = 0;
    let min = -Infinity;
    let max = Infinity;
    if (fn === 'leakyrelu') alpha = c.float('alpha', 0.01);
    if (fn === 'clip') {
      if (c.opset < 11) {
        min = c.float('min', -Infinity);
        max = c.float('max', Infinity);
      } else {
        const bound = (i: number, what: string) => {
          const v = c.constNumbers(i, what);
          if (v.length !== 1) c.fail(`${what} "${c.input(i).name}" must be a scalar, has shape ${formatShape(c.input(i).shape)}`);
          return v[0];
        };
        if (c.has(1)) min = bound(1, 'min');
        if (c.has(2)) max = bound(2, 'max');
      }
    }
    c.emit({ kind: 'unary', inputs: [c.plan.idOf(x)], fn, alpha, min, max }, x.shape);
  };
}

const softmax: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const rank = x.shape.length;
  if (rank === 0) c.fail('input must have rank >= 1');
  const legacy = c.opset < 13;
  const axis = c.axis(c.int('axis', legacy ? 1 : -1), rank);
  const outer = sizeOf(x.shape.slice(0, axis));
  // Before opset 13 the input is coerced to 2-D (outer, rest) and normalised over all of `rest`.
  const size = legacy ? sizeOf(x.shape.slice(axis)) : x.shape[axis];
  const inner = legacy ? 1 : sizeOf(x.shape.slice(axis + 1));
  c.emit({ kind: 'softmax', inputs: [c.plan.idOf(x)], outer, axis: size, inner }, x.shape);
};

const concat: Lowering = (c: NodeContext) => {
  const inputs = c.node.inputs.map((_, i) => c.input(i));
  if (inputs.length === 0) c.fail('has no inputs');
  const rank = inputs[0].shape.length;
  if (c.node.attributes.axis === undefined) c.fail('attribute axis is required');
  const axis = c.axis(c.int('axis', 0), rank);
  for (const v of inputs) {
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i])) {
      c.fail(`inputs ${inputs.map((u) => `"${u.name}" ${formatShape(u.shape)}`).join(', ')} differ outside axis ${axis}`);
    }
  }
  const shape = [...inputs[0].shape];
  shape[axis] = inputs.reduce((s, v) => s + v.shape[axis], 0);
  if (inputs.length === 1) {
    c.alias(inputs[0], shape);
    return;
  }
  if (inputs.every((v) => v.ints)) {
    // Shape arithmetic on integer constants (rank 1 in practice).
    if (rank !== 1) c.fail('integer constants can only be concatenated as vectors');
    c.constant(shape, inputs.flatMap((v) => v.ints!));
    return;
  }
  c.emit({ kind: 'concat', inputs: inputs.map((v) => c.plan.idOf(v)), axis }, shape);
};

const flatten: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const rank = x.shape.length;
  let axis = c.int('axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) c.fail(`axis ${c.int('axis', 1)} is out of range for input "${x.name}" ${formatShape(x.shape)}`);
  c.alias(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
};

const reshape: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const spec = c.constInts(1, 'shape');
  const allowZero = c.opset >= 14 && c.int('allowzero', 0) !== 0;
  let infer = -1;
  const shape = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.shape.length) c.fail(`shape ${formatShape(spec)}: 0 at axis ${i} copies a dimension that input "${x.name}" ${formatShape(x.shape)} does not have`);
      return x.shape[i];
    }
    if (d === -1) {
      if (infer >= 0) c.fail(`shape ${formatShape(spec)} has more than one -1`);
      infer = i;
      return 1;
    }
    if (d < 0) c.fail(`shape ${formatShape(spec)} has the invalid dimension ${d}`);
    return d;
  });
  const total = sizeOf(x.shape);
  if (infer >= 0) {
    const known = sizeOf(shape);
    if (known === 0 || total % known !== 0) c.fail(`cannot reshape "${x.name}" ${formatShape(x.shape)} (${total} values) to ${formatShape(spec)}`);
    shape[infer] = total / known;
  }
  if (sizeOf(shape) !== total) c.fail(`cannot reshape "${x.name}" ${formatShape(x.shape)} (${total} values) to ${formatShape(spec)} (${sizeOf(shape)} values)`);
  c.alias(x, shape);
};

const transpose: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const rank = x.shape.length;
  const perm = c.ints('perm', [...Array(rank).keys()].reverse());
  if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) c.fail(`perm ${formatShape(perm)} is not a permutation of the ${rank} axes of "${x.name}" ${formatShape(x.shape)}`);
  const shape = perm.map((p) => x.shape[p]);
  if (isConstant(x)) {
    c.constant(shape, transposeData(x.data ?? x.ints!, x.shape, perm));
    return;
  }
  if (perm.every((p, i) => p === i)) {
    c.alias(x, shape);
    return;
  }
  c.emit({ kind: 'transpose', inputs: [c.plan.idOf(x)], perm }, shape);
};

const dropout: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  if (c.opset >= 12 && c.has(2)) {
    const training = c.constNumbers(2, 'training_mode');
    if (training.some((v) => v !== 0)) c.fail('training_mode is true; convergent runs inference only (export in eval mode)');
  }
  unusedOutputs(c, 1, 'dropout mask');
  c.alias(x, x.shape);
};

const identity: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  c.alias(x, x.shape);
};

const constant: Lowering = (c: NodeContext) => {
  const t = c.tensorAttr('value');
  if (t) {
    if (t.data) c.constant(t.dims, t.data);
    else if (t.ints) c.constant(t.dims, t.ints);
    else c.fail('value tensor has no data');
    return;
  }
  const a = c.node.attributes;
  if (a.value_float !== undefined) c.constant([], Float32Array.of(c.float('value_float', 0)));
  else if (a.value_floats !== undefined) c.constant([c.floats('value_floats')!.length], Float32Array.from(c.floats('value_floats')!));
  else if (a.value_int !== undefined) c.constant([], [c.int('value_int', 0)]);
  else if (a.value_ints !== undefined) c.constant([c.ints('value_ints', []).length], c.ints('value_ints', []));
  else c.fail(`has none of the value attributes convergent reads (value, value_float(s), value_int(s)); found ${Object.keys(a).join(', ') || 'none'}`);
};

const pad: Lowering = (c: NodeContext) => {
  const x = c.input(0);
  const rank = x.shape.length;
  const mode = c.string('mode', 'constant');
  if (!['constant', 'reflect', 'edge'].includes(mode)) c.fail(`mode ${mode} is not supported (constant, reflect, edge)`);
  let pads: number[];
  let value = 0;
  if (c.opset < 11) {
    pads = c.ints('pads') ?? c.fail('attribute pads is required');
    value = c.float('value', 0);
  } else {
    pads = c.constInts(1, 'pads');
    if (c.has(2)) {
      const v = c.constNumbers(2, 'constant_value');
      if (v.length !== 1) c.fail(`constant_value must be a scalar`);
      value = v[0];
    }
    if (c.has(3)) {
      // Opset 18: pads only for the listed axes.
      const axes = c.constInts(3, 'axes').map((a) => c.axis(a, rank, 'axes entry'));
      if (pads.length !== 2 * axes.length) c.fail(`pads ${formatShape(pads)} must have ${2 * axes.length} values for axes ${formatShape(axes)}`);
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, i) => {
        full[a] = pads[i];
        full[a + rank] = pads[i + axes.length];
      });
      pads = full;
    }
  }
  if (pads.length !== 2 * rank) c.fail(`pads ${formatShape(pads)} must have ${2 * rank} values (begins then ends) for input "${x.name}" ${formatShape(x.shape)}`);
  if (pads.some((p) => p < 0)) c.fail(`negative pads ${formatShape(pads)} (cropping) are not supported`);
  if (mode === 'reflect') {
    for (let i = 0; i < rank; i++) {
      if (Math.max(pads[i], pads[i + rank]) >= x.shape[i]) c.fail(`reflect pads ${pads[i]}/${pads[i + rank]} on axis ${i} must be smaller than its size ${x.shape[i]}`);
    }
  }
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  if (pads.every((p) => p === 0)) {
    c.alias(x, shape);
    return;
  }
  c.emit({ kind: 'pad', inputs: [c.plan.idOf(x)], mode: mode as 'constant' | 'reflect' | 'edge', pads, value }, shape);
};

/** Every supported op and its lowering. */
export const LOWERINGS: Record<string, Lowering> = {
  Conv: conv,
  Relu: unary('relu'),
  LeakyRelu: unary('leakyrelu'),
  Clip: unary('clip'),
  Sigmoid: unary('sigmoid'),
  MaxPool: pool('maxpool'),
  AveragePool: pool('avgpool'),
  GlobalAveragePool: globalAveragePool,
  LRN: lrn,
  BatchNormalization: batchNormalization,
  Gemm: gemm,
  MatMul: matMul,
  Add: binary('add'),
  Mul: binary('mul'),
  Concat: concat,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Softmax: softmax,
  Dropout: dropout,
  Identity: identity,
  Constant: constant,
  Pad: pad,
};
