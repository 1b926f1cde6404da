// The plan's shapes of a step's tensors, for the op families of every backend (WASM, WebGPU):
// a kernel call carries its step and the plan, and the shapes live in the plan.
import type { ExecutionPlan } from './plan.js';

/** What a kernel call needs for shape look-ups: its step's tensor ids and the plan. */
export interface StepShapesCall {
  step: { readonly inputs: readonly number[]; readonly output: number };
  plan: ExecutionPlan;
}

/** The plan's shape of the step's i-th input. */
export function inputShape(call: StepShapesCall, i: number): number[] {
  return call.plan.tensors[call.step.inputs[i]].shape;
}

/** The plan's shape of the step's output. */
export function outputShape(call: StepShapesCall): number[] {
  return call.plan.tensors[call.step.output].shape;
}
