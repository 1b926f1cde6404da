// The LASSO path of many targets, solved a slice of targets at a time so that a long solve
// (fc1's 500 units: minutes) can report progress and let the event loop draw it. Each target's
// coordinate-descent path depends only on its own column of the problem, so the slices give the
// same numbers as one call; the least-squares map (alpha 0) is solved once for all targets.
import { lassoPath, type LassoOptions, type LassoPathResult, type LassoProblem } from '../../kernels/lasso/index.js';
import { emptyPathResult } from '../../kernels/lasso/path.js';
import { yieldToEventLoop } from '../../util/yield.js';

/**
 * At most this many slices: enough steps for a bar. Each slice costs the solver's set-up once
 * more (it inverts G for its Newton steps: about 0.3 s at 500 predictors), so a bar on fc1 costs
 * about 3 s of a solve that takes minutes; without a progress callback nothing is sliced.
 */
const SLICES = 10;
const MIN_SLICE = 32;

export async function lassoPathInSlices(
  problem: LassoProblem,
  alphas: readonly number[],
  options: LassoOptions,
  onTargets?: (done: number, total: number) => void,
): Promise<LassoPathResult> {
  const { d, t } = problem;
  const slice = Math.max(MIN_SLICE, Math.ceil(t / SLICES));
  if (!onTargets || t <= slice) return lassoPath(problem, alphas, options);
  // The least-squares map (alpha 0) is not on the coordinate-descent path: it is solved once for
  // all targets, as one call would, not once per slice (a factorisation of G each time).
  const merged = emptyPathResult(alphas, d, t);
  if (alphas.includes(0)) {
    const ls = await lassoPath(problem, [0], options);
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
    onTargets(t, t);
    return merged;
  }
  for (let j0 = 0; j0 < t; j0 += slice) {
    const n = Math.min(slice, t - j0);
    const cross = new Float64Array(d * n);
    for (let i = 0; i < d; i++) cross.set(problem.cross.subarray(i * t + j0, i * t + j0 + n), i * n);
    const part = await lassoPath({ gram: problem.gram, d, cross, t: n, targetVar: problem.targetVar.slice(j0, j0 + n) }, positive.map((k) => alphas[k]), options);
    positive.forEach((k, p) => {
      for (let i = 0; i < d; i++) merged.coef[k].set(part.coef[p].subarray(i * n, (i + 1) * n), i * t + j0);
      merged.residual[k].set(part.residual[p], j0);
      merged.gap[k].set(part.gap[p], j0);
      merged.iterations[k].set(part.iterations[p], j0);
      merged.newtonSteps[k].set(part.newtonSteps[p], j0);
    });
    merged.converged &&= part.converged;
    onTargets(j0 + n, t);
    await yieldToEventLoop(); // let the bar draw
  }
  return merged;
}
