// What every forward backend (reference, WASM, WebGPU) implements: one op at a time on opaque
// tensor handles. src/forward/executor.ts walks a plan over it, handling lifetimes and aliasing.
import type { ExecutionPlan, Shape, Step } from './plan.js';

export interface OpKernels<T> {
  /** e.g. 'reference', 'wasm-simd', 'webgpu on llvmpipe ...' */
  readonly name: string;
  /** A tensor holding `data` (constants once per plan, the input once per batch). */
  upload(data: Float32Array, shape: Shape): T;
  /** A tensor for a step's output (contents undefined until written). */
  alloc(shape: Shape): T;
  /**
   * Computes `step` (any kind but 'reshape', which the executor resolves by aliasing) reading
   * `inputs` (handles in the order of step.inputs) and writing `output`. The plan is passed for
   * shapes: `plan.tensors[id].shape`. May only enqueue work (WebGPU); results are visible to read().
   */
  run(step: Step, plan: ExecutionPlan, inputs: T[], output: T): void;
  /** Copies a tensor back to the host. */
  read(t: T): Promise<Float32Array>;
  /** Returns a tensor's memory to the backend's pool. */
  free(t: T): void;
  /** Releases everything (pools, pipelines). */
  dispose(): void | Promise<void>;
}
