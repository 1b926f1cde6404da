// The worker side of a request/reply pool (src/platform/request-workers.ts): a worker module hands
// its message loop to serveAsWorker, which connects it to worker_threads' parentPort in Node
// (reached by a variable specifier, so that bundlers leave it alone) or to `self` in a Deno or
// browser module worker. Anywhere else (imported by a type check, or on a page's main thread) it
// does nothing.
import { isNode } from './workers.js';

export type Listen<M> = (handler: (message: M) => void) => void;
export type Post<R> = (message: R, transfer: Transferable[]) => void;

const NODE_WORKER_THREADS = 'node:worker_threads';

/** Runs `serve` over this worker's port; resolves once it listens (at once when not a worker). */
export async function serveAsWorker<M, R>(serve: (listen: Listen<M>, post: Post<R>) => void): Promise<void> {
  if (isNode()) {
    const { parentPort } = (await import(NODE_WORKER_THREADS)) as typeof import('node:worker_threads');
    if (!parentPort) return;
    serve(
      (h) => parentPort.on('message', h),
      (m, t) => parentPort.postMessage(m, t as never),
    );
    return;
  }
  const scope = globalThis as unknown as { postMessage?: (m: unknown, t: Transferable[]) => void; onmessage?: unknown; document?: unknown };
  if (typeof scope.postMessage !== 'function' || scope.document !== undefined) return; // not a worker
  serve(
    (h) => {
      scope.onmessage = (e: MessageEvent) => h(e.data as never);
    },
    (m, t) => scope.postMessage!(m, t),
  );
}
