// The forward pass of a training net as an ExecutionPlan for a batch of n samples, so that the
// WebGPU trainer runs it through the forward backend's kernels (src/forward/webgpu) instead of
// shaders of its own: Conv, Relu (unary), MaxPool and Gemm (transB, bias) steps, and a reshape
// where a fully connected layer follows an image layer (the same buffer seen as (n, features)).
import type { ExecutionPlan, PlanTensor, Step } from '../forward/plan.js';
import type { NetSpec } from './model.js';

export interface ForwardPlan {
  plan: ExecutionPlan;
  /** One step per layer, in order, each writing tensor `layerOutput[i]` (no reshape steps). */
  steps: Step[];
  /** Plan tensor of the data input. */
  input: number;
  /** Per layer: the plan tensor its step reads as x (a flattened view for fc after an image). */
  layerInput: number[];
  layerOutput: number[];
  /** Per parameter (spec.params order): its plan tensor. */
  params: number[];
}

/** The plan of `spec`'s forward pass for batches of n samples. */
export function forwardPlan(spec: NetSpec, n: number): ForwardPlan {
  const tensors: PlanTensor[] = [];
  const tensor = (name: string, shape: number[]) => {
    tensors.push({ id: tensors.length, name, shape });
    return tensors.length - 1;
  };
  const input = tensor('input', [n, ...spec.inputShape]);
  const params = spec.params.map((p) => tensor(p.name, p.shape));
  const paramId = (name: string) => params[spec.params.findIndex((p) => p.name === name)];
  const steps: Step[] = [];
  const layerInput: number[] = [];
  const layerOutput: number[] = [];
  let x = input;
  for (const l of spec.layers) {
    const y = tensor(l.name, [n, ...l.outShape]);
    const common = { output: y, node: l.name };
    if (l.kind === 'conv') {
      steps.push({
        ...common,
        opType: 'Conv',
        kind: 'conv',
        inputs: [x, paramId(l.weight.name), paramId(l.bias.name)],
        group: 1,
        kernel: [l.kernel, l.kernel],
        strides: [l.stride, l.stride],
        pads: [l.pad, l.pad, l.pad, l.pad],
        dilations: [1, 1],
      });
    } else if (l.kind === 'relu') {
      steps.push({ ...common, opType: 'Relu', kind: 'unary', inputs: [x], fn: 'relu', alpha: 0, min: -Infinity, max: Infinity });
    } else if (l.kind === 'maxpool') {
      steps.push({
        ...common,
        opType: 'MaxPool',
        kind: 'maxpool',
        inputs: [x],
        kernel: [l.kernel, l.kernel],
        strides: [l.stride, l.stride],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
        countIncludePad: false,
      });
    } else {
      if (l.inShape.length > 1) x = tensor(`${l.name}_flatten`, [n, l.inSize]);
      steps.push({ ...common, opType: 'Gemm', kind: 'gemm', inputs: [x, paramId(l.weight.name), paramId(l.bias.name)], alpha: 1, beta: 1, transA: false, transB: true });
    }
    layerInput.push(x);
    layerOutput.push(y);
    x = y;
  }
  const plan: ExecutionPlan = { tensors, input, outputs: [x], steps, batch: n };
  return { plan, steps, input, layerInput, layerOutput, params };
}
