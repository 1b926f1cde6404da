// Worker threads that train nets with the WASM trainer: a net on one worker (several nets per
// worker when there are more nets than workers; their epochs interleave), or on a pair of workers
// that split every batch in its two shards and swap gradients through shared memory (see
// wasmTrainerCore.pairEpoch), which trains one net about twice as fast on two cores and gives
// the same bits as one worker.
//
// Why an inline script and not dist/: a worker needs JavaScript it can load by itself. Loading
// dist/src/train/*.js would make tests (which run the TypeScript sources) exercise whatever was
// last built, and fail outright before `npm run build:ts`. Instead the worker runs the source text
// of wasmTrainerCore (src/train/wasm-core.ts, written to be self-contained for this purpose)
// wrapped in the small message loop below; it works the same from dist/, from vitest, in Deno and
// in browsers (a module worker from a Blob URL; see src/platform/workers.ts), and the main thread
// runs the very same function for in-thread training.
//
// Data: the images travel as a Float32Array on a SharedArrayBuffer (src/train/data.ts), which
// every worker reads in place; the compiled WebAssembly.Module is posted once per worker.
import { wasmImports, type WasmExports } from '../kernels/wasm-module.js';
import { hardwareConcurrency, inlineWorkerPrelude, startWorkers, type WorkerPlatform } from '../platform/workers.js';
import type { NetSpec } from './model.js';
import { wasmTrainerCore, type CoreHyper, type PairExchange } from './wasm-core.js';

export { hardwareConcurrency };

/** What a worker reports after an epoch (evaluation on the held-out range included). */
export interface WorkerEpochResult {
  loss: number;
  correct: number;
  lossSum: number;
  count: number;
  /** Seconds spent training (not evaluating). */
  trainSeconds: number;
  evalSeconds: number;
}

export interface NetJob {
  spec: NetSpec;
  params: Float32Array;
  maxBatch: number;
  images: Float32Array;
  labels: Uint8Array;
  heldOut: [number, number];
}

export interface TrainWorkerPool {
  readonly size: number;
  /**
   * Builds the net's trainer on worker `workers[0]`, or on both workers of a pair
   * `[a, b]` (which then split every batch); returns the net's id.
   */
  addNet(job: NetJob, workers: [number] | [number, number]): number;
  /** Queues one epoch of net `id` on its worker; onBatch(done) as batches finish. */
  epoch(id: number, order: Int32Array, batch: number, hyper: CoreHyper, onBatch?: (done: number) => void): Promise<WorkerEpochResult>;
  /**
   * The net's parameters after everything queued before; the net is dropped from its worker(s).
   * A pair's two copies are checked to be identical.
   */
  finish(id: number): Promise<Float32Array>;
  close(): Promise<void>;
}

type Reply =
  | { type: 'progress'; net: number; job: number; done: number }
  | { type: 'epoch'; net: number; job: number; result: WorkerEpochResult }
  | { type: 'params'; net: number; job: number; params: Float32Array }
  | { type: 'error'; net: number; job: number; error: string };

/**
 * The worker's message loop: a source text with no outside references (it is evaluated inside
 * the worker with `createCore` = wasmTrainerCore and `imports` = wasmImports). Messages are
 * handled strictly in order.
 */
function trainWorkerLoop(
  listen: (f: (msg: any) => void) => void,
  reply: (m: unknown, t?: Transferable[]) => void,
  createCore: typeof wasmTrainerCore,
  imports: typeof wasmImports,
): void {
  const nets = new Map<number, { core: ReturnType<typeof wasmTrainerCore>; images: Float32Array; labels: Uint8Array; heldOut: [number, number] }>();
  // A net whose trainer could not be built: its next epoch or finish reports why.
  const broken = new Map<number, string>();
  let module: WebAssembly.Module | undefined;
  let chain: Promise<void> = Promise.resolve();
  const handle = async (msg: any) => {
    if (msg.type === 'module') {
      module = msg.module;
      return;
    }
    try {
      if (broken.has(msg.net)) throw new Error(broken.get(msg.net));
      if (msg.type === 'init') {
        const instance = await WebAssembly.instantiate(module!, imports());
        const core = createCore(instance.exports as unknown as WasmExports, msg.spec, msg.maxBatch);
        core.setParams(msg.params);
        nets.set(msg.net, { core, images: msg.images, labels: msg.labels, heldOut: msg.heldOut });
      } else if (msg.type === 'epoch') {
        const net = nets.get(msg.net)!;
        const total = msg.order.length;
        // About 50 progress messages an epoch, whatever the batch size (rank 1 of a pair: none).
        const every = Math.max(1, Math.floor(total / 50));
        let last = 0;
        const onBatch = (done: number) => {
          if (msg.rank !== 1 && (done - last >= every || done === total)) {
            last = done;
            reply({ type: 'progress', net: msg.net, job: msg.job, done });
          }
        };
        const t0 = performance.now();
        const loss = msg.exchange
          ? net.core.pairEpoch(net.images, net.labels, msg.order, msg.batch, msg.hyper, msg.rank, msg.exchange, onBatch)
          : net.core.epoch(net.images, net.labels, msg.order, msg.batch, msg.hyper, onBatch);
        const t1 = performance.now();
        // Rank 1 of a pair holds the same weights; rank 0 scores them.
        const ev = msg.rank === 1 ? { correct: 0, lossSum: 0, count: 0 } : net.core.evaluate(net.images, net.labels, net.heldOut[0], net.heldOut[1]);
        const t2 = performance.now();
        const result = { loss, correct: ev.correct, lossSum: ev.lossSum, count: ev.count, trainSeconds: (t1 - t0) / 1000, evalSeconds: (t2 - t1) / 1000 };
        reply({ type: 'epoch', net: msg.net, job: msg.job, result });
      } else if (msg.type === 'finish') {
        const params = nets.get(msg.net)!.core.getParams();
        nets.delete(msg.net);
        reply({ type: 'params', net: msg.net, job: msg.job, params }, [params.buffer]);
      }
    } catch (e: any) {
      const error = String((e && e.stack) || e);
      if (msg.type === 'init') broken.set(msg.net, error);
      else reply({ type: 'error', net: msg.net, job: msg.job, error });
    }
  };
  listen((msg) => {
    chain = chain.then(() => handle(msg));
  });
}

function workerScript(platform: WorkerPlatform): string {
  return `${inlineWorkerPrelude(platform)}
const createCore = (${wasmTrainerCore.toString()});
const wasmImports = (${wasmImports.toString()});
(${trainWorkerLoop.toString()})(listen, reply, createCore, wasmImports);
`;
}

interface Pending {
  resolve(value: any): void;
  reject(error: Error): void;
  onBatch?: (done: number) => void;
}

/** `size` training workers sharing `module`, or undefined where the platform has no workers. */
export async function createTrainWorkerPool(size: number, module: WebAssembly.Module): Promise<TrainWorkerPool | undefined> {
  const pending = new Map<number, Pending>();
  let failure: Error | undefined;
  let closed = false;
  const exchanges: (PairExchange | undefined)[] = [];
  const fail = (error: Error) => {
    if (closed) return;
    failure ??= error;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    // A pair whose other worker died would wait for it at the next barrier: release it.
    for (const ex of exchanges) {
      if (!ex) continue;
      Atomics.store(ex.control, 2, 1);
      Atomics.notify(ex.control, 1);
    }
  };
  const workers = await startWorkers<Reply>({
    count: size,
    source: { script: workerScript },
    onMessage: (_, r) => {
      const p = pending.get(r.job);
      if (!p) return;
      if (r.type === 'progress') {
        p.onBatch?.(r.done);
        return;
      }
      pending.delete(r.job);
      if (r.type === 'error') p.reject(new Error(`training worker (net ${r.net}): ${r.error}`));
      else if (r.type === 'epoch') p.resolve(r.result);
      else p.resolve(r.params);
    },
    onError: (_, error) => fail(new Error(`training worker failed: ${error.message}`, { cause: error })),
    onExit: (_, code) => fail(new Error(`training worker exited with code ${code}`)),
  });
  if (!workers) return undefined;
  for (const w of workers) w.post({ type: 'module', module }, []);
  const homes: number[][] = [];
  let nextNet = 0;
  let nextJob = 1;
  const submit = <T>(worker: number, net: number, message: Record<string, unknown>, onBatch?: (done: number) => void): Promise<T> => {
    if (closed) return Promise.reject(new Error('the training worker pool is closed'));
    if (failure) return Promise.reject(failure);
    const job = nextJob++;
    return new Promise<T>((resolve, reject) => {
      pending.set(job, { resolve, reject, onBatch });
      workers[worker].post({ ...message, net, job }, []);
    });
  };
  return {
    size,
    addNet(job, on) {
      const net = nextNet++;
      if (on.some((w) => !(Number.isInteger(w) && w >= 0 && w < size)) || (on.length === 2 && on[0] === on[1])) {
        throw new Error(`training workers: no workers [${on.join(', ')}] in a pool of ${size}`);
      }
      homes[net] = [...on];
      if (on.length === 2) {
        const SAB = SharedArrayBuffer;
        exchanges[net] = {
          grads: new Float32Array(new SAB(4 * 4 * job.spec.paramCount)),
          losses: new Float64Array(new SAB(8 * 4)),
          control: new Int32Array(new SAB(4 * 4)),
        };
      }
      // init has no reply of its own: an error surfaces with the net's first epoch.
      for (const w of on) {
        workers[w].post(
          { type: 'init', net, job: 0, spec: job.spec, params: job.params, maxBatch: job.maxBatch, images: job.images, labels: job.labels, heldOut: job.heldOut },
          [],
        );
      }
      return net;
    },
    async epoch(id, order, batch, hyper, onBatch) {
      const on = homes[id];
      const exchange = exchanges[id];
      if (!exchange) return submit<WorkerEpochResult>(on[0], id, { type: 'epoch', order, batch, hyper }, onBatch);
      const settled = await Promise.allSettled([
        submit<WorkerEpochResult>(on[0], id, { type: 'epoch', order, batch, hyper, rank: 0, exchange }, onBatch),
        submit<WorkerEpochResult>(on[1], id, { type: 'epoch', order, batch, hyper, rank: 1, exchange }),
      ]);
      const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      // The worker that failed first names the cause; its partner only reports being left alone.
      if (errors.length > 0) throw errors.find((e) => !/other worker of the pair failed/.test(String(e?.message))) ?? errors[0];
      const [main, partner] = settled.map((r) => (r as PromiseFulfilledResult<WorkerEpochResult>).value);
      if (main.loss !== partner.loss) throw new Error(`training workers: the pair training net ${id} disagrees on the loss (${main.loss} vs ${partner.loss})`);
      return { ...main, trainSeconds: Math.max(main.trainSeconds, partner.trainSeconds) };
    },
    async finish(id) {
      const copies = await Promise.all(homes[id].map((w) => submit<Float32Array>(w, id, { type: 'finish' })));
      for (const c of copies.slice(1)) {
        const a = new Uint8Array(copies[0].buffer, copies[0].byteOffset, copies[0].byteLength);
        const b = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
        if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`training workers: the two copies of net ${id} differ`);
      }
      return copies[0];
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new Error('the training worker pool was closed');
      for (const p of pending.values()) p.reject(error);
      pending.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
