// The deconvnet view (Zeiler & Fergus 2014, "Visualizing and understanding convolutional
// networks") of one unit on one image: the unit's activation alone, at one position, projected
// back to pixels through the net. The walk goes over the plan's steps in reverse, from the
// captured tensor to the input, carrying a float64 signal per tensor:
//   conv        the transposed convolution with the net's own weights (grouped as the conv; no bias)
//   gemm/matmul the transposed weight (fc layers)
//   maxpool     unpooling through the switches recorded in this image's forward pass
//   relu        ReLU applied to the backward signal (not gated by the forward pass: a deconvnet,
//               not a gradient)
//   lrn         the identity (as Zeiler-Fergus deconvnets pass it)
//   the rest    their adjoint (cheap-steps.ts), or a refusal naming the node
// The heavy steps go through a DeconvOps (reference-ops.ts or wasm-ops.ts).
import { sizeOf } from '../reference/tensor.js';
import type { ExecutionPlan, PoolStep, Step } from '../plan.js';
import { avgUnpool, binaryInputSignal, channelScale, concatSlice, cropPad, globalAvgUnpool } from './cheap-steps.js';
import type { DeconvOps } from './ops.js';
import { maxPoolSwitches } from './switches.js';

/** Where the view starts: tensor `tensor` (1, C, H, W) or (1, D) of the plan, unit `unit`, position (y, x) (0, 0 for dense). */
export interface DeconvTarget {
  tensor: number;
  unit: number;
  y: number;
  x: number;
}

export interface DeconvView {
  /** (C, H, W) of the plan's input, float64. */
  image: Float64Array;
  /** The unit's activation in this image's forward pass (the signal the view starts from). */
  activation: number;
}

/** The tensors the walk reads from the forward pass: every max pooling's input (for its switches). */
export function forwardTensorsNeeded(plan: ExecutionPlan): number[] {
  return [...new Set(plan.steps.filter((s) => s.kind === 'maxpool').map((s) => s.inputs[0]))];
}

/** Thrown for a step the deconvnet has no rule for: names the node. */
function refuse(step: Step, why: string): never {
  throw new Error(`no deconvnet view through ${step.opType} node "${step.node}": ${why}`);
}

/**
 * The view of `target` on the image whose forward pass gave `forward` (plan tensor id -> values
 * of batch item 0; it holds the target and every tensor of forwardTensorsNeeded). The plan is
 * compiled for batch 1.
 */
export function deconvView(plan: ExecutionPlan, forward: ReadonlyMap<number, Float32Array>, target: DeconvTarget, ops: DeconvOps): DeconvView {
  if (plan.batch !== 1) throw new Error(`deconv view: the plan is compiled for batch ${plan.batch}, not 1`);
  const shape = (id: number) => plan.tensors[id].shape;
  const targetShape = shape(target.tensor);
  const [units, height, width] = targetShape.length === 4 ? targetShape.slice(1) : [targetShape[1], 1, 1];
  if (!(target.unit >= 0 && target.unit < units && target.y >= 0 && target.y < height && target.x >= 0 && target.x < width)) {
    throw new Error(`deconv view of ${plan.tensors[target.tensor].name}: unit ${target.unit} at (${target.y}, ${target.x}) is outside its ${units} units of ${height} x ${width}`);
  }
  const values = forward.get(target.tensor);
  if (!values) throw new Error(`deconv view: the forward pass did not keep ${plan.tensors[target.tensor].name}`);
  const at = (target.unit * height + target.y) * width + target.x;
  const activation = values[at];
  const signals = new Map<number, Float64Array>();
  const start = new Float64Array(sizeOf(targetShape));
  start[at] = activation;
  signals.set(target.tensor, start);
  const add = (id: number, s: Float64Array) => {
    if (plan.tensors[id].constant) return; // weights take no signal
    const held = signals.get(id);
    if (!held) signals.set(id, s);
    else for (let i = 0; i < s.length; i++) held[i] += s[i];
  };
  const last = plan.steps.findIndex((s) => s.output === target.tensor);
  if (last < 0 && target.tensor !== plan.input) throw new Error(`deconv view: no step of the plan writes ${plan.tensors[target.tensor].name}`);
  for (let i = last; i >= 0; i--) {
    const step = plan.steps[i];
    const s = signals.get(step.output);
    if (!s) continue; // not on the target's path
    signals.delete(step.output);
    backStep(plan, step, s, forward, ops, add);
  }
  const image = signals.get(plan.input) ?? new Float64Array(sizeOf(shape(plan.input)));
  return { image, activation };
}

/** Switches per forward tensor and pooling step: every view of one image shares them. */
const switchCache = new WeakMap<Float32Array, Map<Step, Int32Array>>();

function switchesOf(step: Step & PoolStep, input: Float32Array, inShape: readonly number[], outShape: readonly number[]): Int32Array {
  let byStep = switchCache.get(input);
  if (!byStep) switchCache.set(input, (byStep = new Map()));
  let switches = byStep.get(step);
  if (!switches) byStep.set(step, (switches = maxPoolSwitches(step, input, inShape, outShape)));
  return switches;
}

/** Hands the signal of `step`'s output to its data inputs (through `add`). */
function backStep(plan: ExecutionPlan, step: Step, s: Float64Array, forward: ReadonlyMap<number, Float32Array>, ops: DeconvOps, add: (id: number, s: Float64Array) => void): void {
  const shape = (id: number) => plan.tensors[id].shape;
  const constant = (id: number) => plan.tensors[id].constant;
  const x = step.inputs[0];
  switch (step.kind) {
    case 'reshape':
    case 'lrn':
      return add(x, s);
    case 'unary':
      if (step.fn !== 'relu') refuse(step, `${step.fn} has no deconvnet rule (only ReLU)`);
      return add(x, ops.relu(s));
    case 'conv': {
      const w = constant(step.inputs[1]);
      if (!w) refuse(step, 'its weights are not a constant of the model');
      return add(x, ops.convTranspose({ step, weightId: step.inputs[1], weights: w, inShape: shape(x), outShape: shape(step.output) }, s));
    }
    case 'gemm':
    case 'matmul': {
      const [a, b] = step.inputs;
      const w = constant(b);
      const aShape = shape(a);
      if (!w || constant(a) || aShape.length !== 2 || shape(b).length !== 2) refuse(step, 'only a dense layer (data times a constant 2-D weight) has a deconvnet rule');
      const transA = step.kind === 'gemm' && step.transA;
      const K = transA ? aShape[0] : aShape[1];
      const transB = step.kind === 'gemm' && step.transB;
      const M = transB ? shape(b)[0] : shape(b)[1];
      const alpha = step.kind === 'gemm' ? step.alpha : 1;
      return add(a, ops.denseTranspose({ weightId: b, weights: w, transB, alpha, K, M }, s));
    }
    case 'maxpool': {
      const input = forward.get(x);
      if (!input) throw new Error(`deconv view: the forward pass did not keep ${plan.tensors[x].name}, the input of MaxPool node "${step.node}"`);
      return add(x, ops.unpool(s, switchesOf(step, input, shape(x), shape(step.output)), sizeOf(shape(x))));
    }
    case 'avgpool':
      return add(x, avgUnpool(step, s, shape(x), shape(step.output)));
    case 'globalavgpool':
      return add(x, globalAvgUnpool(s, shape(x)));
    case 'channelaffine':
      return add(x, channelScale(s, constant(step.inputs[1]) ?? refuse(step, 'its scale is not a constant'), shape(x)));
    case 'binary': {
      const [a, b] = step.inputs;
      const other = (k: number) => {
        if (step.fn === 'add') return undefined;
        const id = step.inputs[1 - k];
        const data = constant(id);
        if (!data) refuse(step, 'a product of two signals has no deconvnet rule');
        return { data, shape: shape(id) };
      };
      if (!constant(a)) add(a, binaryInputSignal(step, s, shape(step.output), shape(a), other(0)));
      if (!constant(b)) add(b, binaryInputSignal(step, s, shape(step.output), shape(b), other(1)));
      return;
    }
    case 'concat': {
      const shapes = step.inputs.map(shape);
      step.inputs.forEach((id, k) => add(id, concatSlice(step, s, shapes, k)));
      return;
    }
    case 'pad':
      if (step.mode !== 'constant') refuse(step, `${step.mode} padding has no deconvnet rule (only constant padding)`);
      return add(x, cropPad(step, s, shape(x), shape(step.output)));
    default:
      refuse(step, `${step.kind} has no deconvnet rule`);
  }
}
