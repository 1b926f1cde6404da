// The CPU moment kernel: WASM SIMD (assembly/moments.ts), on every core.
//
// A batch is cut into slices of contiguous samples. Each slice's moments are computed by one WASM
// instance (computeSliceMoments: its own means in float64, centred values rounded to f32, the upper
// triangle of X_c X_c' by an f32x4 register-blocked micro-kernel that accumulates in f32 over
// blocks of 128 samples and adds each block to float64 accumulators), and the slices are merged
// exactly in float64 (mergeMomentsInto, Chan et al.). With threads > 1 the slices go to a pool of
// workers (./worker-pool.ts), each with its own instance of the shared compiled
// module; batches too small to repay the messaging run on the calling thread. Slices are also
// bounded in size so that WASM memory stays bounded (a few tens of MB) whatever the batch.
// Slices are copied out of the caller's batch while earlier ones are computed: the batch must not
// change until batchMoments resolves. dispose() terminates the workers. A batch whose values
// overflow (or underflow) float32 products is redone in float64 (src/kernels/moments/range-check.ts).
import { mergeMomentsInto } from './merge.js';
import { hardwareConcurrency } from '../../platform/workers.js';
import { createMomentWorkerPool, type MomentWorkerPool } from './worker-pool.js';
import { WasmInstance, wasmModule, type WasmExports } from '../wasm-module.js';
import type { BatchMoments, MomentKernel } from './contract.js';
import { exactIfOutOfFloat32Range } from './range-check.js';

export interface WasmMomentKernelOptions {
  /** Threads (workers) for large batches. Default: the platform's logical core count. 1: no workers. */
  threads?: number;
  /**
   * Batches with n * d * d below this run on the calling thread even when threads > 1, since
   * posting them to workers would cost more than it saves. Default: DEFAULT_PARALLEL_THRESHOLD.
   */
  parallelThreshold?: number;
  /**
   * Batches with fewer samples than this per thread also stay on the calling thread (each worker
   * slice costs a few d x d passes: its own m2, a merge). Default: DEFAULT_PARALLEL_MIN_SAMPLES.
   */
  parallelMinSamples?: number;
  /** Most samples per slice (default: about 32 MB of f32 input per slice). Mainly for tests. */
  maxSliceSamples?: number;
  /** The compiled kernels (default: wasmModule()). */
  module?: WebAssembly.Module;
}

/**
 * n * d * d below which a batch stays on the calling thread. Measured on 2 cores (Node 20, x64):
 * two workers break even near n d^2 = 2^25 for small d (d = 32: n = 32768; d = 64: n = 8192);
 * below that the copies and messages cost more than half the compute.
 */
export const DEFAULT_PARALLEL_THRESHOLD = 2 ** 25;

/**
 * Samples per thread below which a batch stays on the calling thread. Measured on 2 cores: at
 * d = 1024 two workers lose at n = 1024 and win at n = 2048 (each slice's d x d result is
 * copied, merged and mirrored on the way); at d = 256 they break even near n = 1024.
 */
export const DEFAULT_PARALLEL_MIN_SAMPLES = 1024;

/**
 * Samples per f32 accumulation block. Each lane of an f32x4 accumulator sums BLOCK_SAMPLES / 4
 * products before the block goes into float64. Measured on ReLU-like activations with shared
 * latents (d = 256..512, every pair): max correlation error 3.1e-7 at 128 samples, 6.4e-7 at 256
 * (too near the 1e-6 the tool promises); on the 33-unit ReLU fixture 1.5e-7 at 128, 3e-7 at 256,
 * 1.6e-6 at 1024. 128 costs about 5 % of speed over 256.
 */
export const BLOCK_SAMPLES = 128;

/** The WASM exports the slice computation uses. */
export type MomentExports = Pick<WasmExports, 'memory' | 'heapBase' | 'momentsCentre' | 'momentsBlocks' | 'momentsMirror'>;

/**
 * The moments of samples [s0, s1) of `data` (d rows of `rowLength` samples, unit-major), computed
 * on the WASM instance `ex`. s1 > s0 and d > 0. The result's arrays are not views of WASM memory
 * (transferable); m2 goes into `m2Buffer` when one of exactly 8 d^2 bytes is given, saving a fresh
 * allocation (page faults) per slice.
 *
 * This function is also the code of the workers: its source text is evaluated there, so it must
 * not reference anything outside itself (no imports, no module-level constants).
 */
export function computeSliceMoments(
  ex: MomentExports,
  data: Float32Array,
  rowLength: number,
  d: number,
  s0: number,
  s1: number,
  m2Buffer?: ArrayBuffer,
): BatchMoments {
  const blockGroups = 32; // 128 samples per f32 block: BLOCK_SAMPLES / 4 (kept literal: worker code)
  const n = s1 - s0;
  const dp = (d + 3) & ~3;
  const groups = (n + 3) >> 2;
  const align = (offset: number) => (offset + 15) & ~15;
  const xOff = align(Number(ex.heapBase()));
  const pOff = align(xOff + d * n * 4);
  const meanOff = align(pOff + dp * groups * 16);
  const accOff = align(meanOff + d * 8);
  const outOff = align(accOff + dp * dp * 8);
  const end = outOff + d * d * 8;
  const pages = Math.ceil(end / 65536) - ex.memory.buffer.byteLength / 65536;
  if (pages > 0) ex.memory.grow(pages);
  const buffer = ex.memory.buffer;

  const x = new Float32Array(buffer, xOff, d * n);
  if (s0 === 0 && rowLength === n) x.set(data.subarray(0, d * n));
  else for (let u = 0; u < d; u++) x.set(data.subarray(u * rowLength + s0, u * rowLength + s1), u * n);
  ex.momentsCentre(xOff, d, dp, n, pOff, meanOff);

  new Float64Array(buffer, accOff, dp * dp).fill(0);
  // Several calls rather than one: V8 tiers a WASM function up between calls, not within one.
  // About 2^25 multiply-adds per call (a few ms), and whole blocks.
  const chunk = Math.max(blockGroups, Math.floor(2 ** 24 / (dp * dp) / blockGroups) * blockGroups);
  for (let g = 0; g < groups; g += chunk) ex.momentsBlocks(pOff, groups, dp, g, Math.min(groups, g + chunk), blockGroups, accOff);
  ex.momentsMirror(accOff, dp, d, outOff);

  const m2View = new Float64Array(buffer, outOff, d * d);
  let m2: Float64Array;
  if (m2Buffer && m2Buffer.byteLength === d * d * 8) {
    m2 = new Float64Array(m2Buffer, 0, d * d);
    m2.set(m2View);
  } else {
    m2 = m2View.slice();
  }
  return { n, d, mean: new Float64Array(buffer, meanOff, d).slice(), m2 };
}

/** Most samples per slice for d units: about 8 Mi f32 values (32 MB) of input, whole blocks. */
export function defaultMaxSliceSamples(d: number): number {
  return Math.max(BLOCK_SAMPLES, Math.floor((8 * 1024 * 1024) / Math.max(d, 1) / BLOCK_SAMPLES) * BLOCK_SAMPLES);
}

function checkBatch(data: Float32Array, d: number, n: number): void {
  if (!(data instanceof Float32Array)) throw new TypeError('the WASM moment kernel takes a Float32Array');
  if (!Number.isInteger(d) || d < 0 || !Number.isInteger(n) || n < 0) throw new RangeError(`bad batch shape ${d} x ${n}`);
  if (data.length !== d * n) throw new Error(`batch has ${data.length} values, expected ${d} units x ${n} samples`);
}

/**
 * Makes m2 exactly symmetric again after merges: the Chan update rounds (i, j) and (j, i) apart
 * (delta_i * factor * delta_j vs delta_j * factor * delta_i), by an ulp or so.
 */
function symmetrize(m: BatchMoments): BatchMoments {
  const { d, m2 } = m;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m2[j * d + i] = m2[i * d + j];
  return m;
}

/** Splits n samples into `count` contiguous slices, multiples of 4 long except the last. */
function slices(n: number, count: number): [number, number][] {
  const len = Math.max(4, Math.ceil(n / count / 4) * 4);
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += len) out.push([s, Math.min(n, s + len)]);
  return out;
}

export async function createWasmMomentKernel(options: WasmMomentKernelOptions = {}): Promise<MomentKernel> {
  const module = options.module ?? (await wasmModule());
  const local = await WasmInstance.create(module);
  const ex: MomentExports = local.exports;
  const requested = options.threads ?? (await hardwareConcurrency());
  const threads = Math.max(1, Math.floor(requested));
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  const minSamples = options.parallelMinSamples ?? DEFAULT_PARALLEL_MIN_SAMPLES;
  const maxSlice = (d: number) =>
    options.maxSliceSamples !== undefined ? Math.max(4, Math.floor(options.maxSliceSamples)) : defaultMaxSliceSamples(d);

  let pool: Promise<MomentWorkerPool | undefined> | undefined;
  let disposed = false;

  function onThisThread(data: Float32Array, d: number, n: number): BatchMoments {
    const parts = slices(n, Math.ceil(n / maxSlice(d)));
    if (parts.length === 1) return computeSliceMoments(ex, data, n, d, 0, n);
    const total = computeSliceMoments(ex, data, n, d, parts[0][0], parts[0][1]);
    let spare: ArrayBuffer | undefined;
    for (const [s0, s1] of parts.slice(1)) {
      const part = computeSliceMoments(ex, data, n, d, s0, s1, spare);
      mergeMomentsInto(total, part);
      spare = part.m2.buffer as ArrayBuffer;
    }
    return symmetrize(total);
  }

  async function onWorkers(p: MomentWorkerPool, data: Float32Array, d: number, n: number): Promise<BatchMoments> {
    let count = Math.max(p.size, Math.ceil(n / maxSlice(d)));
    count = Math.ceil(count / p.size) * p.size;
    const parts = slices(n, count);
    const results: (BatchMoments | undefined)[] = new Array(parts.length);
    let total: BatchMoments | undefined;
    let next = 0;
    let merged = 0;
    // One lane per worker: copy the next slice (while the other workers compute), post it, wait.
    const lane = async () => {
      while (next < parts.length) {
        const k = next++;
        const [s0, s1] = parts[k];
        const len = s1 - s0;
        const slice = new Float32Array(p.buffer(d * len * 4), 0, d * len);
        for (let u = 0; u < d; u++) slice.set(data.subarray(u * n + s0, u * n + s1), u * len);
        results[k] = await p.run(slice, d, len);
        // Merge in slice order, as results arrive, so the sum does not depend on timing. The first
        // result becomes the total; the others' m2 buffers go back to the pool for reuse.
        while (merged < parts.length && results[merged]) {
          const part = results[merged]!;
          results[merged++] = undefined;
          if (!total) {
            total = part;
          } else {
            mergeMomentsInto(total, part);
            p.recycle(part.m2.buffer as ArrayBuffer);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(p.size, parts.length) }, lane));
    return parts.length > 1 ? symmetrize(total!) : total!;
  }

  return {
    name: threads > 1 ? `wasm-simd x${threads} threads` : 'wasm-simd (1 thread)',
    async batchMoments(data, d, n) {
      if (disposed) throw new Error('the WASM moment kernel was disposed');
      checkBatch(data, d, n);
      if (n === 0 || d === 0) return { n, d, mean: new Float64Array(d), m2: new Float64Array(d * d) };
      let result: BatchMoments | undefined;
      if (threads > 1 && n * d * d >= threshold && n >= minSamples * threads) {
        pool ??= createMomentWorkerPool(threads, module, computeSliceMoments.toString());
        const p = await pool;
        if (p) result = await onWorkers(p, data, d, n);
      }
      result ??= onThisThread(data, d, n);
      // Values beyond float32's range for squares: this batch is redone exactly, in float64.
      return exactIfOutOfFloat32Range(result, d, n, () => data);
    },
    async dispose() {
      disposed = true;
      const p = await pool?.catch(() => undefined);
      pool = undefined;
      await p?.close();
    },
  };
}
