// The multi-core WASM forward engine: a batch is cut into contiguous slices, one per worker
// thread; each worker (src/forward/wasm/worker.ts) runs its slice through every net on its own
// WASM instance and posts the captured tensors back (transferred); they are concatenated here in
// batch order. Every kernel computes an item the same way whatever the batch size, so results are
// bit-identical to the single-thread kernels on the whole batch.
//
// Workers (src/platform/workers.ts): Node's worker_threads, else the global module `Worker`
// (Deno, browsers). Where neither exists, or threads is 1, the engine runs in this thread.
//
// Which file the workers run. A worker needs JavaScript that imports the planner and the
// kernels, so unlike the moment pool (src/kernels/moments/worker-pool.ts) it cannot be an inline script
// built from one function's source. It is the compiled worker module next to this one:
// `new URL('./worker.js', import.meta.url)`, the pattern bundlers recognise and rewrite. When this
// module is TypeScript source (vitest runs src/ directly): Deno runs worker.ts as it is; Node 20
// cannot run TypeScript, so the worker is taken from the compiled tree, dist/src/forward/wasm/
// worker.js (`npm run build:ts`, which `npm test` runs first), with a clear error when it is missing.
import { fastestWasmVariant, wasmModule } from '../../kernels/wasm-module.js';
import { hardwareConcurrency, siblingWorkerUrl } from '../../platform/workers.js';
import { startRequestWorkers } from '../../platform/request-workers.js';
import { createInProcessEngine, type ForwardEngine, type ForwardNet } from '../engine.js';
import { createWasmKernels } from './kernels.js';
import type { InitMessage, RunMessage, WorkerReply } from './worker.js';

export interface ParallelWasmOptions {
  /** Worker threads (default: the logical core count). 1: no workers. */
  threads?: number;
}

/** The worker module's URL (see the file comment). */
function workerUrl(): Promise<URL> {
  return siblingWorkerUrl(import.meta.url, './worker.js', 'parallel WASM engine', { typescriptOutsideNode: true, hint: ' (or pass threads: 1)' });
}

/** Item counts of the slices of n items over `threads` workers: contiguous, sizes differing by at most 1. */
export function sliceSizes(n: number, threads: number): number[] {
  const used = Math.min(n, threads);
  const base = Math.floor(n / used);
  return Array.from({ length: used }, (_, i) => base + (i < n % used ? 1 : 0));
}

/**
 * A forward engine that spreads each batch over `threads` worker threads (default: all cores),
 * each with its own WASM instance and compiled plans. Falls back to this thread where there are
 * no workers or threads is 1.
 */
export async function createParallelWasmEngine(nets: ForwardNet[], itemShape: number[], options: ParallelWasmOptions = {}): Promise<ForwardEngine> {
  const threads = options.threads ?? (await hardwareConcurrency());
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`parallel WASM engine: threads must be a positive integer, got ${threads}`);
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  // The engine's name says when the GEMMs run relaxed SIMD (fused multiply-add).
  const simd = fastestWasmVariant() === 'relaxed' ? ', relaxed SIMD' : '';
  const inProcess = async (why: string) => createInProcessEngine(`wasm-simd x1 thread${simd}${why}`, nets, itemShape, await createWasmKernels());
  if (threads === 1) return inProcess('');

  // Every worker instantiates the module and holds every net's weights before the first batch.
  const pool = await startRequestWorkers<InitMessage | RunMessage, WorkerReply>({
    count: threads,
    source: { url: workerUrl },
    name: (i) => `convergent-forward-${i}`,
    label: (i) => `wasm forward worker ${i}`,
    // The build the in-process kernels use too (relaxed SIMD where it runs), so that every
    // thread computes exactly as one thread would.
    init: { type: 'init', module: await wasmModule(fastestWasmVariant()), nets, itemShape },
  });
  if (!pool) return inProcess(' (no worker threads on this platform)');
  let closed = false;

  const runSlice = async (worker: number, input: Float32Array, n: number) =>
    (await pool.request(worker, (id) => ({ type: 'run', id, input, n }), [input.buffer as ArrayBuffer])).outputs;

  return {
    name: `wasm-simd x${threads} threads${simd}`,
    async forward(input, n) {
      if (closed) throw new Error('parallel WASM engine: forward() after dispose()');
      if (!Number.isInteger(n) || n < 0) throw new Error(`parallel WASM engine: batch size ${n} is not a count`);
      if (input.length !== n * itemSize) {
        throw new Error(`parallel WASM engine: input has ${input.length} values, ${n} items of shape [${itemShape.join(', ')}] need ${n * itemSize}`);
      }
      if (n === 0) return nets.map((net) => net.captures.map(() => new Float32Array(0)));
      const sizes = sliceSizes(n, threads);
      let start = 0;
      const parts = await Promise.all(
        sizes.map((size, i) => {
          // A copy per slice: its buffer is transferred to the worker.
          const slice = input.slice(start * itemSize, (start + size) * itemSize);
          start += size;
          return runSlice(i, slice, size);
        }),
      );
      return nets.map((_, k) =>
        parts[0][k].map((_, c) => {
          const out = new Float32Array(parts.reduce((total, p) => total + p[k][c].length, 0));
          let at = 0;
          for (const p of parts) {
            out.set(p[k][c], at);
            at += p[k][c].length;
          }
          return out;
        }),
      );
    },
    async dispose() {
      if (closed) return;
      closed = true;
      await pool.close(new Error('parallel WASM engine was disposed'));
    },
  };
}
