// The worker side of the parallel WASM forward engine (src/forward/wasm/parallel.ts). One per
// thread: its own WASM instance (of the module the engine posts), its own kernels, and for every
// slice size it is given, the compiled plans of all nets (weights shared between sizes). Runs
// one slice at a time and posts the captures back as transferred buffers.
//
// Messages in:  { type: 'init', module, nets, itemShape } then { type: 'run', id, input, n }.
// Messages out: { type: 'ready' } | { type: 'result', id, outputs } | { type: 'error', id?, message }.
// Runs in Node worker_threads (parentPort, reached by a dynamic import of a variable specifier)
// and as a module Worker in Deno and browsers (self).
import { serveRequests } from '../../platform/worker-port.js';
import { WasmInstance } from '../../kernels/wasm-module.js';
import { compilePlan } from '../compile.js';
import { tensorIdOf, type ForwardNet } from '../engine.js';
import { PlanRunner } from '../executor.js';
import { wasmKernelsOn, type WasmTensor } from './kernels.js';
import { shareConstants, type SharedConstantKernels } from './shared-constants.js';

export interface InitMessage {
  type: 'init';
  module: WebAssembly.Module;
  nets: ForwardNet[];
  itemShape: number[];
}
export interface RunMessage {
  type: 'run';
  id: number;
  input: Float32Array;
  n: number;
}
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; outputs: Float32Array[][] }
  | { type: 'error'; id?: number; message: string };

/** Plans kept per worker: slice sizes seen most recently (a probe has one or two, plus its last batch). */
const MAX_SIZES = 4;

interface Compiled {
  runner: PlanRunner<WasmTensor>;
  capture: number[];
}

class ForwardWorker {
  private readonly sizes = new Map<number, Compiled[]>();

  constructor(
    private readonly kernels: SharedConstantKernels<WasmTensor>,
    private readonly nets: ForwardNet[],
    private readonly itemShape: number[],
  ) {}

  private plansFor(n: number): Compiled[] {
    let list = this.sizes.get(n);
    if (list) {
      // Most recently used last.
      this.sizes.delete(n);
      this.sizes.set(n, list);
      return list;
    }
    list = this.nets.map((net) => {
      let plan;
      try {
        // Only what the captures need, as the in-process engine (src/forward/engine.ts).
        plan = compilePlan(net.model, [n, ...this.itemShape], { captures: net.captures, capturesOnly: true });
      } catch (e) {
        throw new Error(`net ${net.name}: ${(e as Error).message}`, { cause: e });
      }
      this.kernels.register(plan);
      return { runner: new PlanRunner(plan, this.kernels), capture: net.captures.map((c) => tensorIdOf(plan, c, net.name)) };
    });
    this.sizes.set(n, list);
    while (this.sizes.size > MAX_SIZES) {
      const [oldest, plans] = this.sizes.entries().next().value!;
      for (const p of plans) p.runner.dispose();
      this.sizes.delete(oldest);
    }
    return list;
  }

  async run(input: Float32Array, n: number): Promise<Float32Array[][]> {
    const out: Float32Array[][] = [];
    const plans = this.plansFor(n);
    for (let i = 0; i < plans.length; i++) {
      try {
        out.push(await plans[i].runner.run(input, plans[i].capture));
      } catch (e) {
        throw new Error(`net ${this.nets[i].name}: ${(e as Error).message}`, { cause: e });
      }
    }
    return out;
  }
}

/** An error with its stack, so the engine's message says where in the worker it broke. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.stack ?? e.message;
}

// Init first (the worker's instance, kernels and nets), then runs one after another, the captures
// transferred back.
void serveRequests<InitMessage, RunMessage, ForwardWorker, WorkerReply>(
  async (msg) => new ForwardWorker(shareConstants(wasmKernelsOn(await WasmInstance.create(msg.module))), msg.nets, msg.itemShape),
  async (worker, msg) => {
    const outputs = await worker.run(msg.input, msg.n);
    return [{ type: 'result', id: msg.id, outputs }, outputs.flat().map((a) => a.buffer as ArrayBuffer)];
  },
  describe,
);
