// The moment kernel's pool of worker threads (./wasm.ts), each computing moment slices with its
// own WASM instance, the same way in Node (node:worker_threads, reached by a dynamic import only),
// Deno and browsers (the global module `Worker`, started from a Blob URL): see
// src/platform/workers.ts. Where neither exists, createMomentWorkerPool resolves to undefined and
// the caller stays on one thread.
//
// Each worker runs an inline script: the source text of a self-contained compute function (handed
// in by the kernel, so this file knows nothing of its memory layout) wrapped in a message loop. The
// compiled WebAssembly.Module is posted once; slices travel as transferred buffers, and come back
// with the result so that the caller can reuse them (`buffer()`), so no batch allocates afresh.
// Idle Node workers are unref'd, so a pool that was never closed does not keep the process alive;
// close() terminates them.
import { inlineWorkerPrelude, startWorkers, type WorkerPlatform } from '../../platform/workers.js';
import { wasmImports } from '../wasm-module.js';
import type { BatchMoments } from './contract.js';

export interface MomentWorkerPool {
  readonly size: number;
  /**
   * The moments of one slice (d units x n samples, unit-major, `slice.length === d * n`) computed
   * on the next idle worker. The slice's buffer is transferred (detached here) and recycled.
   */
  run(slice: Float32Array, d: number, n: number): Promise<BatchMoments>;
  /** An ArrayBuffer of at least `byteLength` bytes: a recycled one, or a new one. */
  buffer(byteLength: number): ArrayBuffer;
  /** Hands a buffer (e.g. the m2 of a result already merged) back for reuse by later runs. */
  recycle(buffer: ArrayBuffer): void;
  /** Terminates every worker; pending runs are rejected. Idempotent. */
  close(): Promise<void>;
}

/**
 * Source of a function `(exports, data, rowLength, d, s0, s1, m2Buffer?) => BatchMoments` that
 * references nothing outside itself (it is evaluated inside the worker); m2Buffer, when given, is a
 * recycled buffer the function may fill with the result's m2.
 */
export type ComputeSource = string;

interface Task {
  slice: Float32Array;
  d: number;
  n: number;
  resolve(m: BatchMoments): void;
  reject(e: unknown): void;
}

interface Reply {
  id: number;
  error?: string;
  n?: number;
  d?: number;
  mean?: Float64Array;
  m2?: Float64Array;
  data?: Float32Array;
}

function workerScript(platform: WorkerPlatform, computeSource: ComputeSource): string {
  return `${inlineWorkerPrelude(platform)}
const compute = (${computeSource});
const wasmImports = (${wasmImports.toString()});
let ready;
listen((msg) => {
  if (msg.type === 'init') {
    ready = WebAssembly.instantiate(msg.module, wasmImports());
    return;
  }
  ready
    .then((instance) => {
      const m = compute(instance.exports, msg.data, msg.n, msg.d, 0, msg.n, msg.out);
      reply({ id: msg.id, n: m.n, d: m.d, mean: m.mean, m2: m.m2, data: msg.data }, [m.mean.buffer, m.m2.buffer, msg.data.buffer]);
    })
    .catch((e) => reply({ id: msg.id, error: String((e && e.stack) || e), data: msg.data }, [msg.data.buffer]));
});
`;
}

/**
 * Starts `size` workers that compute moment slices with `computeSource` on instances of
 * `module`, or resolves to undefined where the platform has no workers.
 */
export async function createMomentWorkerPool(
  size: number,
  module: WebAssembly.Module,
  computeSource: ComputeSource,
): Promise<MomentWorkerPool | undefined> {
  const busy: (({ id: number } & Task) | undefined)[] = [];
  const queue: Task[] = [];
  const spare: ArrayBuffer[] = [];
  let nextId = 1;
  let closed = false;
  let failure: Error | undefined;

  const failWith = (index: number, error: Error) => {
    if (closed) return;
    failure ??= error;
    const task = busy[index];
    busy[index] = undefined;
    task?.reject(failure);
    for (const t of queue.splice(0)) t.reject(failure);
  };
  const workers = await startWorkers<Reply>({
    count: size,
    source: { script: (platform) => workerScript(platform, computeSource) },
    unref: true,
    onMessage: (index, r) => {
      const task = busy[index];
      if (!task || task.id !== r.id) return;
      busy[index] = undefined;
      if (r.data) keepSpare(r.data.buffer as ArrayBuffer);
      if (r.error !== undefined) task.reject(new Error(`moment worker: ${r.error}`));
      else task.resolve({ n: r.n!, d: r.d!, mean: r.mean!, m2: r.m2! });
      dispatch();
    },
    onError: (index, error) => failWith(index, new Error(`moment worker failed: ${error.message}`, { cause: error })),
    onExit: (index, code) => failWith(index, new Error(`moment worker exited with code ${code}`)),
  });
  if (!workers) return undefined;
  for (const w of workers) w.post({ type: 'init', module }, []);

  function keepSpare(b: ArrayBuffer): void {
    if (closed || b.byteLength === 0) return;
    spare.push(b);
    // Keep the most recent few; older ones are left to the garbage collector.
    if (spare.length > 4 * size) spare.shift();
  }

  /**
   * The smallest spare of at least `byteLength` bytes (and not much larger), or of exactly that
   * size when `exact` (result matrices are handed to the caller, so they get a buffer of their own
   * size). Else a new buffer when `create`.
   */
  function takeSpare(byteLength: number, exact: boolean, create: true): ArrayBuffer;
  function takeSpare(byteLength: number, exact: boolean, create: false): ArrayBuffer | undefined;
  function takeSpare(byteLength: number, exact: boolean, create: boolean): ArrayBuffer | undefined {
    let best = -1;
    for (let i = 0; i < spare.length; i++) {
      const b = spare[i].byteLength;
      const fits = exact ? b === byteLength : b >= byteLength && b <= 2 * byteLength + 65536;
      if (fits && (best < 0 || b < spare[best].byteLength)) best = i;
    }
    if (best >= 0) return spare.splice(best, 1)[0];
    return create ? new ArrayBuffer(byteLength) : undefined;
  }

  function dispatch(): void {
    for (let i = 0; i < workers!.length && queue.length > 0; i++) {
      if (busy[i]) continue;
      const task = queue.shift()!;
      const id = nextId++;
      busy[i] = { id, ...task };
      workers![i].ref();
      // A recycled buffer for the result's m2 travels with the slice, when one is at hand.
      const out = takeSpare(task.d * task.d * 8, true, false);
      const transfer = [task.slice.buffer as ArrayBuffer];
      if (out) transfer.push(out);
      workers![i].post({ type: 'run', id, data: task.slice, d: task.d, n: task.n, out }, transfer);
    }
    for (let i = 0; i < workers!.length; i++) if (!busy[i]) workers![i].unref();
  }

  return {
    size,
    run(slice, d, n) {
      if (closed) return Promise.reject(new Error('the moment worker pool is closed'));
      if (failure) return Promise.reject(failure);
      if (slice.length !== d * n) return Promise.reject(new Error(`slice has ${slice.length} values, expected ${d} x ${n}`));
      return new Promise<BatchMoments>((resolve, reject) => {
        queue.push({ slice, d, n, resolve, reject });
        dispatch();
      });
    },
    buffer(byteLength) {
      return takeSpare(byteLength, false, true);
    },
    recycle(buffer) {
      keepSpare(buffer);
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new Error('the moment worker pool was closed');
      for (const t of queue.splice(0)) t.reject(error);
      for (let i = 0; i < workers.length; i++) {
        busy[i]?.reject(error);
        busy[i] = undefined;
      }
      spare.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
