// Training runs: one net (trainNet) or one per seed (trainNets), on the WASM trainer (in this
// thread, or on worker threads: a pair of workers per net, or one) or the WebGPU trainer. Every
// epoch visits the training items in a seeded permutation, then scores the held-out items.
//
// Determinism: the initial weights come from initParams(spec, seed) and epoch e's order from
// epochOrder(train, seed, e); the kernels sum in a fixed order, and a batch's gradient is always
// the sum of its two shards' (src/train/wasm-core.ts). So a seed and a backend fix the weights
// bit for bit, whether the net trains in this thread, in a worker or on a pair of workers.
import { seededPermutation } from '../util/random.js';
import { wasmModule } from '../kernels/wasm-module.js';
import type { GpuContext } from '../platform/webgpu.js';
import type { TrainData } from './data.js';
import { trainingKey } from './key.js';
import { buildNet, initParams, type NetSpec } from './model.js';
import { checkTrainOptions, epochLearningRates, type TrainBackend, type TrainOptions } from './options.js';
import type { CoreHyper } from './wasm-core.js';
import { createWasmTrainer } from './wasm-trainer.js';
import { createTrainWorkerPool, hardwareConcurrency, type WorkerEpochResult } from './worker-pool.js';

export interface EpochReport {
  seed: number;
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch (each batch's loss before its update). */
  loss: number;
  heldOutAccuracy: number;
  heldOutLoss: number;
  /** Training images and the seconds they took (forward + backward + update). */
  images: number;
  trainSeconds: number;
  evalSeconds: number;
}

export interface TrainedNet {
  options: TrainOptions;
  backend: TrainBackend;
  spec: NetSpec;
  params: Float32Array;
  history: EpochReport[];
  /** trainingKey of these options, data and backend. */
  key: string;
  /** Where it ran: 'wasm-simd (worker thread)', 'webgpu on ...'. */
  device: string;
}

export interface TrainEvents {
  /** Images of the current epoch done so far (per net). */
  onProgress?(seed: number, epoch: number, done: number, total: number): void;
  onEpoch?(report: EpochReport): void;
  log?(message: string): void;
}

export interface TrainRunOptions extends TrainEvents {
  backend: TrainBackend;
  /**
   * WASM: worker threads (default: two per net up to the cores, at least one per net); with at
   * least two per net, each net trains on a pair of workers. 0 trains in this thread.
   */
  threads?: number;
  /** WebGPU: the device to use (required for backend 'webgpu'). */
  gpu?: GpuContext;
}

/** The permutation of the training items that epoch `epoch` (0-based) of seed `seed` visits. */
export function epochOrder(train: [number, number], seed: number, epoch: number): Int32Array {
  // A stream of its own per (seed, epoch), distinct from initParams' stream for the seed.
  const mixed = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(epoch + 1, 0x165667b1)) >>> 0;
  const perm = seededPermutation(train[1] - train[0], mixed);
  return Int32Array.from(perm, (i) => train[0] + i);
}

export function netSpecFor(data: TrainData, options: TrainOptions): NetSpec {
  return buildNet({ arch: options.arch, width: options.width, inputShape: data.inputShape, classes: data.classes });
}

export function keyFor(data: TrainData, options: TrainOptions, backend: TrainBackend): string {
  return trainingKey({ ...options, data: data.identity, backend });
}

/** A net on a backend, one epoch at a time (what the loop below drives). */
interface EpochRunner {
  readonly device: string;
  epoch(order: Int32Array, hyper: CoreHyper, onBatch: (done: number) => void): Promise<WorkerEpochResult>;
  finish(): Promise<Float32Array>;
}

async function runEpochs(data: TrainData, options: TrainOptions, runner: EpochRunner, events: TrainEvents): Promise<EpochReport[]> {
  const history: EpochReport[] = [];
  for (let e = 0; e < options.epochs; e++) {
    const order = epochOrder(data.train, options.seed, e);
    const hyper: CoreHyper = { ...epochLearningRates(options, e), momentum: options.momentum, weightDecay: options.weightDecay };
    const r = await runner.epoch(order, hyper, (done) => events.onProgress?.(options.seed, e + 1, done, order.length));
    const report: EpochReport = {
      seed: options.seed,
      epoch: e + 1,
      epochs: options.epochs,
      loss: r.loss,
      heldOutAccuracy: r.count > 0 ? r.correct / r.count : NaN,
      heldOutLoss: r.count > 0 ? r.lossSum / r.count : NaN,
      images: order.length,
      trainSeconds: r.trainSeconds,
      evalSeconds: r.evalSeconds,
    };
    if (!Number.isFinite(r.loss)) throw new Error(`train: seed ${options.seed} epoch ${e + 1}: the loss is ${r.loss}; lower --lr (now ${options.lr})`);
    history.push(report);
    events.onEpoch?.(report);
  }
  return history;
}

/** The WASM trainer in this thread as an EpochRunner. */
async function inThreadRunner(data: TrainData, spec: NetSpec, options: TrainOptions): Promise<EpochRunner> {
  const core = await createWasmTrainer(spec, options.batch);
  core.setParams(initParams(spec, options.seed));
  return {
    device: 'wasm-simd (main thread)',
    async epoch(order, hyper, onBatch) {
      const t0 = performance.now();
      const loss = core.epoch(data.images, data.labels, order, options.batch, hyper, onBatch);
      const t1 = performance.now();
      const ev = core.evaluate(data.images, data.labels, data.heldOut[0], data.heldOut[1]);
      const t2 = performance.now();
      return { loss, ...ev, trainSeconds: (t1 - t0) / 1000, evalSeconds: (t2 - t1) / 1000 };
    },
    finish: async () => core.getParams(),
  };
}

async function webgpuRunner(data: TrainData, spec: NetSpec, options: TrainOptions, gpu: GpuContext): Promise<EpochRunner & { dispose(): Promise<void> }> {
  const { createWebGpuTrainer } = await import('./webgpu-trainer.js');
  const trainer = await createWebGpuTrainer(gpu, spec, options.batch);
  trainer.setParams(initParams(spec, options.seed));
  return {
    device: `webgpu on ${gpu.label}`,
    async epoch(order, hyper, onBatch) {
      const t0 = performance.now();
      const loss = await trainer.epoch(data.images, data.labels, order, options.batch, hyper, onBatch);
      const t1 = performance.now();
      const ev = await trainer.evaluate(data.images, data.labels, data.heldOut[0], data.heldOut[1]);
      const t2 = performance.now();
      return { loss, ...ev, trainSeconds: (t1 - t0) / 1000, evalSeconds: (t2 - t1) / 1000 };
    },
    finish: () => trainer.getParams(),
    dispose: () => trainer.dispose(),
  };
}

function trainedNet(data: TrainData, options: TrainOptions, backend: TrainBackend, spec: NetSpec, params: Float32Array, history: EpochReport[], device: string): TrainedNet {
  return { options: { ...options }, backend, spec, params, history, key: keyFor(data, options, backend), device };
}

/** Trains one net in this thread (WASM) or on the GPU. */
export async function trainNet(data: TrainData, options: TrainOptions, run: Omit<TrainRunOptions, 'threads'>): Promise<TrainedNet> {
  checkTrainOptions(options);
  const spec = netSpecFor(data, options);
  if (run.backend === 'webgpu') {
    if (!run.gpu) throw new Error('train: the webgpu backend needs a GPU device');
    const runner = await webgpuRunner(data, spec, options, run.gpu);
    try {
      const history = await runEpochs(data, options, runner, run);
      return trainedNet(data, options, 'webgpu', spec, await runner.finish(), history, runner.device);
    } finally {
      await runner.dispose();
    }
  }
  const runner = await inThreadRunner(data, spec, options);
  const history = await runEpochs(data, options, runner, run);
  return trainedNet(data, options, 'wasm', spec, await runner.finish(), history, runner.device);
}

/**
 * Trains one net per seed (the other options shared). WASM: on `threads` worker threads, each
 * net on a pair of workers when there are two per net, else on one; WebGPU: one after the other
 * on the device. Results in the order of `seeds`; the weights do not depend on the threads.
 */
export async function trainNets(data: TrainData, base: Omit<TrainOptions, 'seed'>, seeds: number[], run: TrainRunOptions): Promise<TrainedNet[]> {
  if (seeds.length === 0) throw new Error('train: no seeds given');
  if (new Set(seeds).size !== seeds.length) throw new Error(`train: seeds repeat (${seeds.join(', ')}); each seed gives one net`);
  const all = seeds.map((seed) => ({ ...base, seed }));
  for (const o of all) checkTrainOptions(o);
  if (run.backend === 'webgpu') {
    const out: TrainedNet[] = [];
    for (const o of all) out.push(await trainNet(data, o, run));
    return out;
  }
  const cores = await hardwareConcurrency();
  // Default: a pair of workers per net where the cores allow (a net trains twice as fast, and
  // gives the same bits), else one worker per net up to the cores.
  const threads = run.threads ?? Math.min(2 * seeds.length, Math.max(cores, 1));
  if (threads < 1) {
    const out: TrainedNet[] = [];
    for (const o of all) out.push(await trainNet(data, o, run));
    return out;
  }
  const pairs = threads >= 2 * seeds.length && typeof SharedArrayBuffer === 'function';
  const pool = await createTrainWorkerPool(pairs ? 2 * seeds.length : Math.min(threads, seeds.length), await wasmModule());
  if (!pool) {
    run.log?.('no worker threads on this platform; training in this thread');
    return trainNets(data, base, seeds, { ...run, threads: 0 });
  }
  try {
    const spec = netSpecFor(data, all[0]);
    const ids = all.map((o, i) =>
      pool.addNet(
        { spec, params: initParams(spec, o.seed), maxBatch: o.batch, images: data.images, labels: data.labels, heldOut: data.heldOut },
        pairs ? [2 * i, 2 * i + 1] : [i % pool.size],
      ),
    );
    // Each net's epochs queue on its worker as soon as the previous one returns; nets sharing a
    // worker alternate epoch by epoch, so all nets advance together.
    const results = await Promise.all(
      all.map(async (o, i) => {
        const runner: EpochRunner = {
          device: pairs ? `wasm-simd (worker threads ${2 * i + 1} and ${2 * i + 2} of ${pool.size})` : `wasm-simd (worker thread ${(i % pool.size) + 1} of ${pool.size})`,
          epoch: (order, hyper, onBatch) => pool.epoch(ids[i], order, o.batch, hyper, onBatch),
          finish: () => pool.finish(ids[i]),
        };
        const history = await runEpochs(data, o, runner, run);
        return trainedNet(data, o, 'wasm', spec, await runner.finish(), history, runner.device);
      }),
    );
    return results;
  } finally {
    await pool.close();
  }
}
