// A forward engine runs one batch of items through every net and hands back the tensors the
// probe captures. One engine per backend: the reference and WebGPU engines run in-process over
// PlanRunner; the WASM engine spreads a batch over worker threads (src/forward/wasm/parallel.ts).
import type { OnnxModel } from '../inputs/onnx/model.js';
import { compilePlan } from './compile.js';
import { PlanRunner } from './executor.js';
import type { OpKernels } from './kernels.js';

export interface ForwardNet {
  name: string;
  model: OnnxModel;
  /** ONNX value names to capture. */
  captures: string[];
}

export interface ForwardEngine {
  readonly name: string;
  /**
   * Runs n items (input holds n x itemShape values) through every net. Returns, per net and per
   * capture, the captured tensor of the n items (batch first) as float32.
   */
  forward(input: Float32Array, n: number): Promise<Float32Array[][]>;
  dispose(): Promise<void>;
}

/** Finds a tensor of a compiled plan by its ONNX name. */
export function tensorIdOf(plan: { tensors: { id: number; name: string }[] }, name: string, net: string): number {
  const t = plan.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`net ${net}: the compiled plan has no tensor "${name}"`);
  return t.id;
}

/**
 * An engine over one set of op kernels in this thread: plans are compiled per batch size (the
 * last batch is usually smaller) and kept, so weights are uploaded once per size.
 */
export function createInProcessEngine<T>(
  name: string,
  nets: ForwardNet[],
  itemShape: number[],
  kernels: OpKernels<T>,
): ForwardEngine {
  const runners = new Map<number, { runner: PlanRunner<T>; capture: number[] }[]>();
  const runnersFor = (n: number) => {
    let list = runners.get(n);
    if (!list) {
      list = nets.map((net) => {
        // Only what the captures need: nodes past the last capture (a conv probe's fc layers) are not run.
        const plan = compilePlan(net.model, [n, ...itemShape], { captures: net.captures, capturesOnly: true });
        return { runner: new PlanRunner(plan, kernels), capture: net.captures.map((c) => tensorIdOf(plan, c, net.name)) };
      });
      runners.set(n, list);
    }
    return list;
  };
  return {
    name,
    async forward(input, n) {
      const out: Float32Array[][] = [];
      for (const { runner, capture } of runnersFor(n)) out.push(await runner.run(input, capture));
      return out;
    },
    async dispose() {
      for (const list of runners.values()) for (const { runner } of list) runner.dispose();
      runners.clear();
      await kernels.dispose();
    },
  };
}
