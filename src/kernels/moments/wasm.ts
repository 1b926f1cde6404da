// The CPU moment kernel: WASM SIMD (assembly/moments.ts), on every core.
//
// A batch (or, when it is larger than a slice, each slice of contiguous samples in turn) is loaded
// into a WASM instance (momentTileEngine: its own means in float64, centred values rounded to f32
// and packed, the f64 sums of their squares), then its co-moments are formed a block of rows at a
// time (the upper triangle of X_c X_c' by an f32x4 register-blocked micro-kernel that accumulates
// in f32 over blocks of 128 samples and adds each block to float64 accumulators; its multiply-adds
// are fused where the relaxed-SIMD build runs, see src/kernels/wasm-module.ts) and each block is
// merged straight into the caller's running total (RowBlockMerge, ./merge.ts). So the WASM memory
// holds the batch and one block, never d x d values: the total is a JS Float64Array of its own
// (issue 15: a layer of 16,384 units no longer meets WASM's 4 GiB), and batchMoments() is the same
// into an empty total. With threads > 1 a pool of workers (./worker-pool.ts) shares the work: where
// the d x d co-moments are small (conv layers) consecutive slices of equal length run side by side,
// one per worker, each worker loading only its own (./slices.ts); otherwise every worker loads the
// slice and the blocks of rows go to whichever is idle. Batches too small to repay the messaging
// run on the calling thread. Every entry is formed the same way on every path and the slices are
// merged in order, so one and two threads give the same bits. A batch whose centred values would
// overflow (or underflow) float32 products is done exactly in float64 instead (./range-check.ts,
// decided before any block is merged).
import { RowBlockMerge, emptyMoments } from './merge.js';
import { hardwareConcurrency } from '../../platform/workers.js';
import { createMomentWorkerPool, type LoadedBatch, type MomentWorkerPool, type RowBlock } from './worker-pool.js';
import { WasmInstance, fastestWasmVariant, wasmModule, type WasmExports } from '../wasm-module.js';
import type { BatchMoments, MomentKernel } from './contract.js';
import { samplesOf, sumsOutOfFloat32Range } from './range-check.js';
import { accumulateMomentsReference } from './reference.js';
import { sideBySideCount, sliceRanges } from './slices.js';

export interface WasmMomentKernelOptions {
  /** Threads (workers) for large batches. Default: the platform's logical core count. 1: no workers. */
  threads?: number;
  /**
   * Batches with n * d * d below this run on the calling thread even when threads > 1, since
   * posting them to workers would cost more than it saves. Default: DEFAULT_PARALLEL_THRESHOLD.
   */
  parallelThreshold?: number;
  /**
   * Batches with fewer samples than this also stay on the calling thread (every worker copies and
   * centres the whole batch, d n work, for its share of the d^2 n). Default: DEFAULT_PARALLEL_MIN_SAMPLES.
   */
  parallelMinSamples?: number;
  /** Most samples per slice (default: about 32 MB of f32 input per slice). Mainly for tests. */
  maxSliceSamples?: number;
  /** Most bytes of one block of rows (default BLOCK_BYTES; at least 4 rows). Mainly for tests. */
  maxBlockBytes?: number;
  /** The compiled kernels (default: wasmModule(fastestWasmVariant()), the relaxed-SIMD build where it runs). */
  module?: WebAssembly.Module;
}

/**
 * n * d * d below which a batch stays on the calling thread. Measured on 2 cores (Node 20, x64):
 * two workers break even near n d^2 = 2^25 for small d (d = 32: n = 32768; d = 64: n = 8192);
 * below that the copies and messages cost more than half the compute.
 */
export const DEFAULT_PARALLEL_THRESHOLD = 2 ** 25;

/** Samples below which a batch stays on the calling thread: one f32 block. */
export const DEFAULT_PARALLEL_MIN_SAMPLES = 128;

/**
 * Samples per f32 accumulation block. Each lane of an f32x4 accumulator sums BLOCK_SAMPLES / 4
 * products before the block goes into float64. Measured on ReLU-like activations with shared
 * latents (d = 256..512, every pair): max correlation error 3.1e-7 at 128 samples, 6.4e-7 at 256
 * (too near the 1e-6 the tool promises); on the 33-unit ReLU fixture 1.5e-7 at 128, 3e-7 at 256,
 * 1.6e-6 at 1024. 128 costs about 5 % of speed over 256.
 */
export const BLOCK_SAMPLES = 128;

/** Most bytes of one block of rows of f64 co-moments in WASM memory (and in flight from a worker). */
export const BLOCK_BYTES = 8 * 1024 * 1024;

/**
 * Slices run side by side on the workers (./slices.ts) only while a slice's d x d co-moments take
 * at most this many bytes (d up to 2,048): each worker's blocks of rows are held until the slices
 * before it are merged. Wider layers share each slice's rows among the workers instead.
 */
export const SIDE_BY_SIDE_MAX_BYTES = 32 * 1024 * 1024;

/** The WASM exports the engine uses. */
export type MomentExports = Pick<WasmExports, 'memory' | 'heapBase' | 'momentsCentre' | 'momentsBlocks'>;

/** A batch loaded into one WASM instance, and its blocks of rows. */
export interface MomentTileEngine {
  /** Loads samples [s0, s1) of `data` (d rows of `rowLength`, unit-major), s1 > s0, d > 0; copies of the means and sums of squares. */
  load(data: Float32Array, rowLength: number, d: number, s0: number, s1: number): LoadedBatch;
  /** Rows [i0, i1) (i0 a multiple of 4) of the loaded batch's co-moments: a view of WASM memory, valid until the next call. */
  rows(i0: number, i1: number): RowBlock;
}

/**
 * The engine on the WASM instance `ex`. Memory: the packed batch, the means and sums of squares,
 * then one region that holds a piece of the raw batch while it is centred and the block of rows after.
 *
 * This function is also the code of the workers: its source text is evaluated there, so it must
 * not reference anything outside itself (no imports, no module-level constants).
 */
export function momentTileEngine(ex: MomentExports): MomentTileEngine {
  const blockGroups = 32; // 128 samples per f32 block: BLOCK_SAMPLES / 4 (kept literal: worker code)
  const align = (offset: number) => (offset + 15) & ~15;
  const reserve = (end: number) => {
    const pages = Math.ceil(end / 65536) - ex.memory.buffer.byteLength / 65536;
    if (pages > 0) ex.memory.grow(pages);
  };
  let loaded = { dp: 0, groups: 0, pOff: 0, regionOff: 0 };
  return {
    load(data, rowLength, d, s0, s1) {
      const n = s1 - s0;
      const dp = (d + 3) & ~3;
      const groups = (n + 3) >> 2;
      const pOff = align(Number(ex.heapBase()));
      const meanOff = align(pOff + dp * groups * 16);
      const sumsqOff = align(meanOff + d * 8);
      const regionOff = align(sumsqOff + d * 8);
      // The raw rows are centred a few panels of units at a time (the packing is per panel of 4),
      // so the region holds about 8 MiB of them, not the whole batch a second time.
      const unitsPerPiece = Math.max(4, Math.floor(2097152 / n) & ~3);
      reserve(regionOff + Math.min(dp, unitsPerPiece) * n * 4);
      for (let u0 = 0; u0 < d; u0 += unitsPerPiece) {
        const u1 = Math.min(d, u0 + unitsPerPiece);
        const x = new Float32Array(ex.memory.buffer, regionOff, (u1 - u0) * n);
        for (let u = u0; u < u1; u++) x.set(data.subarray(u * rowLength + s0, u * rowLength + s1), (u - u0) * n);
        const panels = pOff + (u0 >> 2) * groups * 64;
        ex.momentsCentre(regionOff, u1 - u0, (u1 === d ? dp : u1) - u0, n, panels, meanOff + u0 * 8, sumsqOff + u0 * 8);
      }
      loaded = { dp, groups, pOff, regionOff };
      const buffer = ex.memory.buffer;
      return { mean: new Float64Array(buffer, meanOff, d).slice(), sumsq: new Float64Array(buffer, sumsqOff, d).slice() };
    },
    rows(i0, i1) {
      const { dp, groups, pOff, regionOff } = loaded;
      const r1 = Math.min(dp, (i1 + 3) & ~3);
      const cols = dp - i0;
      const length = (r1 - i0) * cols;
      reserve(regionOff + length * 8);
      const block = new Float64Array(ex.memory.buffer, regionOff, length);
      block.fill(0);
      // Several calls rather than one: V8 tiers a WASM function up between calls, not within one.
      // About 2^25 multiply-adds per call (a few ms), and whole blocks.
      const chunk = Math.max(blockGroups, Math.floor(2 ** 23 / length / blockGroups) * blockGroups);
      for (let g = 0; g < groups; g += chunk) ex.momentsBlocks(pOff, groups, dp, g, Math.min(groups, g + chunk), blockGroups, regionOff, i0, r1, cols);
      return { block, stride: cols };
    },
  };
}

/** Most samples per slice for d units: about 8 Mi f32 values (32 MB) of input, whole blocks. */
export function defaultMaxSliceSamples(d: number): number {
  return Math.max(BLOCK_SAMPLES, Math.floor((8 * 1024 * 1024) / Math.max(d, 1) / BLOCK_SAMPLES) * BLOCK_SAMPLES);
}

/** Rows per block for d units: at most `maxBytes` of f64 (at least 4 rows), and at least 4 blocks per thread when shared. */
export function blockRows(d: number, maxBytes: number, threads: number): number {
  const dp = (d + 3) & ~3;
  let rows = Math.max(4, Math.floor(maxBytes / (dp * 8) / 4) * 4);
  if (threads > 1) rows = Math.min(rows, Math.max(4, Math.ceil(dp / (4 * threads) / 4) * 4));
  return Math.min(rows, dp);
}

function checkBatch(data: Float32Array, d: number, n: number): void {
  if (!(data instanceof Float32Array)) throw new TypeError('the WASM moment kernel takes a Float32Array');
  if (!Number.isInteger(d) || d < 0 || !Number.isInteger(n) || n < 0) throw new RangeError(`bad batch shape ${d} x ${n}`);
  if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
}

export async function createWasmMomentKernel(options: WasmMomentKernelOptions = {}): Promise<MomentKernel> {
  // The relaxed-SIMD build where the engine runs it (fused multiply-adds: assembly/moments.ts), as the forward engine does.
  const module = options.module ?? (await wasmModule(fastestWasmVariant()));
  const local = momentTileEngine((await WasmInstance.create(module)).exports);
  const requested = options.threads ?? (await hardwareConcurrency());
  const threads = Math.max(1, Math.floor(requested));
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  const minSamples = options.parallelMinSamples ?? DEFAULT_PARALLEL_MIN_SAMPLES;
  const maxBlockBytes = options.maxBlockBytes ?? BLOCK_BYTES;
  const maxSlice = (d: number) =>
    options.maxSliceSamples !== undefined ? Math.max(4, Math.floor(options.maxSliceSamples)) : defaultMaxSliceSamples(d);

  let pool: Promise<MomentWorkerPool | undefined> | undefined;
  let disposed = false;
  let poolTurn: Promise<unknown> = Promise.resolve();

  /** Merges every block of the batch loaded on the calling thread. */
  function mergeLocally(merge: RowBlockMerge, d: number): void {
    const rows = blockRows(d, maxBlockBytes, 1);
    for (let i0 = 0; i0 < d; i0 += rows) {
      const { block, stride } = local.rows(i0, i0 + rows);
      merge.rows(i0, Math.min(d, i0 + rows), block, stride, i0);
    }
  }

  /** Merges every block of the batch loaded on the pool, as the workers send them (in any order: each entry is merged once). */
  async function mergeFromPool(p: MomentWorkerPool, merge: RowBlockMerge, d: number): Promise<void> {
    const rows = blockRows(d, maxBlockBytes, p.size);
    const dp = (d + 3) & ~3;
    const tasks: Promise<void>[] = [];
    for (let i0 = 0; i0 < d; i0 += rows) {
      const bytes = (Math.min(dp, i0 + rows) - i0) * (dp - i0) * 8;
      tasks.push(
        p.rows(i0, i0 + rows, bytes).then(({ block, stride }) => {
          merge.rows(i0, Math.min(d, i0 + rows), block, stride, i0);
          p.recycle(block.buffer as ArrayBuffer);
        }),
      );
    }
    await Promise.all(tasks);
  }

  /** Whether a slice of n samples of d units is worth the workers. */
  const worthThePool = (n: number, d: number) => threads > 1 && n * d * d >= threshold && n >= minSamples;
  const workers = () => (pool ??= createMomentWorkerPool(threads, module, momentTileEngine.toString()));
  /** Runs `job` once the pool has finished the slices before it (it holds one loaded batch per worker at a time). */
  function onPool<T>(job: () => Promise<T>): Promise<T> {
    const turn = poolTurn.then(job);
    poolTurn = turn.catch(() => {});
    return turn;
  }

  /** Samples [s0, s1) loaded on `worker` alone, and all their blocks of rows from it (or none when float32 cannot carry them). */
  async function sliceOnWorker(p: MomentWorkerPool, worker: number, data: Float32Array, rowLength: number, d: number, s0: number, s1: number) {
    const loaded = await p.load(data, rowLength, d, s0, s1, worker);
    if (sumsOutOfFloat32Range(s1 - s0, loaded.mean, loaded.sumsq)) return { ...loaded, exact: true, blocks: [] };
    const rows = blockRows(d, maxBlockBytes, 1);
    const dp = (d + 3) & ~3;
    const blocks: Promise<RowBlock & { i0: number }>[] = [];
    for (let i0 = 0; i0 < d; i0 += rows) blocks.push(p.rows(i0, i0 + rows, (Math.min(dp, i0 + rows) - i0) * (dp - i0) * 8, worker).then((b) => ({ ...b, i0 })));
    return { ...loaded, exact: false, blocks: await Promise.all(blocks) };
  }

  /**
   * Merges slices side by side: slice k is loaded and multiplied on worker k alone (each worker
   * centres only its own samples), and the slices are merged into `total` in order, each whole
   * before the next, as one thread merges them: the same bits.
   */
  async function accumulateSideBySide(p: MomentWorkerPool, total: BatchMoments, data: Float32Array, rowLength: number, d: number, slices: [number, number][], exponents?: Int32Array): Promise<void> {
    const runs = slices.map(([s0, s1], worker) => sliceOnWorker(p, worker, data, rowLength, d, s0, s1));
    for (const run of runs) run.catch(() => {}); // each is awaited in order below; this keeps a later failure from going unhandled meanwhile
    const rows = blockRows(d, maxBlockBytes, 1);
    for (let k = 0; k < slices.length; k++) {
      const [s0, s1] = slices[k];
      const { mean, exact, blocks } = await runs[k];
      if (exact) {
        accumulateMomentsReference(total, samplesOf(data, rowLength, d, s0, s1), d, s1 - s0, exponents);
        continue;
      }
      const merge = new RowBlockMerge(total, s1 - s0, mean, exponents);
      for (const { block, stride, i0 } of blocks) {
        merge.rows(i0, Math.min(d, i0 + rows), block, stride, i0);
        p.recycle(block.buffer as ArrayBuffer);
      }
      merge.finish();
    }
  }

  /** Merges samples [s0, s1) of the batch into `total`. */
  async function accumulateSlice(total: BatchMoments, data: Float32Array, rowLength: number, d: number, s0: number, s1: number, exponents?: Int32Array): Promise<void> {
    const n = s1 - s0;
    const p = worthThePool(n, d) ? await workers() : undefined;
    const run = async () => {
      // On the calling thread nothing is awaited from load to finish: no other batch can interleave.
      const { mean, sumsq } = p ? await p.load(data, rowLength, d, s0, s1) : local.load(data, rowLength, d, s0, s1);
      // Values beyond float32's range for squares: this slice is done exactly, in float64.
      if (sumsOutOfFloat32Range(n, mean, sumsq)) return accumulateMomentsReference(total, samplesOf(data, rowLength, d, s0, s1), d, n, exponents);
      const merge = new RowBlockMerge(total, n, mean, exponents);
      if (p) await mergeFromPool(p, merge, d);
      else mergeLocally(merge, d);
      merge.finish();
    };
    if (!p) return run();
    await onPool(run);
  }

  async function accumulate(total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void> {
    if (disposed) throw new Error('the WASM moment kernel was disposed');
    checkBatch(data, d, n);
    if (total.d !== d) throw new Error(`cannot merge moments of ${total.d} and ${d} units`);
    if (n === 0 || d === 0) return;
    const slices = sliceRanges(n, maxSlice(d), BLOCK_SAMPLES);
    for (let k = 0; k < slices.length; ) {
      // Side by side where every slice of the group is worth the pool and their blocks of rows are small.
      const group = d * d * 8 <= SIDE_BY_SIDE_MAX_BYTES ? slices.slice(k, k + sideBySideCount(slices, k, threads)) : [slices[k]];
      const p = group.length > 1 && group.every(([s0, s1]) => worthThePool(s1 - s0, d)) ? await workers() : undefined;
      if (p) {
        await onPool(() => accumulateSideBySide(p, total, data, n, d, group, exponents));
        k += group.length;
      } else {
        await accumulateSlice(total, data, n, d, slices[k][0], slices[k][1], exponents);
        k++;
      }
    }
  }

  return {
    name: threads > 1 ? `wasm-simd x${threads} threads` : 'wasm-simd (1 thread)',
    accumulate,
    async batchMoments(data, d, n) {
      checkBatch(data, d, n);
      const total = emptyMoments(d);
      await accumulate(total, data, d, n);
      total.n = n;
      return total;
    },
    async dispose() {
      disposed = true;
      const p = await pool?.catch(() => undefined);
      pool = undefined;
      await p?.close();
    },
  };
}
