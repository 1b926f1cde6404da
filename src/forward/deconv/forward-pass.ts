// The forward pass a deconvnet view needs: one image through the net (a plan for batch 1), keeping
// the tensors the views start from and every max pooling's input (for its switches), on any
// backend's op kernels (the reference in tests, WASM for the report's views).
import type { OnnxModel } from '../../inputs/onnx/model.js';
import { compilePlan } from '../compile.js';
import { tensorIdOf } from '../engine.js';
import { PlanRunner } from '../executor.js';
import type { OpKernels } from '../kernels.js';
import type { ExecutionPlan } from '../plan.js';
import { forwardTensorsNeeded } from './view.js';

export interface ViewForward {
  plan: ExecutionPlan;
  /** Plan tensor id of each target tensor name. */
  targets: Map<string, number>;
  /** The image's forward tensors the views read (targets and max-pool inputs), by plan id. */
  run(image: Float32Array): Promise<Map<number, Float32Array>>;
  dispose(): void;
}

/** A batch-1 plan of `model` for items of `itemShape` that keeps `targets` (ONNX value names). */
export function viewForward<T>(net: string, model: OnnxModel, itemShape: readonly number[], targets: string[], kernels: OpKernels<T>): ViewForward {
  const plan = compilePlan(model, [1, ...itemShape], { captures: targets });
  const ids = new Map(targets.map((name) => [name, tensorIdOf(plan, name, net)]));
  const keep = [...new Set([...ids.values(), ...forwardTensorsNeeded(plan)])];
  const runner = new PlanRunner(plan, kernels);
  return {
    plan,
    targets: ids,
    async run(image) {
      const values = await runner.run(image, keep);
      return new Map(keep.map((id, k) => [id, values[k]]));
    },
    dispose: () => runner.dispose(),
  };
}
