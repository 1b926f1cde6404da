// Runs an execution plan on one backend's op kernels: uploads the constants once, then for each
// batch uploads the input, runs the steps in order, reads back the captured tensors and frees
// every intermediate after its last use. Reshape-like steps alias their input (same buffer).
// A caller that reduces captures where they live (e.g. on the GPU) passes `onCapture` instead of
// reading them back.
import type { OpKernels } from './kernels.js';
import type { ExecutionPlan } from './plan.js';

export interface RunOptions<T> {
  /**
   * Called for each captured tensor, in the order of `capture`, after every step has been
   * encoded and before any handle is freed: the handle is valid until the returned promise
   * settles. With it, run() reads nothing back (it resolves to an empty array).
   */
  onCapture?(id: number, handle: T, index: number): void | Promise<void>;
}

export class PlanRunner<T> {
  private readonly constants = new Map<number, T>();
  /** For each tensor id, the index of the last step that reads it (-1: never read). */
  private readonly lastUse: Int32Array;

  constructor(
    readonly plan: ExecutionPlan,
    readonly kernels: OpKernels<T>,
  ) {
    for (const t of plan.tensors) if (t.constant) this.constants.set(t.id, kernels.upload(t.constant, t.shape));
    this.lastUse = new Int32Array(plan.tensors.length).fill(-1);
    plan.steps.forEach((step, i) => {
      for (const id of step.inputs) this.lastUse[id] = i;
    });
  }

  /**
   * Runs one batch (`input` holds plan.tensors[plan.input].shape values) and returns the tensors
   * named by `capture` (ids), read back to the host, in the order asked; or, with
   * `options.onCapture`, hands each captured handle to it and returns [].
   */
  async run(input: Float32Array, capture: number[], options: RunOptions<T> = {}): Promise<Float32Array[]> {
    const { plan, kernels } = this;
    const inputShape = plan.tensors[plan.input].shape;
    const expected = inputShape.reduce((a, b) => a * b, 1);
    if (input.length !== expected) {
      throw new Error(`input has ${input.length} values, the plan expects ${expected} (shape ${JSON.stringify(inputShape)})`);
    }
    const keep = new Set(capture);
    const constantHandles = new Set(this.constants.values());
    const live = new Map<number, T>();
    // Handles shared by aliases (reshape) are freed when the last alias dies.
    const refs = new Map<T, number>();
    const hold = (id: number, t: T) => {
      live.set(id, t);
      refs.set(t, (refs.get(t) ?? 0) + 1);
    };
    const drop = (id: number) => {
      const t = live.get(id);
      if (t === undefined) return;
      live.delete(id);
      const left = refs.get(t)! - 1;
      if (left === 0) {
        refs.delete(t);
        // A reshape of a constant aliases the constant's buffer, which lives as long as the runner.
        if (!constantHandles.has(t)) kernels.free(t);
      } else refs.set(t, left);
    };
    const handle = (id: number): T => {
      const t = this.constants.get(id) ?? live.get(id);
      if (t === undefined) throw new Error(`plan reads tensor ${plan.tensors[id].name} before it is written`);
      return t;
    };
    try {
      hold(plan.input, kernels.upload(input, inputShape));
      plan.steps.forEach((step, i) => {
        const inputs = step.inputs.map(handle);
        if (step.kind === 'reshape') {
          hold(step.output, inputs[0]);
        } else {
          const out = kernels.alloc(plan.tensors[step.output].shape);
          hold(step.output, out);
          try {
            kernels.run(step, plan, inputs, out);
          } catch (e) {
            throw new Error(`${step.opType} node ${step.node}: ${(e as Error).message}`, { cause: e });
          }
        }
        for (const id of new Set(step.inputs)) if (this.lastUse[id] === i && !keep.has(id) && !this.constants.has(id)) drop(id);
        if (this.lastUse[step.output] === -1 && !keep.has(step.output)) drop(step.output);
      });
      if (this.lastUse[plan.input] === -1 && !keep.has(plan.input)) drop(plan.input);
      const { onCapture } = options;
      if (onCapture) {
        // One at a time: the callback may encode work that must follow the previous capture's.
        for (const [index, id] of capture.entries()) await onCapture(id, handle(id), index);
        return [];
      }
      return await Promise.all(capture.map((id) => kernels.read(handle(id))));
    } finally {
      for (const id of [...live.keys()]) drop(id);
    }
  }

  /** Frees the uploaded constants (the kernels themselves belong to the caller). */
  dispose(): void {
    for (const t of this.constants.values()) this.kernels.free(t);
    this.constants.clear();
  }
}
