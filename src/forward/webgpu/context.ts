// What the op families share: the device, its limits and tiles, the command recorder, the
// pipeline cache, scratch tensors and tensors derived once from constants (repacked weights).
import type { ExecutionPlan, Step, StepBody } from '../plan.js';
import type { CommandRecorder } from '../../gpu/commands.js';
import type { GpuTensor } from './tensor.js';
import type { ForwardTiles } from './tiles.js';

export interface OpContext {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly tiles: ForwardTiles;
  readonly commands: CommandRecorder;
  pipeline(kernel: string, shaderName: string, constants: Record<string, number>): GPUComputePipeline;
  /**
   * A tensor computed from `source` by `make` (which encodes the work writing it), cached under
   * `key` while `source` lives when `source` is a constant (uploaded, never written by a step);
   * otherwise made afresh. Call release() once the dispatches that read it are encoded.
   */
  derived(source: GpuTensor, key: string, shape: number[], make: (target: GpuTensor) => void): { tensor: GpuTensor; release(): void };
}

/** Arguments of one op: its step, the plan (for shapes), the input handles and the output. */
export interface OpCall<S extends StepBody = StepBody> {
  step: S & Omit<Step, keyof StepBody>;
  plan: ExecutionPlan;
  inputs: GpuTensor[];
  output: GpuTensor;
}

/** Label of a dispatch: kernel and ONNX node. */
export function labelOf(call: OpCall, kernel: string = call.step.kind): string {
  return `${kernel} ${call.step.node}`;
}
