// Where the deconvnet views are drawn: on worker threads (./views-worker.ts, through the shared
// request/reply pool src/platform/request-workers.ts), each image's forward pass and views on one
// worker, or, with one thread or where no worker can start, in this thread. Both run
// ./image-views.ts on instances of the same WASM module, so the views are the same bit for bit.
//
// The workers (Node's worker_threads, Deno's module workers) run the compiled module next to this one
// (new URL('./views-worker.js', import.meta.url)); from TypeScript sources (vitest, Node) the
// compiled tree's dist/src/views/views-worker.js (siblingWorkerUrl, src/platform/workers.ts).
import type { OnnxModel, OnnxTensor } from '../inputs/onnx/model.js';
import { wasmModule } from '../kernels/wasm-module.js';
import { siblingWorkerUrl, type WorkerSource } from '../platform/workers.js';
import { startRequestWorkers, type RequestWorkers } from '../platform/request-workers.js';
import { createImageViews, type DrawnView, type ViewNet, type ViewRequest } from './image-views.js';
import type { ViewsWorkerMessage, ViewsWorkerReply } from './views-worker.js';

/** One net's views, one image at a time per call. */
export interface NetDrawer {
  readonly opsName: string;
  /** How many images are worth having in flight at once (each worker one drawing and one waiting). */
  readonly inFlight: number;
  /** The views of `requests` on image #`index` (its buffer may be transferred away). */
  draw(index: number, image: Float32Array, requests: ViewRequest[]): Promise<DrawnView[]>;
}

export interface ViewDrawers {
  /** Threads drawing (1: this one). */
  readonly threads: number;
  /** Loads `net` (every worker), dropping the net before. */
  forNet(net: ViewNet): Promise<NetDrawer>;
  close(): Promise<void>;
}

function workerUrl(): Promise<URL> {
  return siblingWorkerUrl(import.meta.url, './views-worker.js', 'deconvnet views on worker threads');
}

/** The module's own worker; tests pass one that wraps it (to make a worker fail). */
export const VIEWS_WORKER_SOURCE: WorkerSource = { url: workerUrl };

/** Drawers on `threads` workers, or in this thread when threads is 1 or no worker can start. */
export async function createViewDrawers(threads: number, source: WorkerSource = VIEWS_WORKER_SOURCE): Promise<ViewDrawers> {
  if (threads < 2) return inThisThread();
  const start = async () =>
    startRequestWorkers<ViewsWorkerMessage, ViewsWorkerReply>({
      count: threads,
      source,
      label,
      init: { type: 'init', module: await wasmModule() },
    });
  const pool = await start();
  return pool ? workerDrawers(pool, start) : inThisThread();
}

function inThisThread(): ViewDrawers {
  let current: Awaited<ReturnType<typeof createImageViews>> | undefined;
  return {
    threads: 1,
    async forNet(net) {
      await current?.dispose();
      current = undefined;
      const views = (current = await createImageViews(net));
      return { opsName: views.opsName, inFlight: 1, draw: (index, image, requests) => views.draw(index, image, requests) };
    },
    async close() {
      await current?.dispose();
      current = undefined;
    },
  };
}

type Result = Extract<ViewsWorkerReply, { type: 'result' }>;

const label = (worker: number) => `views worker ${worker}`;

/** A draw stopped because another worker of the pool failed (the failure is reported by that worker's draw). */
export class StoppedByAnotherWorker extends Error {}

type Pool = RequestWorkers<ViewsWorkerMessage, Result>;

/** After a worker fails (one failure fails the whole pool), the next net starts on fresh workers. */
function workerDrawers(first: Pool, start: () => Promise<Pool | undefined>): ViewDrawers {
  let pool = first;
  let broken = false;
  const request = async (worker: number, message: (id: number) => ViewsWorkerMessage, transfer: Transferable[]) => {
    try {
      return await pool.request(worker, message, transfer);
    } catch (e) {
      broken = true;
      throw e;
    }
  };
  return {
    threads: pool.count,
    async forNet(net) {
      if (broken) {
        await pool.close();
        const fresh = await start();
        if (!fresh) throw new Error('the views workers failed and no new ones could start');
        pool = fresh;
        broken = false;
      }
      const workers = Array.from({ length: pool.count }, (_, i) => i);
      const shared = { ...net, model: withSharedWeights(net.model) };
      const loaded = await Promise.all(workers.map((w) => request(w, (id) => ({ type: 'net', id, net: shared }), [])));
      const busy = new Array<number>(pool.count).fill(0);
      return {
        opsName: loaded[0].opsName!,
        inFlight: 2 * pool.count,
        async draw(index, image, requests) {
          const worker = busy.indexOf(Math.min(...busy));
          busy[worker]++;
          let reply: Result;
          try {
            const own = image.byteOffset === 0 && image.byteLength === image.buffer.byteLength ? image : image.slice();
            reply = await request(worker, (id) => ({ type: 'draw', id, index, image: own, requests }), [own.buffer as ArrayBuffer]);
          } catch (e) {
            const message = (e as Error).message;
            // Another worker's failure fails every request in flight: that one names its own image.
            if (!message.startsWith(`${label(worker)}:`)) throw new StoppedByAnotherWorker(message, { cause: e });
            // This worker failed (it exited, ran out of memory): name what it was drawing.
            const what = requests.map((r) => `layer ${r.layer} unit ${r.unit}`).join(', ');
            throw new Error(`image #${index} (${what}): ${message}`, { cause: e });
          } finally {
            busy[worker]--;
          }
          if (reply.failure !== undefined) throw new Error(reply.failure);
          return reply.views!;
        },
      };
    },
    close: () => pool.close(),
  };
}

/**
 * The model with its weights in SharedArrayBuffers, read by every worker without a copy each: an
 * AlexNet's 244 MB took 0.85 s to clone per worker (load 8), against one copy here. The workers
 * only read them (into their WASM instances).
 */
function withSharedWeights(model: OnnxModel): OnnxModel {
  const initializers = new Map<string, OnnxTensor>();
  for (const [name, tensor] of model.initializers) {
    if (!tensor.data) {
      initializers.set(name, tensor);
      continue;
    }
    const data = new Float32Array(new SharedArrayBuffer(tensor.data.byteLength));
    data.set(tensor.data);
    initializers.set(name, { ...tensor, data });
  }
  return { ...model, initializers };
}
