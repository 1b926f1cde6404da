// The worker side of the parallel LASSO path (./parallel.ts): one WASM instance per thread (of the
// module the pool posts), solving one slice of targets at a time with lassoPathOn, the same code
// as on the main thread, so the coefficients are the same bit for bit. The Gram matrix and G^-1
// arrive in SharedArrayBuffers (read, never written, and not copied per slice).
//
// Messages in:  { type: 'init', module }, then { type: 'run', id, problem, alphas, options }.
// Messages out: { type: 'ready' } | { type: 'result', id, result } | { type: 'error', id?, message }.
import { serveAsWorker } from '../../platform/worker-port.js';
import { WasmInstance } from '../wasm-module.js';
import type { LassoOptions, LassoPathResult, LassoProblem } from './contract.js';
import { lassoPathOn } from './wasm.js';

export interface LassoInitMessage {
  type: 'init';
  module: WebAssembly.Module;
}
export interface LassoRunMessage {
  type: 'run';
  id: number;
  problem: LassoProblem;
  alphas: number[];
  options: LassoOptions;
}
export type LassoWorkerReply = { type: 'ready' } | { type: 'result'; id: number; result: LassoPathResult } | { type: 'error'; id?: number; message: string };

type Post = (message: LassoWorkerReply, transfer: Transferable[]) => void;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function serve(listen: (handler: (message: LassoInitMessage | LassoRunMessage) => void) => void, post: Post): void {
  let instance: Promise<WasmInstance> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  listen((msg) => {
    if (msg.type === 'init') {
      instance = WasmInstance.create(msg.module);
      instance.then(
        () => post({ type: 'ready' }, []),
        (e) => post({ type: 'error', message: describe(e) }, []),
      );
      return;
    }
    const ready = instance;
    queue = queue.then(async () => {
      try {
        if (!ready) throw new Error('run before init');
        const result = lassoPathOn(await ready, msg.problem, msg.alphas, msg.options);
        const buffers = [...result.coef, ...result.residual, ...result.gap, ...result.iterations, ...result.newtonSteps].map((a) => a.buffer as ArrayBuffer);
        post({ type: 'result', id: msg.id, result }, buffers);
      } catch (e) {
        post({ type: 'error', id: msg.id, message: describe(e) }, []);
      }
    });
  });
}

// Node only (./parallel.ts starts no workers elsewhere).
await serveAsWorker(serve);
