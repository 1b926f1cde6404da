// Slices of LASSO targets on worker threads (./worker.ts), for sparse prediction at fc6 size
// (4,096 targets of seconds each: hours on one thread). Each target's path depends only on its own
// column of the problem, so any slicing gives the same coefficients, bit for bit, as one call.
//
// Node only: the workers run the compiled module next to this one (new URL('./worker.js',
// import.meta.url)); from TypeScript sources (vitest) the compiled tree's dist/src/kernels/lasso/
// worker.js (siblingWorkerUrl, src/platform/workers.ts). Elsewhere, or when the workers cannot start,
// createLassoPool resolves to undefined and the caller solves on its own thread.
import { wasmModule } from '../wasm-module.js';
import { isNode, siblingWorkerUrl } from '../../platform/workers.js';
import { startRequestWorkers } from '../../platform/request-workers.js';
import type { LassoOptions, LassoPathResult, LassoProblem } from './contract.js';
import type { LassoInitMessage, LassoRunMessage, LassoWorkerReply } from './worker.js';

function workerUrl(): Promise<URL> {
  return siblingWorkerUrl(import.meta.url, './worker.js', 'parallel LASSO');
}

export interface LassoPool {
  readonly size: number;
  /** The path of one slice of targets on the next idle worker. */
  solve(problem: LassoProblem, alphas: number[], options: LassoOptions): Promise<LassoPathResult>;
  close(): Promise<void>;
}

/** A Float64Array in a SharedArrayBuffer (posted to every worker without a copy). */
export function shared(a: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** `threads` workers, each with its own WASM instance, or undefined where none can start. */
export async function createLassoPool(threads: number): Promise<LassoPool | undefined> {
  if (!isNode() || threads < 2) return undefined;
  const pool = await startRequestWorkers<LassoInitMessage | LassoRunMessage, LassoWorkerReply>({
    count: threads,
    source: { url: workerUrl },
    label: (i) => `LASSO worker ${i}`,
    init: { type: 'init', module: await wasmModule() },
  });
  if (!pool) return undefined;
  // One slice per worker at a time: a solve waits for an idle worker.
  const idle = Array.from({ length: threads }, (_, i) => i);
  const waiting: ((worker: number) => void)[] = [];
  const release = (worker: number) => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  return {
    size: threads,
    async solve(problem, alphas, options) {
      const worker = idle.shift() ?? (await new Promise<number>((resolve) => waiting.push(resolve)));
      try {
        return (await pool.request(worker, (id) => ({ type: 'run', id, problem, alphas, options }), [])).result;
      } finally {
        release(worker);
      }
    },
    close: () => pool.close(),
  };
}
