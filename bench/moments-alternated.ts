// The moment bench (`npm run bench -- moments`, part `moments`): our WASM SIMD kernel on 1 and 2
// threads against numpy's centred X'X in float32 and float64 with its BLAS on 1 and 2 threads, at
// d = 256, 1024 and 1536 on the same batch sizes. Every configuration runs once per round, in turn
// (ours 1 thread, numpy 1 thread, ours 2 threads, numpy 2 threads, ...), for several rounds, and
// each is summarised by the median of its rounds: a change in the machine's load falls on all of
// them alike (issue 15: best-of-three of ours against one numpy run after ours read 6.55x under
// load). Each measurement repeats the product for about half a second after a warm-up.
// GFLOP/s count 2 n d^2 flops per batch, as the full product X_c X_c' would take, although ours
// computes only the upper triangle of tiles (about half of that).
import { createWasmMomentKernel } from '../src/kernels/moments/wasm.js';
import type { MomentKernel } from '../src/kernels/moments/contract.js';
import { alternate, benchRounds, loadLine, median, pause } from './alternation.js';
import { NumpyMomentWorker, type NumpyDtype } from './moments-numpy.js';
import { randomBatch, timeIt } from './util.js';

export interface MomentMeasurement {
  /** 'ours' or 'numpy'. */
  tool: string;
  /** 'wasm-simd' for ours, the dtype for numpy. */
  variant: string;
  threads: number;
  d: number;
  n: number;
  /** Median over the rounds, GFLOP/s. */
  gflops: number;
  /** Every round's GFLOP/s, in order. */
  rounds: number[];
}

export interface AlternatedMoments {
  rows: MomentMeasurement[];
  numpyVersion: string | null;
  /** Why numpy is missing, when it is. */
  numpyMissing?: string;
  loadBefore: string;
  loadAfter: string;
}

/** 1,536: conv3 and conv4 of four AlexNets, the study's widest conv layer (issue 15). */
const SIZES = [256, 1024, 1536];
const THREADS = [1, 2];
const DTYPES: NumpyDtype[] = ['float32', 'float64'];
const MEASURE_SECONDS = 0.5;
/** Before each measurement: long enough for OpenBLAS's and OpenMP's idle threads to stop spinning. */
const SETTLE_MS = 200;
const MAX_BATCH_BYTES = 128 * 1024 * 1024;

/** Samples per batch at d: 128 MB of float32, a multiple of 256 (as the bench has always used). */
export function momentBatchSamples(d: number): number {
  return Math.max(256, Math.floor(MAX_BATCH_BYTES / (4 * d) / 256) * 256);
}

export async function benchMomentsAlternated(): Promise<AlternatedMoments> {
  const rounds = benchRounds(5);
  const loadBefore = loadLine();
  const kernels = new Map<number, MomentKernel>();
  const workers = new Map<number, NumpyMomentWorker>();
  let numpyMissing: string | undefined;
  try {
    for (const t of THREADS) kernels.set(t, await createWasmMomentKernel({ threads: t }));
    for (const t of THREADS) {
      const w = await NumpyMomentWorker.start(t);
      if (w) workers.set(t, w);
      else numpyMissing = '/usr/bin/python3 with numpy not found';
    }
    const rows: MomentMeasurement[] = [];
    for (const d of SIZES) {
      const n = momentBatchSamples(d);
      const data = randomBatch(d, n);
      const steps: [string, () => Promise<number>][] = [];
      for (const t of THREADS) {
        const kernel = kernels.get(t)!;
        await kernel.batchMoments(data, d, n); // warm-up: tier-up, workers, memory growth
        steps.push([`ours wasm-simd ${t}`, async () => {
          await pause(SETTLE_MS);
          return timeIt(() => kernel.batchMoments(data, d, n), MEASURE_SECONDS);
        }]);
        const worker = workers.get(t);
        for (const dtype of worker ? DTYPES : []) {
          steps.push([`numpy ${dtype} ${t}`, async () => {
            await pause(SETTLE_MS);
            return worker!.measure(d, n, dtype, MEASURE_SECONDS);
          }]);
        }
      }
      const seconds = await alternate(rounds, steps);
      for (const [key, runs] of Object.entries(seconds)) {
        const [tool, variant, threads] = key.split(' ');
        const gflops = runs.map((s) => (2 * n * d * d) / s / 1e9);
        rows.push({ tool, variant, threads: Number(threads), d, n, gflops: median(gflops), rounds: gflops });
      }
    }
    const numpyVersion = workers.get(1)?.version ?? null;
    return { rows, numpyVersion, numpyMissing, loadBefore, loadAfter: loadLine() };
  } finally {
    for (const k of kernels.values()) await k.dispose();
    for (const w of workers.values()) await w.close();
  }
}

/** numpy's fastest `dtype` setting at d on at most `cores` threads: its GFLOP/s and thread count. */
export function bestNumpy(rows: MomentMeasurement[], d: number, dtype: NumpyDtype, cores: number): MomentMeasurement | undefined {
  return rows.filter((r) => r.tool === 'numpy' && r.d === d && r.variant === dtype && r.threads <= cores).sort((a, b) => b.gflops - a.gflops)[0];
}

const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
const ratio = (ours: number, best: MomentMeasurement | undefined) =>
  best ? `${(ours / best.gflops).toFixed(2)}x (${best.threads === 1 ? '1 thread' : `${best.threads} threads`})` : '-';

/**
 * The markdown table: our rows with the ratio against numpy's best setting on as many cores as
 * ours used (1 thread: numpy on 1; 2 threads: the faster of numpy on 1 and on 2), then numpy's
 * rows. `extra` are rows measured elsewhere (WebGPU), compared with numpy's best on every core.
 */
export function formatMomentsTable(r: AlternatedMoments, extra: { name: string; d: number; n: number; gflops: number }[], cores: number): string[] {
  const rounds = r.rows[0]?.rounds.length ?? 0;
  const lines = [
    `Measured alternately: ${rounds} rounds, each configuration once per round in turn; median GFLOP/s of the rounds (range in brackets). ` +
      `Ratios are against numpy's fastest BLAS thread setting on as many cores as ours uses (the setting in brackets). ` +
      `Load before: ${r.loadBefore}; after: ${r.loadAfter}.`,
    '',
    '| kernel | d | n | GFLOP/s median (range) | vs numpy float32, best setting | vs numpy float64, best setting |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.rows.filter((x) => x.tool === 'ours')) {
    const name = `ours wasm-simd d=${row.d} (${row.threads === 1 ? '1 thread' : `${row.threads} threads`})`;
    lines.push(
      `| ${name} | ${row.d} | ${row.n} | ${row.gflops.toFixed(1)} (${spread(row.rounds)}) | ${ratio(row.gflops, bestNumpy(r.rows, row.d, 'float32', row.threads))} | ${ratio(row.gflops, bestNumpy(r.rows, row.d, 'float64', row.threads))} |`,
    );
  }
  for (const e of extra) {
    lines.push(`| ${e.name} | ${e.d} | ${e.n} | ${e.gflops.toFixed(1)} | ${ratio(e.gflops, bestNumpy(r.rows, e.d, 'float32', cores))} | ${ratio(e.gflops, bestNumpy(r.rows, e.d, 'float64', cores))} |`);
  }
  for (const row of r.rows.filter((x) => x.tool === 'numpy')) {
    lines.push(`| numpy ${row.variant} (x - mean).T @ (x - mean), BLAS ${row.threads === 1 ? '1 thread' : `${row.threads} threads`} | ${row.d} | ${row.n} | ${row.gflops.toFixed(1)} (${spread(row.rounds)}) | | |`);
  }
  if (r.numpyMissing) lines.push('', `numpy: not measured (${r.numpyMissing}); no ratio`);
  else lines.push('', `numpy ${r.numpyVersion}, OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = 1 or 2 in two processes that wait while the other side runs.`);
  if (extra.length > 0) lines.push('WebGPU rows: measured in a process of their own before the alternated rounds (one measurement of about a second each), compared with numpy\'s medians.');
  return lines;
}
