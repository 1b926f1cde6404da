// The LASSO path of many targets, solved a slice of targets at a time so that a long solve
// (fc1's 500 units: minutes; fc6's 4,096: hours on one thread) can report progress and let the
// event loop draw it, and, in Node, on worker threads (src/kernels/lasso/parallel.ts), one slice
// per idle worker. Each target's coordinate-descent path depends only on its own column of the
// problem, so the slices give the same numbers as one call, bit for bit; the least-squares map
// (alpha 0) is solved once for all targets, and G^-1 once for all slices.
import { lassoPath, type LassoOptions, type LassoPathResult, type LassoProblem } from '../../kernels/lasso/index.js';
import { emptyPathResult } from '../../kernels/lasso/path.js';
import { gramInverseWasm } from '../../kernels/lasso/wasm.js';
import { createLassoPool, shared as sharedCopy } from '../../kernels/lasso/parallel.js';
import { hardwareConcurrency } from '../../platform/workers.js';
import { yieldToEventLoop } from '../../util/yield.js';

/**
 * At most this many slices: enough steps for a bar. G^-1 (the Newton steps' complement mode,
 * O(d^3), in WASM: tens of seconds at 4,096 predictors) is computed once here and shared by
 * every slice; without a progress callback nothing is sliced.
 */
const SLICES = 10;
const MIN_SLICE = 32;

export interface SliceOptions extends LassoOptions {
  /** Worker threads solving slices at once (default: the logical cores; 1: this thread only). */
  threads?: number;
}

export async function lassoPathInSlices(
  problem: LassoProblem,
  alphas: readonly number[],
  options: SliceOptions,
  onTargets?: (done: number, total: number) => void,
): Promise<LassoPathResult> {
  const { d, t } = problem;
  const { threads: threadOption, ...lassoOptions } = options;
  const threads = Math.max(1, Math.min(threadOption ?? (await hardwareConcurrency()), Math.ceil(t / MIN_SLICE)));
  const slices = threads > 1 ? SLICES * threads : SLICES;
  const slice = Math.max(MIN_SLICE, Math.ceil(t / slices));
  if ((!onTargets && threads === 1) || t <= slice) {
    const whole = await lassoPath(problem, alphas, lassoOptions);
    onTargets?.(t, t);
    return whole;
  }
  // The least-squares map (alpha 0) is not on the coordinate-descent path: it is solved once for
  // all targets, as one call would, not once per slice (a factorisation of G each time).
  const merged = emptyPathResult(alphas, d, t);
  if (alphas.includes(0)) {
    const ls = await lassoPath(problem, [0], lassoOptions);
    alphas.forEach((a, k) => {
      if (a !== 0) return;
      merged.coef[k] = ls.coef[0];
      merged.residual[k] = ls.residual[0];
      merged.gap[k] = ls.gap[0];
    });
    merged.rank = ls.rank;
    merged.converged = ls.converged;
  }
  const positive = alphas.flatMap((a, k) => (a > 0 ? [k] : []));
  if (positive.length === 0) {
    onTargets?.(t, t);
    return merged;
  }
  // Where workers cannot start (no compiled worker next to the sources, a platform without
  // threads) the slices run here: the same numbers, only slower.
  const pool = threads > 1 ? await createLassoPool(threads).catch(() => undefined) : undefined;
  const inverse = lassoOptions.newton === false ? null : lassoOptions.gramInverse !== undefined ? lassoOptions.gramInverse : await gramInverseWasm(problem.gram, d);
  // Shared memory for the workers: G and G^-1 are posted to each slice without a copy.
  const gram = pool ? sharedCopy(problem.gram) : problem.gram;
  const common = { ...lassoOptions, gramInverse: pool && inverse ? sharedCopy(inverse) : inverse };
  const penalties = positive.map((k) => alphas[k]);
  let done = 0;
  const solveSlice = async (j0: number) => {
    const n = Math.min(slice, t - j0);
    const cross = new Float64Array(d * n);
    for (let i = 0; i < d; i++) cross.set(problem.cross.subarray(i * t + j0, i * t + j0 + n), i * n);
    const part: LassoPathResult = await (pool ?? inProcess).solve({ gram, d, cross, t: n, targetVar: problem.targetVar.slice(j0, j0 + n) }, penalties, common);
    positive.forEach((k, p) => {
      for (let i = 0; i < d; i++) merged.coef[k].set(part.coef[p].subarray(i * n, (i + 1) * n), i * t + j0);
      merged.residual[k].set(part.residual[p], j0);
      merged.gap[k].set(part.gap[p], j0);
      merged.iterations[k].set(part.iterations[p], j0);
      merged.newtonSteps[k].set(part.newtonSteps[p], j0);
    });
    merged.converged &&= part.converged;
    done += n;
    onTargets?.(done, t);
    if (!pool) await yieldToEventLoop(); // let the bar draw
  };
  try {
    const starts = Array.from({ length: Math.ceil(t / slice) }, (_, i) => i * slice);
    // Every slice is queued at once: the pool hands them to its workers as they come free.
    await Promise.all(pool ? starts.map(solveSlice) : [starts.reduce((chain, j0) => chain.then(() => solveSlice(j0)), Promise.resolve())]);
  } finally {
    await pool?.close();
  }
  return merged;
}

/** This thread as a pool of one. */
const inProcess = { solve: (problem: LassoProblem, alphas: number[], options: LassoOptions) => lassoPath(problem, alphas, options) };
