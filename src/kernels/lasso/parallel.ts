// Slices of LASSO targets on worker threads (./worker.ts), for sparse prediction at fc6 size
// (4,096 targets of seconds each: hours on one thread). Each target's path depends only on its own
// column of the problem, so any slicing gives the same coefficients, bit for bit, as one call.
//
// Node only: the workers run the compiled module next to this one (new URL('./worker.js',
// import.meta.url)); from TypeScript sources (vitest) the compiled tree's dist/src/kernels/lasso/
// worker.js, as src/forward/wasm/parallel.ts does. Elsewhere, or when the workers cannot start,
// createLassoPool resolves to undefined and the caller solves on its own thread.
import { wasmModule } from '../wasm-module.js';
import { isNode, startWorkers } from '../../platform/workers.js';
import type { LassoOptions, LassoPathResult, LassoProblem } from './contract.js';
import type { LassoInitMessage, LassoRunMessage, LassoWorkerReply } from './worker.js';

const NODE_FS = 'node:fs';

async function workerUrl(): Promise<URL> {
  const here = import.meta.url;
  if (!/\.ts$/.test(new URL(here).pathname)) return new URL('./worker.js', here);
  const compiled = new URL(here.replace(/\/src\/kernels\/lasso\/parallel\.ts$/, '/dist/src/kernels/lasso/worker.js'));
  const fs = (await import(NODE_FS)) as typeof import('node:fs');
  if (compiled.href === here || !fs.existsSync(compiled)) {
    throw new Error(`parallel LASSO: running from TypeScript sources and its compiled worker ${compiled.pathname} is missing: run \`npm run build:ts\``);
  }
  return compiled;
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
  const pending = new Map<number, { worker: number; resolve(r: LassoPathResult): void; reject(e: Error): void }>();
  const ready: { resolve(): void; reject(e: Error): void }[] = [];
  const idle: number[] = [];
  const waiting: ((worker: number) => void)[] = [];
  let failure: Error | undefined;
  let closed = false;
  let nextId = 1;
  const fail = (index: number) => (error: Error) => {
    if (closed) return;
    failure ??= new Error(`LASSO worker ${index}: ${error.message}`, { cause: error });
    ready[index]?.reject(failure);
    for (const [id, task] of pending) {
      pending.delete(id);
      task.reject(failure);
    }
  };
  const release = (worker: number) => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  const workers = await startWorkers<LassoWorkerReply, LassoInitMessage | LassoRunMessage>({
    count: threads,
    source: { url: workerUrl },
    onMessage: (index, reply) => {
      if (reply.type === 'ready') return ready[index]?.resolve();
      if (reply.id === undefined) return fail(index)(new Error(reply.type === 'error' ? reply.message : 'unexpected reply'));
      const task = pending.get(reply.id);
      if (!task) return;
      pending.delete(reply.id);
      workers?.[index].unref();
      release(index);
      if (reply.type === 'result') task.resolve(reply.result);
      else task.reject(new Error(`LASSO worker ${index}: ${reply.message}`));
    },
    onError: (index, error) => fail(index)(error),
    onExit: (index, code) => fail(index)(new Error(`exited with code ${code}`)),
  });
  if (!workers) return undefined;
  const module = await wasmModule();
  try {
    await Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => {
      ready[i] = { resolve, reject };
      w.post({ type: 'init', module }, []);
    })));
  } catch (e) {
    closed = true;
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  // Idle workers do not keep the process alive; a worker is ref'd while it solves a slice.
  workers.forEach((w, i) => {
    w.unref();
    idle.push(i);
  });
  return {
    size: threads,
    async solve(problem, alphas, options) {
      if (failure) throw failure;
      const worker = idle.shift() ?? (await new Promise<number>((resolve) => waiting.push(resolve)));
      return new Promise<LassoPathResult>((resolve, reject) => {
        if (failure) return reject(failure);
        const id = nextId++;
        pending.set(id, { worker, resolve, reject });
        workers[worker].ref();
        workers[worker].post({ type: 'run', id, problem, alphas, options }, []);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
