// The moment kernel's pool of worker threads (./wasm.ts), each with its own WASM instance, the same
// way in Node (node:worker_threads, reached by a dynamic import only), Deno and browsers (the
// global module `Worker`, started from a Blob URL): see src/platform/workers.ts. Where neither
// exists, createMomentWorkerPool resolves to undefined and the caller stays on one thread.
//
// Work is shared by blocks of rows of the co-moment matrix: load() gives every worker the batch in
// turn (each centres it into its own memory, the same way), then rows() hands one block of rows
// to the next idle worker, which sends that block back for the caller to merge into its total. So
// no worker ever holds a d x d matrix, only the batch and one block. Or by slices of samples, when
// the caller names a worker: load(..., worker) gives that worker alone its slice and rows(...,
// worker) asks it for that slice's blocks, so that each worker centres only what it multiplies
// (./wasm.ts runs slices side by side this way where d x d blocks are small).
//
// Each worker runs an inline script: the source text of a self-contained engine factory (handed
// in by the kernel, so this file knows nothing of its memory layout) wrapped in a message loop. The
// compiled WebAssembly.Module is posted once; batches and blocks travel as transferred buffers and
// come back for reuse (`buffer()`, `recycle()`), so no batch allocates afresh. Idle Node workers
// are unref'd, so a pool that was never closed does not keep the process alive; close()
// terminates them.
import { inlineWorkerPrelude, startWorkers, type WorkerPlatform } from '../../platform/workers.js';
import { wasmImports } from '../wasm-module.js';

/** What loading a batch tells: per unit, the mean and the sum of squares of the centred values. */
export interface LoadedBatch {
  mean: Float64Array;
  sumsq: Float64Array;
}

/** A block of rows [i0, i1) of the loaded batch's co-moments: entry (i, j >= i) at (i - i0) stride + (j - i0). */
export interface RowBlock {
  block: Float64Array;
  stride: number;
}

export interface MomentWorkerPool {
  readonly size: number;
  /**
   * Gives every worker (or only `worker`, when given) samples [s0, s1) of `data` (d rows of
   * `rowLength`, unit-major) and resolves to what the first one found (all compute the same).
   * Rows of that batch may be asked for after.
   */
  load(data: Float32Array, rowLength: number, d: number, s0: number, s1: number, worker?: number): Promise<LoadedBatch>;
  /**
   * Rows [i0, i1) (i0 a multiple of 4) of the loaded batch, from the next idle worker (or from
   * `worker`, of the slice it alone loaded), in a block of `bytes` bytes (a recycled buffer of
   * that size travels with the task when there is one); recycle(block.buffer) once merged.
   */
  rows(i0: number, i1: number, bytes: number, worker?: number): Promise<RowBlock>;
  /** Hands a buffer (a merged block) back for reuse by later runs. */
  recycle(buffer: ArrayBuffer): void;
  /** Terminates every worker; pending runs are rejected. Idempotent. */
  close(): Promise<void>;
}

/**
 * Source of a function `(exports) => { load(data, rowLength, d, s0, s1): LoadedBatch; rows(i0, i1):
 * RowBlock }` that references nothing outside itself (it is evaluated inside the worker); rows()
 * may return a view of WASM memory.
 */
export type EngineSource = string;

type Message = { type: 'load'; data: Float32Array; d: number; n: number } | { type: 'rows'; i0: number; i1: number; out?: ArrayBuffer };

interface Task {
  /** The worker that must run it (loads), or undefined for any. */
  worker?: number;
  message: Message;
  transfer: ArrayBuffer[];
  /** Rows: bytes of the block, for a recycled buffer taken when the task is posted. */
  outBytes?: number;
  resolve(reply: Reply): void;
  reject(e: unknown): void;
}

interface Reply {
  id: number;
  error?: string;
  mean?: Float64Array;
  sumsq?: Float64Array;
  block?: Float64Array;
  stride?: number;
  data?: Float32Array;
}

function workerScript(platform: WorkerPlatform, engineSource: EngineSource): string {
  return `${inlineWorkerPrelude(platform)}
const makeEngine = (${engineSource});
const wasmImports = (${wasmImports.toString()});
let ready;
listen((msg) => {
  if (msg.type === 'init') {
    ready = WebAssembly.instantiate(msg.module, wasmImports()).then((instance) => makeEngine(instance.exports));
    return;
  }
  ready
    .then((engine) => {
      if (msg.type === 'load') {
        const m = engine.load(msg.data, msg.n, msg.d, 0, msg.n);
        reply({ id: msg.id, mean: m.mean, sumsq: m.sumsq, data: msg.data }, [m.mean.buffer, m.sumsq.buffer, msg.data.buffer]);
        return;
      }
      const r = engine.rows(msg.i0, msg.i1);
      const fits = msg.out && msg.out.byteLength >= r.block.byteLength;
      const block = fits ? new Float64Array(msg.out, 0, r.block.length) : new Float64Array(r.block.length);
      block.set(r.block);
      reply({ id: msg.id, block, stride: r.stride }, [block.buffer]);
    })
    .catch((e) => reply({ id: msg.id, error: String((e && e.stack) || e), data: msg.data }, msg.data ? [msg.data.buffer] : []));
});
`;
}

/**
 * Starts `size` workers that run `engineSource` on instances of `module`, or resolves to
 * undefined where the platform has no workers.
 */
export async function createMomentWorkerPool(size: number, module: WebAssembly.Module, engineSource: EngineSource): Promise<MomentWorkerPool | undefined> {
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
    source: { script: (platform) => workerScript(platform, engineSource) },
    unref: true,
    onMessage: (index, r) => {
      const task = busy[index];
      if (!task || task.id !== r.id) return;
      busy[index] = undefined;
      if (r.data) keepSpare(r.data.buffer as ArrayBuffer);
      if (r.error !== undefined) task.reject(new Error(`moment worker: ${r.error}`));
      else task.resolve(r);
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

  /** The smallest spare of at least `byteLength` bytes (and not much larger), else undefined. */
  function takeSpare(byteLength: number): ArrayBuffer | undefined {
    let best = -1;
    for (let i = 0; i < spare.length; i++) {
      const b = spare[i].byteLength;
      if (b >= byteLength && b <= 2 * byteLength + 65536 && (best < 0 || b < spare[best].byteLength)) best = i;
    }
    return best >= 0 ? spare.splice(best, 1)[0] : undefined;
  }

  function dispatch(): void {
    for (let i = 0; i < workers!.length && queue.length > 0; i++) {
      if (busy[i]) continue;
      const at = queue.findIndex((t) => t.worker === undefined || t.worker === i);
      if (at < 0) continue;
      const [task] = queue.splice(at, 1);
      const id = nextId++;
      busy[i] = { id, ...task };
      workers![i].ref();
      // A block's recycled buffer is taken now, not when the task was queued: the blocks merged
      // meanwhile come back for it, so only the blocks in flight exist, however many are queued.
      const out = task.outBytes !== undefined ? takeSpare(task.outBytes) : undefined;
      workers![i].post({ ...task.message, ...(out ? { out } : {}), id }, out ? [...task.transfer, out] : task.transfer);
    }
    for (let i = 0; i < workers!.length; i++) if (!busy[i]) workers![i].unref();
  }

  function submit(worker: number | undefined, message: Message, transfer: ArrayBuffer[], outBytes?: number): Promise<Reply> {
    if (closed) return Promise.reject(new Error('the moment worker pool is closed'));
    if (failure) return Promise.reject(failure);
    return new Promise<Reply>((resolve, reject) => {
      queue.push({ worker, message, transfer, outBytes, resolve, reject });
      dispatch();
    });
  }

  return {
    size,
    async load(data, rowLength, d, s0, s1, worker) {
      const n = s1 - s0;
      // The workers load one after another, each from the buffer the one before sent back (kept
      // as a spare): one copy of the batch in flight, not one per worker. Loading is d n work
      // against each worker's share of d^2 n. (Slices loaded on one worker each travel at once,
      // one copy per slice.)
      let first: Reply | undefined;
      const targets = worker === undefined ? workers.map((_, k) => k) : [worker];
      for (const k of targets) {
        const copy = new Float32Array(takeSpare(d * n * 4) ?? new ArrayBuffer(d * n * 4), 0, d * n);
        for (let u = 0; u < d; u++) copy.set(data.subarray(u * rowLength + s0, u * rowLength + s1), u * n);
        const reply = await submit(k, { type: 'load', data: copy, d, n }, [copy.buffer as ArrayBuffer]);
        first ??= reply;
      }
      return { mean: first!.mean!, sumsq: first!.sumsq! };
    },
    async rows(i0, i1, bytes, worker) {
      const r = await submit(worker, { type: 'rows', i0, i1 }, [], bytes);
      return { block: r.block!, stride: r.stride! };
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
