// The joint histogram kernel on worker threads (./worker.ts), for the mutual-information probe of
// conv and fc layers (D_a x D_b x samples counts per pair: minutes on one core at AlexNet size).
// Each worker runs the WASM kernel (./wasm.ts) on its own range of rows (units of net a) of every
// pair, the rows of each pair cut into `threads` contiguous ranges of equal work (every row of a
// pair costs D_b x samples). Each batch is copied once into SharedArrayBuffers that all workers
// read, and add() returns while they count it (the next add or counts() waits for it, and throws
// a worker's failure); counts() gathers the row blocks in order, so the counts are the single-thread kernel's,
// bit for bit (exact integers either way). Memory: the workers' u32 counters (with float64 totals
// past 2^32 - 1 samples, as on one thread) and the float64 arrays counts() returns, gathered in
// blocks of at most COUNTS_BLOCK counters per worker (the u32 counters as they are, widened here),
// so no third copy of the counts.
//
// No countsView: the counters live in the workers' memories, so there are none to lend (the tiled
// MI reduction, which relies on lent counters for its memory budget, counts on one thread:
// src/probe/reducers/mi-histograms.ts).
//
// Node only: the workers run the compiled module next to this one (new URL('./worker.js',
// import.meta.url)); from TypeScript sources (vitest) the compiled tree's dist/src/kernels/
// joint-histogram/worker.js (siblingWorkerUrl, src/platform/workers.ts). Elsewhere, with fewer than two
// threads, or on too little work (MIN_UNIT_PAIRS), it is the single-thread WASM kernel.
import { wasmModule } from '../wasm-module.js';
import { isNode, siblingWorkerUrl, type WorkerSource } from '../../platform/workers.js';
import { startRequestWorkers, type RequestWorkers } from '../../platform/request-workers.js';
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';
import { createWasmJointHistogramKernel } from './wasm.js';
import type { JointHistogramMessage, JointHistogramWorkerReply } from './worker.js';

/**
 * Fewest unit pairs (summed over the spec's pairs) worth the workers. Starting two workers costs
 * tens of milliseconds (a module load and a WASM instance each) and every batch two message round
 * trips; a gathered batch (gathered.ts: up to 1024 samples) of 4,096 unit pairs is about 4 million
 * pair-samples, a few milliseconds on one core, so below that the threads cannot repay themselves
 * (LeNet's layers, the tests' small nets) and above it the messaging is a few per cent.
 */
export const MIN_UNIT_PAIRS = 4096;

/** Counters per block that counts() asks a worker for (16 MiB of u32 counters, 32 MiB once float64). */
const COUNTS_BLOCK = 2 ** 22;

function workerUrl(): Promise<URL> {
  return siblingWorkerUrl(import.meta.url, './worker.js', 'parallel joint histogram kernel', { hint: ' (or use 1 thread)' });
}

export interface ParallelJointHistogramOptions {
  /** Worker threads (1: the single-thread kernel). */
  threads: number;
  /** Flush each worker's u32 counters once this many samples are in them (default 2^32 - 1; lower only in tests). */
  maxCount?: number;
  /** Fewest unit pairs for workers (default MIN_UNIT_PAIRS; 0 in tests of small specs). */
  minUnitPairs?: number;
  /** Counters per block that counts() asks a worker for (default 2^22; lower only in tests). */
  countsBlock?: number;
  /** Tests: what the workers run instead of ./worker.js. */
  workerSource?: WorkerSource;
}

/**
 * The threads worth using for `spec`'s unit pairs: `threads`, but no more than the widest pair has
 * rows (the others would count nothing), and 1 on too few unit pairs or where workers cannot start.
 */
export function usefulThreads(spec: Pick<JointHistogramSpec, 'units' | 'pairs'>, threads: number, minUnitPairs = MIN_UNIT_PAIRS): number {
  const { units, pairs } = spec;
  const unitPairs = pairs.reduce((total, [a, b]) => total + units[a] * units[b], 0);
  const used = Math.min(threads, Math.max(0, ...pairs.map(([a]) => units[a])));
  return !isNode() || used < 2 || unitPairs < minUnitPairs ? 1 : used;
}

/** `threads` workers (./worker.ts), each with the WASM module; undefined where this platform has none. */
export async function startHistogramWorkers(threads: number, source: WorkerSource = { url: workerUrl }): Promise<HistogramWorkers | undefined> {
  return startRequestWorkers<JointHistogramMessage, JointHistogramWorkerReply>({
    count: threads,
    source,
    name: (i) => `convergent-joint-histogram-${i}`,
    label: (i) => `joint histogram worker ${i + 1} of ${threads}`,
    init: { type: 'init', module: await wasmModule() },
  });
}

export type HistogramWorkers = RequestWorkers<JointHistogramMessage, Extract<JointHistogramWorkerReply, { type: 'result' }>>;

/** Per pair, `threads` contiguous row ranges of net a's units, sizes differing by at most one. */
export function splitRows(spec: JointHistogramSpec, threads: number): [number, number][][] {
  return Array.from({ length: threads }, (_, t) =>
    spec.pairs.map(([a]) => {
      const d = spec.units[a];
      return [Math.floor((d * t) / threads), Math.floor((d * (t + 1)) / threads)] as [number, number];
    }),
  );
}

/** The spec counted on `threads` workers, or the single-thread WASM kernel where they would not help or cannot start. */
export async function createParallelJointHistogramKernel(spec: JointHistogramSpec, options: ParallelJointHistogramOptions): Promise<JointHistogramKernel> {
  checkSpec(spec);
  const { units, pairs, bins } = spec;
  const threads = usefulThreads(spec, options.threads, options.minUnitPairs);
  const single = () => createWasmJointHistogramKernel(spec, { maxCount: options.maxCount });
  if (threads < 2) return single();

  const pool = await startHistogramWorkers(threads, options.workerSource);
  if (!pool) return single();
  const rows = splitRows(spec, threads);
  const all = (message: (worker: number) => (id: number) => JointHistogramMessage) => Promise.all(rows.map((_, t) => pool.request(t, message(t), [])));
  try {
    await all((t) => (id) => ({ type: 'start', id, spec, rows: rows[t], maxCount: options.maxCount }));
  } catch (e) {
    await pool.close();
    throw e;
  }

  // add() returns once the batch is copied and posted, so that the caller prepares the next batch
  // while the workers count this one; the next add waits for that count before it copies its own
  // batch into the same shared buffers (one per net). One set, not two in turn: a second would
  // only overlap the copy (a small part of a batch's time) and cost a batch of every net in memory
  // per layer (about 0.3 GB at conv1 of four AlexNets).
  const shared: SharedArrayBuffer[] = units.map(() => new SharedArrayBuffer(0));
  let pending: Promise<unknown> | null = null;
  const inShared = (set: SharedArrayBuffer[]) => (data: Float32Array | Float64Array, k: number): Float32Array | Float64Array => {
    if (set[k].byteLength < data.byteLength) set[k] = new SharedArrayBuffer(data.byteLength);
    const copy = data instanceof Float32Array ? new Float32Array(set[k], 0, data.length) : new Float64Array(set[k], 0, data.length);
    copy.set(data);
    return copy;
  };
  /** The batch in flight counted (its failure, if any, thrown here). */
  const settle = async () => {
    const work = pending;
    pending = null;
    if (work) await work;
  };
  const rowCells = pairs.map(([, b]) => units[b] * bins * bins);
  let disposed = false;
  // The first failure of any worker: the others may have counted a batch it did not, so every
  // later call is refused with it rather than giving counts that are silently short.
  let broken: Error | undefined;
  const live = () => {
    if (disposed) throw new Error('the parallel joint histogram kernel was disposed');
    if (broken) throw broken;
  };
  const guarded = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      broken ??= e instanceof Error ? e : new Error(String(e));
      throw broken;
    }
  };

  /** Worker t's rows of pair p, into `out` at their place, in blocks of at most COUNTS_BLOCK counters. */
  const gather = async (t: number, p: number, out: Float64Array) => {
    const [r0, r1] = rows[t][p];
    const step = Math.max(1, Math.floor((options.countsBlock ?? COUNTS_BLOCK) / Math.max(1, rowCells[p])));
    for (let from = 0; from < r1 - r0; from += step) {
      const to = Math.min(r1 - r0, from + step);
      const reply = await pool.request(t, (id) => ({ type: 'counts', id, pair: p, from, to }), []);
      out.set(reply.counts!, (r0 + from) * rowCells[p]);
    }
  };

  return {
    name: `wasm-simd (${threads} threads)`,
    async add(nets, samples) {
      live();
      checkBatch(spec, nets, samples);
      if (samples === 0) return;
      await settle();
      const batch = nets.map(inShared(shared));
      const work = guarded(all(() => (id) => ({ type: 'add', id, nets: batch, samples })));
      // Handled here and thrown by the next add or counts (a rejection nobody awaits yet is no uncaught error).
      work.catch(() => {});
      pending = work;
    },
    async counts() {
      live();
      await settle();
      const out = pairs.map(([a], p) => new Float64Array(units[a] * rowCells[p]));
      // The workers answer at once; each hands its blocks one after another.
      await guarded(
        Promise.all(
          rows.map(async (_, t) => {
            for (let p = 0; p < pairs.length; p++) await gather(t, p, out[p]);
          }),
        ),
      );
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      pending = null;
      await pool.close();
    },
  };
}
