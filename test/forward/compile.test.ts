// The planner beyond shapes (those are checked against onnxruntime in shapes.test.ts): what it
// refuses and how it says so, what it folds (BatchNorm into Conv, bias Adds, constants) and that
// the folded plans still compute what onnxruntime computes, dead code, captures.
import { describe, expect, it } from 'vitest';
import { checkSupported, compilePlan, modelInputDims, SUPPORTED_OPS } from '../../src/forward/compile.js';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { f, OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import { seededNormal } from '../../src/util/random.js';
import { expectClose, runOnnxruntime, runPlanWith, withOutputs } from './harness.js';

const normal = (n: number, seed: number, scale = 1) => {
  const g = seededNormal(seed);
  return Float32Array.from({ length: n }, () => scale * g());
};

/** Conv -> BatchNormalization -> Relu, optionally with the conv output also read elsewhere. */
function convBn(opts: { bias?: boolean; extraReader?: boolean } = {}): OnnxModel {
  const b = new OnnxBuilder('convbn');
  b.input('x', ['N', 3, 7, 6]);
  b.initializer('w', [5, 3, 3, 3], normal(135, 1, 0.3));
  if (opts.bias) b.initializer('b', [5], normal(5, 2));
  b.initializer('gamma', [5], Float32Array.from([0.5, 1.5, -1, 2, 0.1]));
  b.initializer('beta', [5], normal(5, 3));
  b.initializer('mean', [5], normal(5, 4));
  b.initializer('var', [5], Float32Array.from([0.2, 1, 3, 0.05, 2]));
  b.node('Conv', opts.bias ? ['x', 'w', 'b'] : ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }, 'conv');
  b.node('BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['bn'], { epsilon: f(1e-3) }, 'bn');
  b.node('Relu', ['bn'], ['y'], {}, 'relu');
  if (opts.extraReader) {
    b.node('Sigmoid', ['c'], ['s'], {}, 'side');
    b.output('s');
  }
  b.output('y');
  return b.build({ opset: 13 });
}

function simple(op: string, attrs: Record<string, number | string | number[]> = {}, opset = 13): OnnxModel {
  const b = new OnnxBuilder('simple');
  b.input('x', ['N', 4]);
  b.node(op, ['x'], ['y'], attrs, 'the_node');
  b.output('y');
  return b.build({ opset });
}

describe('checkSupported', () => {
  it('refuses an unsupported op, naming the op, the node and the supported ops', () => {
    const b = new OnnxBuilder('g');
    b.input('x', [1, 4]);
    b.node('Relu', ['x'], ['a'], {}, 'fine');
    b.node('Tanh', ['a'], ['t'], {}, 'squash');
    b.node('Erf', ['t'], ['y'], {}, 'erf1');
    b.output('y');
    const model = b.build();
    expect(() => checkSupported(model, 'nets/a.onnx')).toThrow(
      `nets/a.onnx: node "squash" is a Tanh, an op convergent cannot run (1 more unsupported nodes: Erf); supported ops: ${SUPPORTED_OPS.join(', ')}`,
    );
    // compilePlan refuses it too, without a path
    expect(() => compilePlan(model, [1, 4])).toThrow(/Tanh node "squash": Tanh is not supported; supported ops: Conv, Relu/);
  });

  it('refuses old opsets, custom domains, several inputs and non-float inputs', () => {
    expect(() => checkSupported(simple('Relu', {}, 6), 'old.onnx')).toThrow(/old\.onnx: opset 6 is older than 7/);
    const custom = simple('Relu');
    custom.nodes[0].domain = 'com.microsoft';
    expect(() => checkSupported(custom, 'ms.onnx')).toThrow(/ms\.onnx: node "the_node" is Relu from domain "com\.microsoft"/);
    const two = simple('Relu');
    two.inputs.push({ name: 'z', elemType: 1, dims: [1] });
    expect(() => checkSupported(two, 'two.onnx')).toThrow(/two\.onnx: the model has 2 data inputs \(x, z\); convergent feeds exactly one/);
    const ints = simple('Relu');
    ints.inputs[0].elemType = 7;
    expect(() => checkSupported(ints, 'ints.onnx')).toThrow(/ints\.onnx: input "x" has element type 7/);
    expect(() => checkSupported(simple('Relu'), 'ok.onnx')).not.toThrow();
  });
});

describe('compilePlan', () => {
  it('checks the input shape against the declared dims (symbolic dims accept anything, a frozen batch of 1 too)', () => {
    const b = new OnnxBuilder('g');
    b.input('image', [1, 3, 'H', 8]);
    b.node('Relu', ['image'], ['y']);
    b.output('y');
    const model = b.build();
    expect(modelInputDims(model)).toEqual([1, 3, 'H', 8]);
    expect(compilePlan(model, [5, 3, 11, 8]).tensors[0].shape).toEqual([5, 3, 11, 8]);
    expect(() => compilePlan(model, [5, 4, 11, 8])).toThrow('input "image" dim 1 is 3 in the model ([1,3,"H",8]) but 4 in the data (shape [5,4,11,8])');
    expect(() => compilePlan(model, [5, 3, 11])).toThrow(/input "image" has rank 4/);
  });

  it('folds BatchNormalization into the Conv before it and still matches onnxruntime', async () => {
    for (const bias of [false, true]) {
      const model = convBn({ bias });
      const plan = compilePlan(model, [2, 3, 7, 6]);
      expect(plan.steps.map((s) => s.kind)).toEqual(['conv', 'unary']);
      expect(plan.steps[0].inputs).toHaveLength(3);
      // the unfolded weights are not in the plan any more; the folded ones are
      expect(plan.tensors.map((t) => t.name)).toEqual(['x', 'bn', 'bn:folded_weight', 'bn:folded_bias', 'y']);
      const input = normal(2 * 3 * 7 * 6, 9);
      const expected = await runOnnxruntime(model, { x: { data: input, dims: [2, 3, 7, 6] } });
      const actual = await runPlanWith(model, input, [2, 3, 7, 6], createReferenceKernels());
      expectClose(actual.data, expected.data, 1e-4, `bias ${bias}`);
    }
  });

  it('keeps BatchNormalization as a channel affine when the conv output is captured or read elsewhere', async () => {
    const captured = compilePlan(convBn(), [1, 3, 7, 6], { captures: ['c'] });
    expect(captured.steps.map((s) => s.kind)).toEqual(['conv', 'channelaffine', 'unary']);
    const shared = convBn({ extraReader: true });
    const plan = compilePlan(shared, [1, 3, 7, 6]);
    expect(plan.steps.map((s) => s.kind)).toEqual(['conv', 'channelaffine', 'unary', 'unary']);
    const input = normal(3 * 7 * 6, 10);
    const ref = createReferenceKernels();
    const [s, y] = await runOnnxruntime(shared, { x: { data: input, dims: [1, 3, 7, 6] } }, ['s', 'y']);
    const actual = await runPlanWith(shared, input, [1, 3, 7, 6], ref, ['s', 'y', 'c']);
    expectClose(actual.captured[0].data, s.data);
    expectClose(actual.captured[1].data, y.data);
    // the captured conv output is the raw convolution, as onnxruntime computes it
    const [c] = await runOnnxruntime(withOutputs(shared, ['c']), { x: { data: input, dims: [1, 3, 7, 6] } }, ['c']);
    expectClose(actual.captured[2].data, c.data);
  });

  it('folds a constant bias Add into the MatMul or Conv before it', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 6]);
    b.initializer('w', [6, 3], normal(18, 1));
    b.initializer('bias', [3], normal(3, 2));
    b.node('MatMul', ['x', 'w'], ['m']);
    b.node('Add', ['m', 'bias'], ['y']);
    b.output('y');
    const plan = compilePlan(b.build(), [4, 6]);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ kind: 'gemm', beta: 1 });
    expect(plan.tensors[plan.steps[0].inputs[2]!].shape).toEqual([1, 3]);
    expect(plan.tensors[plan.steps[0].output].name).toBe('y');
    // captured, the MatMul output must stay: no fusion
    expect(compilePlan(b.build(), [4, 6], { captures: ['m'] }).steps.map((s) => s.kind)).toEqual(['gemm', 'binary']);
  });

  it('drops nodes no output or capture needs, and constants no step reads', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 4]);
    b.initializer('unused', [4], normal(4, 1));
    b.node('Sigmoid', ['x'], ['dead']);
    b.node('Relu', ['x'], ['y']);
    b.output('y');
    const model = b.build();
    const plan = compilePlan(model, [2, 4]);
    expect(plan.steps.map((s) => s.opType)).toEqual(['Relu']);
    expect(plan.tensors.map((t) => t.name)).toEqual(['x', 'y']);
    expect(compilePlan(model, [2, 4], { captures: ['dead'] }).steps.map((s) => s.opType)).toEqual(['Sigmoid', 'Relu']);
  });

  it('with capturesOnly, runs only what the captures need (the graph outputs past them are left out)', () => {
    // conv -> relu (captured) -> gemm -> relu -> gemm (the graph output): a probe of the first
    // layer needs neither fully connected layer.
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 1, 5, 5]);
    b.initializer('w', [2, 1, 3, 3], normal(18, 2));
    b.node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] });
    b.node('Relu', ['c'], ['r1']);
    b.node('Flatten', ['r1'], ['f'], { axis: 1 });
    b.initializer('w2', [3, 18], normal(54, 3));
    b.node('Gemm', ['f', 'w2'], ['g1'], { transB: 1 });
    b.node('Relu', ['g1'], ['r2']);
    b.initializer('w3', [2, 3], normal(6, 4));
    b.node('Gemm', ['r2', 'w3'], ['out'], { transB: 1 });
    b.output('out');
    const model = b.build();
    const kinds = (options: Parameters<typeof compilePlan>[2]) => compilePlan(model, [2, 1, 5, 5], options).steps.map((s) => s.opType);
    expect(kinds({ captures: ['r1'] })).toEqual(['Conv', 'Relu', 'Flatten', 'Gemm', 'Relu', 'Gemm']);
    expect(kinds({ captures: ['r1'], capturesOnly: true })).toEqual(['Conv', 'Relu']);
    expect(kinds({ captures: ['r1', 'r2'], capturesOnly: true })).toEqual(['Conv', 'Relu', 'Flatten', 'Gemm', 'Relu']);
    expect(compilePlan(model, [2, 1, 5, 5], { captures: ['r1'], capturesOnly: true }).outputs).toEqual([]);
    // No captures: the graph outputs, as without the option.
    expect(kinds({ capturesOnly: true })).toEqual(kinds({}));
  });

  it('refuses a capture that does not exist, listing close names', () => {
    expect(() => compilePlan(convBn(), [1, 3, 7, 6], { captures: ['bm'] })).toThrow('convbn: there is no value "bm" to capture; close names: bn');
    expect(() => compilePlan(convBn(), [1, 3, 7, 6], { captures: ['/features/Conv_output_0'] })).toThrow(/there is no value "\/features\/Conv_output_0" to capture$/);
  });

  it('names the node on broadcast, reshape, pad and clip errors', () => {
    const build = (fn: (b: OnnxBuilder) => void, opset = 13) => {
      const b = new OnnxBuilder('g');
      b.input('x', ['N', 3, 4]);
      fn(b);
      b.output('y');
      return b.build({ opset });
    };
    const add = build((b) => {
      b.initializer('k', [2], Float32Array.from([1, 2]));
      b.node('Add', ['x', 'k'], ['y'], {}, 'plus');
    });
    expect(() => compilePlan(add, [2, 3, 4])).toThrow('Add node "plus": inputs "x" [2, 3, 4] and "k" [2] do not broadcast (numpy rules)');
    const reshape = build((b) => {
      b.initializer('s', [2], [5, -1]);
      b.node('Reshape', ['x', 's'], ['y'], {}, 'rs');
    });
    expect(() => compilePlan(reshape, [2, 3, 4])).toThrow('Reshape node "rs": cannot reshape "x" [2, 3, 4] (24 values) to [5, -1]');
    const pad = build((b) => {
      b.initializer('p', [6], [0, 0, -1, 0, 0, 1]);
      b.node('Pad', ['x', 'p'], ['y'], {}, 'crop');
    });
    expect(() => compilePlan(pad, [2, 3, 4])).toThrow('Pad node "crop": negative pads [0, 0, -1, 0, 0, 1] (cropping) are not supported');
    const reflect = build((b) => {
      b.initializer('p', [6], [0, 0, 4, 0, 0, 0]);
      b.node('Pad', ['x', 'p'], ['y'], { mode: 'reflect' }, 'mirror');
    });
    expect(() => compilePlan(reflect, [2, 3, 4])).toThrow(/Pad node "mirror": reflect pads 4\/0 on axis 2 must be smaller than its size 4/);
    const clip = build((b) => {
      b.node('Sigmoid', ['x'], ['lo'], {}, 'lo');
      b.node('Clip', ['x', 'lo'], ['y'], {}, 'clamp');
    });
    expect(() => compilePlan(clip, [2, 3, 4])).toThrow(/Clip node "clamp": min \(input 1 "lo"\) must be a constant/);
    const wrap = build((b) => {
      b.initializer('p', [6], [0, 0, 1, 0, 0, 1]);
      b.node('Pad', ['x', 'p'], ['y'], { mode: 'wrap' }, 'wrapper');
    }, 19);
    expect(() => compilePlan(wrap, [2, 3, 4])).toThrow('Pad node "wrapper": mode wrap is not supported (constant, reflect, edge)');
  });

  it('refuses mismatched Conv weights, naming node and tensors', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 4, 8, 8]);
    b.initializer('w', [6, 3, 3, 3], normal(162, 1));
    b.node('Conv', ['x', 'w'], ['y'], { group: 1 }, 'conv1');
    b.output('y');
    expect(() => compilePlan(b.build(), [1, 4, 8, 8])).toThrow('Conv node "conv1": weight "w" [6, 3, 3, 3] with group 1 does not match the 4 input channels of "x" [1, 4, 8, 8]');
  });

  it('lowers Softmax by the rule of its opset', () => {
    const at = (opset: number, axis?: number) => {
      const b = new OnnxBuilder('g');
      b.input('x', ['N', 3, 4, 5]);
      b.node('Softmax', ['x'], ['y'], axis === undefined ? {} : { axis });
      b.output('y');
      return compilePlan(b.build({ opset }), [2, 3, 4, 5]).steps[0];
    };
    expect(at(11)).toMatchObject({ outer: 2, axis: 60, inner: 1 });
    expect(at(11, 2)).toMatchObject({ outer: 6, axis: 20, inner: 1 });
    expect(at(13)).toMatchObject({ outer: 24, axis: 5, inner: 1 });
    expect(at(13, 1)).toMatchObject({ outer: 2, axis: 3, inner: 20 });
    expect(at(13, -3)).toMatchObject({ outer: 2, axis: 3, inner: 20 });
  });

  it('computes 1-D MatMul operands the numpy way', async () => {
    for (const [wDims, inShape] of [
      [[5], [3, 5]],
      [[2, 5, 4], [5]],
    ] as const) {
      const b = new OnnxBuilder('g');
      b.input('x', inShape.map(() => null));
      b.initializer('w', [...wDims], normal(wDims.reduce((p, q) => p * q, 1), 3));
      b.node('MatMul', ['x', 'w'], ['y']);
      b.output('y');
      const model = b.build();
      const input = normal(inShape.reduce((p, q) => p * q, 1), 4);
      const expected = await runOnnxruntime(model, { x: { data: input, dims: [...inShape] } });
      const actual = await runPlanWith(model, input, [...inShape], createReferenceKernels());
      expect(actual.dims).toEqual(expected.dims);
      expectClose(actual.data, expected.data);
    }
  });
});
