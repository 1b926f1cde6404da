// The CPU moment kernel: WASM SIMD (assembly/moments.ts), on every core.
//
// A batch (or, when it is larger than a slice, each slice of contiguous samples in turn) is loaded
// into a WASM instance (momentTileEngine: its own means in float64, centred values rounded to f32
// and packed, the f64 sums of their squares), then its co-moments are formed a block of rows at a
// time (the upper triangle of X_c X_c' by an f32x4 register-blocked micro-kernel that accumulates
// in f32 over blocks of 128 samples and adds each block to float64 accumulators) and each block is
// merged straight into the caller's running total (RowBlockMerge, ./merge.ts). So the WASM memory
// holds the batch and one block, never d x d values: the total is a JS Float64Array of its own
// (issue 15: a layer of 16,384 units no longer meets WASM's 4 GiB), and batchMoments() is the same
// into an empty total. With threads > 1 every worker of a pool (./worker-pool.ts) loads the batch
// and the blocks of rows go to whichever is idle; batches too small to repay the messaging run on
// the calling thread. Every entry is formed the same way on either path, so one and two threads
// give the same bits. A batch whose centred values would overflow (or underflow) float32 products
// is done exactly in float64 instead (./range-check.ts, decided before any block is merged).
import { RowBlockMerge, emptyMoments } from './merge.js';
import { hardwareConcurrency } from '../../platform/workers.js';
import { createMomentWorkerPool, type LoadedBatch, type MomentWorkerPool, type RowBlock } from './worker-pool.js';
import { WasmInstance, wasmModule, type WasmExports } from '../wasm-module.js';
import type { BatchMoments, MomentKernel } from './contract.js';
import { samplesOf, sumsOutOfFloat32Range } from './range-check.js';
import { accumulateMomentsReference } from './reference.js';

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
  /** The compiled kernels (default: wasmModule()). */
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
  const module = options.module ?? (await wasmModule());
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

  /** Merges samples [s0, s1) of the batch into `total`. */
  async function accumulateSlice(total: BatchMoments, data: Float32Array, rowLength: number, d: number, s0: number, s1: number, exponents?: Int32Array): Promise<void> {
    const n = s1 - s0;
    const p = threads > 1 && n * d * d >= threshold && n >= minSamples ? await (pool ??= createMomentWorkerPool(threads, module, momentTileEngine.toString())) : undefined;
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
    // The pool holds one loaded batch at a time: slices on it run one after another.
    const turn = poolTurn.then(run);
    poolTurn = turn.catch(() => {});
    await turn;
  }

  async function accumulate(total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void> {
    if (disposed) throw new Error('the WASM moment kernel was disposed');
    checkBatch(data, d, n);
    if (total.d !== d) throw new Error(`cannot merge moments of ${total.d} and ${d} units`);
    if (n === 0 || d === 0) return;
    const len = maxSlice(d);
    for (let s0 = 0; s0 < n; s0 += len) await accumulateSlice(total, data, n, d, s0, Math.min(n, s0 + len), exponents);
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
