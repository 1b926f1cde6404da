// The worker side of a request/reply pool (src/platform/request-workers.ts): a worker module hands
// its message loop to serveAsWorker, which connects it to worker_threads' parentPort in Node
// (reached by a variable specifier, so that bundlers leave it alone) or to `self` in a Deno or
// browser module worker. Anywhere else (imported by a type check, or on a page's main thread) it
// does nothing. serveRequests adds the protocol itself (init, then requests in order, errors by id)
// for the forward, LASSO, views and joint histogram workers.
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

/** A reply with what it transfers. */
export type Answer<R> = [reply: R, transfer: Transferable[]];

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The worker side of request-workers.ts's protocol, over serveAsWorker: the `init` message makes
 * the worker's state (then { type: 'ready' }, or { type: 'error', message } without an id, which
 * fails the pool); every other message is answered by `answer`, in the order they arrive, one at
 * a time: its reply, or { type: 'error', id, message } when it throws. `describe` words an error
 * (default: its message).
 */
export function serveRequests<I extends { type: 'init' }, M extends { type: string; id: number }, S, R>(
  init: (message: I) => S | Promise<S>,
  answer: (state: S, message: M) => Promise<Answer<R>>,
  describe: (e: unknown) => string = messageOf,
): Promise<void> {
  type Reply = R | { type: 'ready' } | { type: 'error'; id?: number; message: string };
  return serveAsWorker<I | M, Reply>((listen, post) => {
    let state: Promise<S> | undefined;
    let queue: Promise<unknown> = Promise.resolve();
    listen((msg) => {
      if (msg.type === 'init') {
        state = Promise.resolve().then(() => init(msg as I));
        state.then(
          () => post({ type: 'ready' }, []),
          (e) => post({ type: 'error', message: describe(e) }, []),
        );
        return;
      }
      const request = msg as M;
      const ready = state;
      queue = queue.then(async () => {
        try {
          if (!ready) throw new Error(`${request.type} before init`);
          const [reply, transfer] = await answer(await ready, request);
          post(reply, transfer);
        } catch (e) {
          post({ type: 'error', id: request.id, message: describe(e) }, []);
        }
      });
    });
  });
}
