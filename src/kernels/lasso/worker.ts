// The worker side of the parallel LASSO path (./parallel.ts): one WASM instance per thread (of the
// module the pool posts), solving one slice of targets at a time with lassoPathOn, the same code
// as on the main thread, so the coefficients are the same bit for bit. The Gram matrix and G^-1
// arrive in SharedArrayBuffers (read, never written, and not copied per slice).
//
// Messages in:  { type: 'init', module }, then { type: 'run', id, problem, alphas, options }.
// Messages out: { type: 'ready' } | { type: 'result', id, result } | { type: 'error', id?, message }.
import { serveRequests } from '../../platform/worker-port.js';
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

// The run's arrays are transferred back, not copied.
await serveRequests<LassoInitMessage, LassoRunMessage, WasmInstance, LassoWorkerReply>(
  (msg) => WasmInstance.create(msg.module),
  async (instance, msg) => {
    const result = lassoPathOn(instance, msg.problem, msg.alphas, msg.options);
    return [{ type: 'result', id: msg.id, result }, [...result.coef, ...result.residual, ...result.gap, ...result.iterations, ...result.newtonSteps].map((a) => a.buffer as ArrayBuffer)];
  },
);
