// The table of forward-pass cases every backend is checked on against onnxruntime: every
// supported op and attribute combination, then a few small CNNs (LeNet with BatchNorm, AlexNet
// with LRN and grouped conv, a ResNet block, a MobileNet block with depthwise conv and relu6).
// Sizes are deliberately not multiples of 4/8/16/64 (SIMD widths, workgroup sizes) so that every
// kernel's remainder path runs. Weights are seeded (same on every machine), inputs come from
// caseInput() in harness.ts unless a case fixes its own.
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { f, floats, OnnxBuilder, tensor, type BuilderAttr } from '../../src/inputs/onnx/builder.js';
import type { Dim, OnnxModel } from '../../src/inputs/onnx/model.js';

export interface OpCase {
  name: string;
  model: OnnxModel;
  /** Shape of the single data input. */
  inputShape: number[];
  /** Fixed input; default: seeded uniform [-1, 1) (caseInput in harness.ts). */
  input?: Float32Array;
  /** Relative tolerance if not the default 1e-4 (see expectClose). */
  rel?: number;
  /**
   * For the few cases onnxruntime refuses although ONNX allows them (LRN with an even size): the
   * expected output from a float64 evaluation of the ONNX formula, instead of onnxruntime.
   */
  expected?: (input: Float32Array) => { data: Float32Array; dims: number[] };
}

/**
 * ONNX LRN in float64, straight from the operator definition: the sum of squares runs over
 * channels max(0, c - floor((size-1)/2)) .. min(C-1, c + ceil((size-1)/2)), and
 * y = x / (bias + alpha / size * sum)^beta.
 */
export function lrnFormula(x: Float32Array, shape: number[], size: number, alpha: number, beta: number, bias: number): Float32Array {
  const [n, channels] = shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < channels; c++) {
      const lo = Math.max(0, c - Math.floor((size - 1) / 2));
      const hi = Math.min(channels - 1, c + Math.ceil((size - 1) / 2));
      for (let p = 0; p < inner; p++) {
        let sum = 0;
        for (let i = lo; i <= hi; i++) sum += x[(b * channels + i) * inner + p] ** 2;
        const k = (b * channels + c) * inner + p;
        y[k] = x[k] / (bias + (alpha / size) * sum) ** beta;
      }
    }
  }
  return y;
}

let seedCounter = 1;
/** Seeded N(0, scale^2) values; every call draws a fresh seed, in table order, so cases are stable. */
function normal(count: number, scale = 1): Float32Array {
  const g = seededNormal(1000 + seedCounter++);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = scale * g();
  return out;
}
function uniform(count: number, lo: number, hi: number): Float32Array {
  const u = seededUniform(5000 + seedCounter++);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * u();
  return out;
}
const prod = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** A net under construction: the builder plus helpers that name and seed weights. */
class Net {
  readonly b: OnnxBuilder;
  private k = 0;
  constructor(
    name: string,
    readonly inputShape: number[],
    /** Input dims declared in the model (default: batch symbolic, the rest as given). */
    dims?: Dim[],
  ) {
    this.b = new OnnxBuilder(name.replace(/[^A-Za-z0-9_]/g, '_'));
    this.b.input('x', dims ?? ['N', ...inputShape.slice(1)]);
  }
  /** A fresh value name. */
  name(prefix = 't'): string {
    return `${prefix}${this.k++}`;
  }
  /** A seeded float initializer; scale defaults to 1/sqrt(fan-in) (dims[1..] for >= 2-D). */
  weight(dims: number[], scale?: number): string {
    const fanIn = dims.length >= 2 ? prod(dims.slice(1)) : 1;
    const n = this.name('w');
    this.b.initializer(n, dims, normal(prod(dims), scale ?? 1 / Math.sqrt(fanIn)));
    return n;
  }
  floatConst(dims: number[], values: Float32Array | number[]): string {
    const n = this.name('c');
    this.b.initializer(n, dims, values instanceof Float32Array ? values : Float32Array.from(values));
    return n;
  }
  intConst(dims: number[], values: number[]): string {
    const n = this.name('i');
    this.b.initializer(n, dims, values);
    return n;
  }
  op(opType: string, inputs: string[], attrs: Record<string, BuilderAttr> = {}, outputs = 1): string {
    const outs = Array.from({ length: outputs }, () => this.name(opType.toLowerCase()));
    this.b.node(opType, inputs, outs, attrs);
    return outs[0];
  }
  conv(x: string, cin: number, cout: number, k: [number, number], attrs: Record<string, BuilderAttr> = {}, bias = true): string {
    const group = typeof attrs.group === 'number' ? attrs.group : 1;
    const w = this.weight([cout, cin / group, k[0], k[1]]);
    return this.op('Conv', bias ? [x, w, this.weight([cout], 0.5)] : [x, w], attrs);
  }
  /** BatchNormalization with seeded scale, bias, mean and (positive) variance. */
  bn(x: string, c: number, epsilon = 1e-5): string {
    const scale = this.floatConst([c], uniform(c, 0.5, 1.5));
    const bias = this.floatConst([c], normal(c, 0.3));
    const mean = this.floatConst([c], normal(c, 0.3));
    const variance = this.floatConst([c], uniform(c, 0.2, 2));
    return this.op('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: f(epsilon) });
  }
  gemm(x: string, inF: number, outF: number): string {
    return this.op('Gemm', [x, this.weight([outF, inF]), this.weight([outF], 0.5)], { transB: 1 });
  }
  done(output: string, opset = 13, extra: Partial<OpCase> = {}): OpCase {
    this.b.output(output);
    return { name: this.b.graphName, model: this.b.build({ opset }), inputShape: this.inputShape, ...extra };
  }
}

function single(name: string, inputShape: number[], opset: number, build: (n: Net, x: string) => string, extra: Partial<OpCase> = {}): OpCase {
  const n = new Net(name, inputShape);
  const c = n.done(build(n, 'x'), opset, extra);
  return { ...c, name };
}

const cases: OpCase[] = [];
const add = (c: OpCase) => cases.push(c);

// --- Conv ---
add(single('Conv 3x3 pads 1 with bias', [2, 3, 11, 13], 13, (n, x) => n.conv(x, 3, 5, [3, 3], { pads: [1, 1, 1, 1] })));
add(single('Conv 3x5 stride 2 asymmetric pads no bias', [1, 3, 17, 15], 13, (n, x) => n.conv(x, 3, 7, [3, 5], { strides: [2, 2], pads: [0, 1, 2, 1] }, false)));
add(single('Conv dilations 2x3', [1, 2, 19, 17], 13, (n, x) => n.conv(x, 2, 6, [3, 3], { dilations: [2, 3], pads: [2, 1, 2, 1] })));
add(single('Conv grouped (group 3)', [2, 6, 9, 10], 13, (n, x) => n.conv(x, 6, 9, [3, 3], { group: 3, pads: [1, 1, 1, 1] })));
add(single('Conv depthwise stride 2', [1, 10, 13, 11], 13, (n, x) => n.conv(x, 10, 10, [3, 3], { group: 10, pads: [1, 1, 1, 1], strides: [2, 2] })));
add(single('Conv depthwise multiplier 2', [1, 5, 8, 9], 13, (n, x) => n.conv(x, 5, 10, [3, 3], { group: 5 })));
add(single('Conv auto_pad SAME_UPPER stride 2 even kernel', [1, 3, 10, 9], 13, (n, x) => n.conv(x, 3, 4, [4, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] })));
add(single('Conv auto_pad SAME_LOWER stride 2 even kernel', [1, 3, 10, 9], 13, (n, x) => n.conv(x, 3, 4, [4, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] })));
add(single('Conv auto_pad VALID stride 3', [2, 3, 14, 13], 13, (n, x) => n.conv(x, 3, 5, [3, 3], { auto_pad: 'VALID', strides: [3, 3] })));
add(single('Conv 1x1', [3, 17, 7, 5], 13, (n, x) => n.conv(x, 17, 11, [1, 1])));
add(single('Conv many channels 3x3', [1, 35, 9, 9], 13, (n, x) => n.conv(x, 35, 37, [3, 3], { pads: [1, 1, 1, 1] })));
add(single('Conv explicit kernel_shape strides 1x2', [1, 4, 12, 15], 13, (n, x) => n.conv(x, 4, 6, [3, 3], { kernel_shape: [3, 3], strides: [1, 2] })));
add(single('Conv 5x5 pads 2 (LeNet)', [2, 1, 28, 28], 13, (n, x) => n.conv(x, 1, 6, [5, 5], { pads: [2, 2, 2, 2] })));
add(single('Conv 11x11 stride 4 (AlexNet)', [1, 3, 67, 67], 13, (n, x) => n.conv(x, 3, 8, [11, 11], { strides: [4, 4], pads: [2, 2, 2, 2] })));
add(single('Conv larger map 3x3', [2, 5, 33, 35], 13, (n, x) => n.conv(x, 5, 19, [3, 3], { pads: [1, 1, 1, 1] })));
add(single('Conv wide channels 3x3', [1, 67, 6, 5], 13, (n, x) => n.conv(x, 67, 65, [3, 3], { pads: [1, 1, 1, 1] })));
add(single('Conv wide channels 1x1', [1, 130, 6, 7], 13, (n, x) => n.conv(x, 130, 70, [1, 1])));
add(single('Conv opset 7', [1, 3, 7, 6], 7, (n, x) => n.conv(x, 3, 3, [2, 2])));

// --- Pooling ---
add(single('MaxPool 2x2 stride 2', [2, 5, 12, 14], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] })));
add(single('MaxPool 3x3 stride 2 overlapping', [1, 4, 13, 13], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] })));
add(single('MaxPool ceil_mode', [1, 3, 14, 14], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 })));
add(single('MaxPool ceil_mode with pads', [1, 2, 10, 11], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })));
add(single('MaxPool ceil_mode last window would start in the end pad', [1, 2, 4, 5], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [4, 4], pads: [0, 0, 2, 2], ceil_mode: 1 })));
add(single('MaxPool dilations and pads', [1, 3, 15, 13], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], dilations: [2, 2], pads: [1, 1, 1, 1] })));
add(single('MaxPool asymmetric pads', [1, 3, 9, 8], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [2, 3], strides: [2, 1], pads: [0, 1, 1, 0] })));
add(single('MaxPool auto_pad SAME_UPPER', [1, 2, 11, 10], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' })));
add(single('MaxPool auto_pad SAME_LOWER', [1, 2, 11, 10], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' })));
add(single('MaxPool larger map 3x3 stride 2', [2, 6, 37, 35], 13, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })));
add(single('MaxPool opset 7', [1, 3, 9, 9], 7, (n, x) => n.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] })));
add(single('AveragePool 3x3 pads exclude pad', [1, 4, 9, 11], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })));
add(single('AveragePool 3x3 stride 2 include pad', [2, 3, 9, 11], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 })));
add(single('AveragePool ceil_mode include pad', [1, 2, 10, 10], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 })));
add(single('AveragePool ceil_mode exclude pad', [1, 2, 10, 10], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })));
add(single('AveragePool ceil_mode last window would start in the end pad', [1, 2, 4, 5], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [4, 4], pads: [0, 0, 2, 2], ceil_mode: 1, count_include_pad: 1 })));
add(single('AveragePool ceil_mode no pads', [1, 3, 7, 8], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })));
add(single('AveragePool 2x2 stride 2 (LeNet)', [2, 6, 14, 14], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] })));
add(single('AveragePool auto_pad SAME_UPPER', [1, 3, 9, 10], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' })));
add(single('AveragePool asymmetric pads include pad', [1, 2, 7, 9], 13, (n, x) => n.op('AveragePool', [x], { kernel_shape: [3, 2], pads: [2, 0, 0, 1], count_include_pad: 1 })));
add(single('GlobalAveragePool', [2, 7, 5, 9], 13, (n, x) => n.op('GlobalAveragePool', [x])));
add(single('GlobalAveragePool 1x1 map', [3, 13, 1, 1], 13, (n, x) => n.op('GlobalAveragePool', [x])));

// --- LRN ---
add(single('LRN size 5 (AlexNet)', [2, 10, 7, 7], 13, (n, x) => n.op('LRN', [x], { size: 5, alpha: f(0.02), beta: f(0.75), bias: f(2) })));
// onnxruntime refuses even sizes (its kernel asserts size % 2 == 1); ONNX defines them.
add(
  single('LRN size 4 (even)', [1, 9, 5, 6], 13, (n, x) => n.op('LRN', [x], { size: 4, alpha: f(0.3), beta: f(0.6), bias: f(1.5) }), {
    expected: (input) => ({ data: lrnFormula(input, [1, 9, 5, 6], 4, 0.3, 0.6, 1.5), dims: [1, 9, 5, 6] }),
  }),
);
add(
  single('LRN size 2 (even) on many channels', [2, 19, 3, 5], 13, (n, x) => n.op('LRN', [x], { size: 2, alpha: f(0.5), beta: f(0.75), bias: f(1) }), {
    expected: (input) => ({ data: lrnFormula(input, [2, 19, 3, 5], 2, 0.5, 0.75, 1), dims: [2, 19, 3, 5] }),
  }),
);
add(single('LRN size 3 default attributes', [1, 6, 4, 5], 13, (n, x) => n.op('LRN', [x], { size: 3 })));
add(single('LRN size 7 more than channels', [1, 3, 5, 5], 13, (n, x) => n.op('LRN', [x], { size: 7, alpha: f(0.5), beta: f(0.9), bias: f(1) })));

// --- BatchNormalization ---
add(single('BatchNormalization standalone', [2, 6, 5, 7], 13, (n, x) => n.bn(x, 6)));
add(single('BatchNormalization opset 9', [1, 5, 4, 3], 9, (n, x) => n.bn(x, 5, 1e-3)));
add(single('BatchNormalization opset 15 on (N, C)', [3, 11], 15, (n, x) => n.bn(x, 11)));
add(single('BatchNormalization after Conv (folded)', [2, 3, 9, 8], 13, (n, x) => n.bn(n.conv(x, 3, 7, [3, 3], { pads: [1, 1, 1, 1] }), 7)));
add(single('BatchNormalization after Conv without bias (folded)', [1, 4, 7, 7], 13, (n, x) => n.bn(n.conv(x, 4, 5, [3, 3], {}, false), 5)));
add(
  single('BatchNormalization after Conv read twice (not folded)', [1, 3, 8, 8], 13, (n, x) => {
    const c = n.conv(x, 3, 5, [3, 3]);
    return n.op('Add', [n.bn(c, 5), c]);
  }),
);

// --- Gemm / MatMul ---
add(single('Gemm transB with bias', [5, 17], 13, (n, x) => n.op('Gemm', [x, n.weight([11, 17]), n.weight([11])], { transB: 1 })));
add(single('Gemm transA alpha beta C (M, N)', [17, 5], 13, (n, x) => n.op('Gemm', [x, n.weight([17, 11]), n.weight([5, 11])], { transA: 1, alpha: f(0.5), beta: f(2) })));
add(single('Gemm C broadcast (1, N)', [4, 9], 13, (n, x) => n.op('Gemm', [x, n.weight([9, 6]), n.weight([1, 6])], { beta: f(0.7) })));
add(single('Gemm C broadcast (M, 1)', [4, 9], 13, (n, x) => n.op('Gemm', [x, n.weight([9, 6]), n.weight([4, 1])])));
add(single('Gemm C scalar', [3, 7], 13, (n, x) => n.op('Gemm', [x, n.weight([5, 7]), n.floatConst([], [0.25])], { transB: 1, alpha: f(1.5) })));
add(single('Gemm without C', [6, 19], 13, (n, x) => n.op('Gemm', [x, n.weight([13, 19])], { transB: 1 })));
add(single('Gemm transA transB', [19, 3], 13, (n, x) => n.op('Gemm', [x, n.weight([7, 19]), n.weight([7])], { transA: 1, transB: 1 })));
add(single('Gemm both operands computed', [6, 5], 13, (n, x) => n.op('Gemm', [x, n.op('Relu', [x])], { transB: 1 })));
add(single('Gemm opset 7 with C', [4, 10], 7, (n, x) => n.op('Gemm', [x, n.weight([10, 3]), n.weight([3])])));
add(single('Gemm large (fully connected)', [3, 300], 13, (n, x) => n.op('Gemm', [x, n.weight([129, 300]), n.weight([129])], { transB: 1 })));
add(single('MatMul 2-D', [7, 13], 13, (n, x) => n.op('MatMul', [x, n.weight([13, 9])])));
add(single('MatMul batched by 2-D weight', [2, 3, 5, 7], 13, (n, x) => n.op('MatMul', [x, n.weight([7, 6])])));
add(single('MatMul batch broadcast', [2, 1, 5, 7], 13, (n, x) => n.op('MatMul', [x, n.weight([3, 7, 4])])));
add(single('MatMul of computed operands', [3, 5, 7], 13, (n, x) => n.op('MatMul', [x, n.op('Transpose', [x], { perm: [0, 2, 1] })])));

// --- Elementwise ---
add(single('Relu', [2, 3, 5, 7], 13, (n, x) => n.op('Relu', [x])));
add(single('Relu large odd size', [3, 7, 31, 33], 13, (n, x) => n.op('Relu', [x])));
add(single('LeakyRelu alpha 0.2', [2, 3, 5, 7], 13, (n, x) => n.op('LeakyRelu', [x], { alpha: f(0.2) })));
add(single('LeakyRelu default alpha', [3, 37], 13, (n, x) => n.op('LeakyRelu', [x])));
add(single('Sigmoid', [2, 3, 5, 7], 13, (n, x) => n.op('Sigmoid', [x])));
add(single('Clip opset 7 attributes', [2, 3, 5, 7], 7, (n, x) => n.op('Clip', [x], { min: f(-0.5), max: f(0.25) })));
add(single('Clip opset 13 min max inputs', [2, 3, 5, 7], 13, (n, x) => n.op('Clip', [x, n.floatConst([], [-0.3]), n.floatConst([], [0.6])])));
add(single('Clip opset 13 max only', [2, 3, 5, 7], 13, (n, x) => n.op('Clip', [x, '', n.floatConst([], [0.1])])));
add(single('Clip opset 11 min only', [3, 29], 11, (n, x) => n.op('Clip', [x, n.floatConst([], [0])])));
add(
  single('Clip opset 12 bounds from Constant nodes', [2, 4, 3, 3], 12, (n, x) => {
    const lo = n.op('Constant', [], { value: tensor('lo', [], Float32Array.from([-0.2])) });
    const hi = n.op('Constant', [], { value_float: f(0.4) });
    return n.op('Clip', [x, lo, hi]);
  }),
);
add(single('Add same shape', [2, 3, 5, 7], 13, (n, x) => n.op('Add', [x, n.op('Sigmoid', [x])])));
add(single('Add broadcast (C, 1, 1)', [2, 3, 4, 5], 13, (n, x) => n.op('Add', [x, n.weight([3, 1, 1], 1)])));
add(single('Mul broadcast last axis', [2, 3, 4, 5], 13, (n, x) => n.op('Mul', [x, n.weight([5], 1)])));
add(single('Add both operands broadcast', [2, 1, 4, 1], 13, (n, x) => n.op('Add', [x, n.weight([3, 1, 5], 1)])));
add(single('Mul constant first operand broadcast', [2, 3, 4, 5], 13, (n, x) => n.op('Mul', [n.weight([1, 3, 1, 5], 1), x])));
add(single('Mul by scalar', [3, 17], 13, (n, x) => n.op('Mul', [x, n.floatConst([], [-1.75])])));
add(single('Add opset 7 broadcast (N, C)', [5, 9], 7, (n, x) => n.op('Add', [x, n.weight([9], 1)])));

// --- Softmax ---
add(single('Softmax 2-D', [5, 11], 13, (n, x) => n.op('Softmax', [x])));
add(single('Softmax opset 11 axis 1 coerces to 2-D', [2, 3, 4, 5], 11, (n, x) => n.op('Softmax', [x], { axis: 1 })));
add(single('Softmax opset 11 default axis', [2, 3, 4, 5], 11, (n, x) => n.op('Softmax', [x])));
add(single('Softmax opset 11 negative axis', [2, 3, 4, 5], 11, (n, x) => n.op('Softmax', [x], { axis: -2 })));
add(single('Softmax opset 13 axis 1', [2, 3, 4, 5], 13, (n, x) => n.op('Softmax', [x], { axis: 1 })));
add(single('Softmax opset 13 default axis', [2, 3, 4, 5], 13, (n, x) => n.op('Softmax', [x])));
add(single('Softmax opset 13 axis -3', [2, 3, 4, 5], 13, (n, x) => n.op('Softmax', [x], { axis: -3 })));
add(single('Softmax large logits', [3, 10], 13, (n, x) => n.op('Softmax', [n.op('Mul', [x, n.floatConst([], [60])])])));

// --- Layout ops ---
add(single('Concat axis 1', [2, 3, 4, 5], 13, (n, x) => n.op('Concat', [x, n.op('Relu', [x]), n.op('Sigmoid', [x])], { axis: 1 })));
add(single('Concat axis -1 with a constant', [2, 3, 4, 5], 13, (n, x) => n.op('Concat', [x, n.weight([2, 3, 4, 3], 1)], { axis: -1 })));
add(single('Concat axis 0', [2, 7], 13, (n, x) => n.op('Concat', [x, n.op('Sigmoid', [x])], { axis: 0 })));
add(single('Concat axis 2', [1, 3, 5, 4], 13, (n, x) => n.op('Concat', [n.op('Relu', [x]), x], { axis: 2 })));
add(single('Transpose default perm', [2, 3, 4, 5], 13, (n, x) => n.op('Transpose', [x])));
add(single('Transpose NCHW to NHWC', [2, 3, 4, 5], 13, (n, x) => n.op('Transpose', [x], { perm: [0, 2, 3, 1] })));
add(single('Transpose 2-D', [7, 13], 13, (n, x) => n.op('Transpose', [x], { perm: [1, 0] })));
add(single('Transpose perm 1 3 0 2', [2, 3, 4, 5], 13, (n, x) => n.op('Transpose', [x], { perm: [1, 3, 0, 2] })));
add(single('Flatten default axis then Relu', [2, 3, 4, 5], 13, (n, x) => n.op('Relu', [n.op('Flatten', [x])])));
add(single('Flatten axis 2', [2, 3, 4, 5], 13, (n, x) => n.op('Sigmoid', [n.op('Flatten', [x], { axis: 2 })])));
add(single('Flatten axis 0', [2, 3, 4, 5], 13, (n, x) => n.op('Relu', [n.op('Flatten', [x], { axis: 0 })])));
add(single('Flatten axis -1', [2, 3, 4, 5], 13, (n, x) => n.op('Relu', [n.op('Flatten', [x], { axis: -1 })])));
add(single('Reshape 0 and -1', [2, 3, 4, 5], 13, (n, x) => n.op('Relu', [n.op('Reshape', [x, n.intConst([2], [0, -1])])])));
add(single('Reshape -1 first', [2, 3, 4, 5], 13, (n, x) => n.op('Relu', [n.op('Reshape', [x, n.intConst([3], [-1, 5, 2])])])));
add(
  single('Reshape shape from Constant node', [2, 3, 4, 5], 13, (n, x) => {
    const shape = n.op('Constant', [], { value: tensor('shape', [4], [0, 4, 3, -1]) });
    return n.op('Sigmoid', [n.op('Reshape', [x, shape])]);
  }),
);
add(single('Dropout opset 7 ratio attribute', [2, 9], 7, (n, x) => n.op('Relu', [n.op('Dropout', [x], { ratio: f(0.5) })])));
add(single('Dropout opset 13 with mask output unused', [2, 9], 13, (n, x) => n.op('Relu', [n.op('Dropout', [x, n.floatConst([], [0.3])], {}, 2)])));
add(single('Identity', [2, 9], 13, (n, x) => n.op('Sigmoid', [n.op('Identity', [x])])));
add(single('Constant added', [2, 3, 4], 13, (n, x) => n.op('Add', [x, n.op('Constant', [], { value: tensor('k', [3, 4], normal(12)) })])));
add(single('Constant value_floats', [2, 3], 13, (n, x) => n.op('Mul', [x, n.op('Constant', [], { value_floats: floats([2, -1, 0.5]) })])));

// --- Pad ---
add(single('Pad opset 7 constant attributes', [1, 2, 4, 5], 7, (n, x) => n.op('Pad', [x], { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: f(1.5) })));
add(single('Pad opset 7 reflect', [1, 2, 4, 5], 7, (n, x) => n.op('Pad', [x], { pads: [0, 0, 2, 1, 0, 0, 1, 3], mode: 'reflect' })));
add(single('Pad opset 11 constant value input', [2, 3, 4, 5], 11, (n, x) => n.op('Pad', [x, n.intConst([8], [0, 1, 1, 0, 1, 0, 2, 3]), n.floatConst([], [-0.5])])));
add(single('Pad opset 13 constant default value', [2, 3, 4, 5], 13, (n, x) => n.op('Pad', [x, n.intConst([8], [0, 0, 3, 1, 0, 0, 0, 2])])));
add(single('Pad opset 13 reflect', [1, 3, 5, 6], 13, (n, x) => n.op('Pad', [x, n.intConst([8], [0, 0, 2, 3, 0, 0, 4, 1])], { mode: 'reflect' })));
add(single('Pad opset 13 edge', [1, 3, 5, 6], 13, (n, x) => n.op('Pad', [x, n.intConst([8], [0, 1, 3, 2, 0, 2, 1, 4])], { mode: 'edge' })));
add(single('Pad opset 13 2-D', [3, 7], 13, (n, x) => n.op('Pad', [x, n.intConst([4], [1, 2, 0, 3])], { mode: 'edge' })));
add(single('Pad opset 18 axes', [1, 2, 5, 6], 18, (n, x) => n.op('Pad', [x, n.intConst([4], [1, 2, 3, 0]), n.floatConst([], [0.75]), n.intConst([2], [-1, 2])])));

// --- Small CNNs ---
{
  // LeNet with BatchNorm (folded into both convs), max pooling and a softmax classifier.
  const n = new Net('LeNet with BatchNorm', [3, 1, 20, 20]);
  let t = n.op('Relu', [n.bn(n.conv('x', 1, 6, [5, 5], { pads: [2, 2, 2, 2] }), 6)]);
  t = n.op('MaxPool', [t], { kernel_shape: [2, 2], strides: [2, 2] });
  t = n.op('Relu', [n.bn(n.conv(t, 6, 10, [5, 5]), 10)]);
  t = n.op('MaxPool', [t], { kernel_shape: [2, 2], strides: [2, 2] });
  t = n.op('Flatten', [t]);
  t = n.op('Relu', [n.gemm(t, 10 * 3 * 3, 30)]);
  t = n.op('Softmax', [n.gemm(t, 30, 10)], { axis: 1 });
  add({ ...n.done(t, 13), name: 'LeNet with BatchNorm' });
}
{
  // AlexNet in miniature: 11x11 stride 4, LRN, overlapping pooling, grouped conv, dropout.
  const n = new Net('AlexNet-like', [2, 3, 43, 43]);
  let t = n.op('Relu', [n.conv('x', 3, 12, [11, 11], { strides: [4, 4], pads: [2, 2, 2, 2] })]);
  t = n.op('LRN', [t], { size: 5, alpha: f(1e-3), beta: f(0.75), bias: f(2) });
  t = n.op('MaxPool', [t], { kernel_shape: [3, 3], strides: [2, 2] });
  t = n.op('Relu', [n.conv(t, 12, 18, [5, 5], { pads: [2, 2, 2, 2], group: 2 })]);
  t = n.op('LRN', [t], { size: 5, alpha: f(1e-3), beta: f(0.75), bias: f(2) });
  t = n.op('MaxPool', [t], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
  t = n.op('Relu', [n.conv(t, 18, 14, [3, 3], { pads: [1, 1, 1, 1], group: 2 })]);
  t = n.op('Flatten', [t]);
  t = n.op('Relu', [n.op('Dropout', [n.gemm(t, 14 * 2 * 2, 33)], { ratio: f(0.5) })]);
  t = n.gemm(t, 33, 10);
  add({ ...n.done(t, 11), name: 'AlexNet-like' });
}
{
  // A ResNet basic block: two 3x3 convs with BatchNorm, identity shortcut, global pooling, fc.
  const n = new Net('ResNet block', [2, 8, 9, 9]);
  const stem = n.op('Relu', [n.bn(n.conv('x', 8, 8, [3, 3], { pads: [1, 1, 1, 1] }, false), 8)]);
  let t = n.op('Relu', [n.bn(n.conv(stem, 8, 8, [3, 3], { pads: [1, 1, 1, 1] }, false), 8)]);
  t = n.bn(n.conv(t, 8, 8, [3, 3], { pads: [1, 1, 1, 1] }, false), 8);
  t = n.op('Relu', [n.op('Add', [t, stem])]);
  t = n.op('GlobalAveragePool', [t]);
  t = n.op('Flatten', [t]);
  t = n.gemm(t, 8, 5);
  add({ ...n.done(t, 13), name: 'ResNet block' });
}
{
  // MobileNet: strided conv, depthwise 3x3, pointwise 1x1, each with BatchNorm and ReLU6 (Clip).
  const n = new Net('MobileNet-like', [2, 3, 17, 17]);
  const relu6 = (x: string) => n.op('Clip', [x, n.floatConst([], [0]), n.floatConst([], [6])]);
  let t = relu6(n.bn(n.conv('x', 3, 8, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }, false), 8));
  t = relu6(n.bn(n.conv(t, 8, 8, [3, 3], { pads: [1, 1, 1, 1], group: 8 }, false), 8));
  t = relu6(n.bn(n.conv(t, 8, 16, [1, 1], {}, false), 16));
  t = relu6(n.bn(n.conv(t, 16, 16, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2], group: 16 }, false), 16));
  t = n.op('GlobalAveragePool', [t]);
  t = n.op('Reshape', [t, n.intConst([2], [0, -1])]);
  t = n.gemm(t, 16, 7);
  add({ ...n.done(t, 13), name: 'MobileNet-like' });
}
{
  // An MLP as PyTorch exports nn.Linear without Gemm: MatMul + Add.
  const n = new Net('MLP with MatMul and Add', [4, 20]);
  let t = n.op('Relu', [n.op('Add', [n.op('MatMul', ['x', n.weight([20, 13])]), n.weight([13], 0.5)])]);
  t = n.op('Add', [n.op('MatMul', [t, n.weight([13, 6])]), n.weight([6], 0.5)]);
  add({ ...n.done(t, 13), name: 'MLP with MatMul and Add' });
}
{
  // A branch that feeds no output (dead code the planner may drop) next to a live one.
  const n = new Net('Dead branch', [2, 3, 6, 6]);
  n.op('Sigmoid', [n.conv('x', 3, 4, [3, 3])]);
  const t = n.op('Relu', [n.conv('x', 3, 5, [3, 3])]);
  add({ ...n.done(t, 13), name: 'Dead branch' });
}

export const opCases: readonly OpCase[] = cases;

/** The model of the op case called `name` (throws when there is none). */
export function opCaseModel(name: string): OpCase['model'] {
  const c = opCases.find((x) => x.name === name);
  if (!c) throw new Error(`no op case ${name}`);
  return c.model;
}
