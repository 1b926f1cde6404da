// Workers that answer requests, for the pools that post work to module workers and wait for each
// answer: the parallel WASM forward engine (src/forward/wasm/parallel.ts) and the LASSO pool
// (src/kernels/lasso/parallel.ts). Each worker is sent `init` and answers { type: 'ready' }; then
// every request carries a fresh id and is answered by { type: 'result', id, ... } or
// { type: 'error', id, message }.
//
// A worker is ref'd only while it has requests in flight, so idle workers never keep the process
// alive. The first failure (an error without an id, a worker's error or exit) rejects every
// request in flight and every later one, with the worker named by `label`.
import { startWorkers, type WorkerSource } from './workers.js';

export type RequestReply = { type: 'ready' } | { type: 'result'; id: number } | { type: 'error'; id?: number; message: string };

export interface RequestWorkers<M, R> {
  readonly count: number;
  /** Posts the message made for a fresh id to `worker`; resolves with its result reply. */
  request(worker: number, message: (id: number) => M, transfer: Transferable[]): Promise<R>;
  /** Terminates the workers; requests still in flight are rejected with `reason` when given. */
  close(reason?: Error): Promise<void>;
}

export interface RequestWorkersOptions<M> {
  count: number;
  source: WorkerSource;
  /** Web: the workers' names. */
  name?: (index: number) => string;
  /** How errors name worker `index`, e.g. "LASSO worker 1". */
  label: (index: number) => string;
  /** The first message of every worker. */
  init: M;
}

/** `count` workers, each sent `init` and ready; undefined where this platform has no workers. */
export async function startRequestWorkers<M, Reply extends RequestReply>(
  options: RequestWorkersOptions<M>,
): Promise<RequestWorkers<M, Extract<Reply, { type: 'result' }>> | undefined> {
  type Result = Extract<Reply, { type: 'result' }>;
  const { count, label } = options;
  const pending = new Map<number, { worker: number; resolve(r: Result): void; reject(e: Error): void }>();
  const busy = new Array<number>(count).fill(0);
  const ready: { resolve(): void; reject(e: Error): void }[] = [];
  let failure: Error | undefined;
  let closed = false;
  let nextId = 1;

  const fail = (index: number) => (error: Error) => {
    if (closed) return;
    const e = new Error(`${label(index)}: ${error.message}`, { cause: error });
    failure ??= e;
    ready[index]?.reject(e);
    for (const [id, task] of pending) {
      pending.delete(id);
      task.reject(failure);
    }
  };
  const workers = await startWorkers<Reply, M>({
    count,
    source: options.source,
    name: options.name,
    onMessage: (index, reply) => {
      if (reply.type === 'ready') return ready[index]?.resolve();
      if (reply.id === undefined) return fail(index)(new Error(reply.type === 'error' ? reply.message : 'unexpected reply'));
      const task = pending.get(reply.id);
      if (!task) return;
      pending.delete(reply.id);
      if (--busy[index] === 0) workers?.[index].unref();
      if (reply.type === 'result') task.resolve(reply as Result);
      else task.reject(new Error(`${label(index)}: ${reply.message}`));
    },
    onError: (index, error) => fail(index)(error),
    onExit: (index, code) => fail(index)(new Error(`exited with code ${code}`)),
  });
  if (!workers) return undefined;

  const terminate = () => Promise.all(workers.map((w) => w.terminate()));
  try {
    await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            ready[i] = { resolve, reject };
            w.post(options.init, []);
          }),
      ),
    );
  } catch (e) {
    closed = true;
    await terminate();
    throw e;
  }
  for (const w of workers) w.unref();

  return {
    count,
    request(worker, message, transfer) {
      return new Promise<Result>((resolve, reject) => {
        if (failure) return reject(failure);
        const id = nextId++;
        pending.set(id, { worker, resolve, reject });
        if (busy[worker]++ === 0) workers[worker].ref();
        workers[worker].post(message(id), transfer);
      });
    },
    async close(reason) {
      if (closed) return;
      closed = true;
      if (reason) {
        for (const [id, task] of pending) {
          pending.delete(id);
          task.reject(reason);
        }
      }
      await terminate();
    },
  };
}
