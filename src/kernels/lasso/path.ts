// The plumbing of a whole path that the reference and the WASM solver share: the order in which
// positive penalties are solved (decreasing, warm-started), the layout of the inputs and outputs,
// and what both leave to plain TypeScript (alpha 0, no predictors, `converged`).

import { leastSquaresGram } from './least-squares.js';
import type { LassoPathResult, LassoProblem } from './contract.js';

/** Indices of the positive alphas, largest first (ties in the caller's order): the path order. */
export function pathOrder(alphas: readonly number[]): number[] {
  const idx: number[] = [];
  for (let k = 0; k < alphas.length; k++) if (alphas[k] > 0) idx.push(k);
  return idx.sort((a, b) => alphas[b] - alphas[a] || a - b);
}

/** Per-target outputs of the coordinate-descent path, positive alphas in path order. */
export interface TargetPathOutput {
  /** m x d: the coefficients at each alpha of the path order. */
  coef: Float64Array;
  residual: Float64Array;
  gap: Float64Array;
  iterations: Int32Array;
  newtonSteps: Int32Array;
  /** When given (tests): the size of the active set at the end of each penalty, its largest. */
  activeSize?: Int32Array;
}

/** Transposes the d x t cross-moments into t contiguous rows of d. */
export function crossByTarget(cross: Float64Array, d: number, t: number): Float64Array {
  const out = new Float64Array(t * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < t; j++) out[j * d + i] = cross[i * t + j];
  return out;
}

/** Empty per-alpha outputs of the right sizes. */
export function emptyPathResult(alphas: readonly number[], d: number, t: number): LassoPathResult {
  return {
    alphas: [...alphas],
    coef: alphas.map(() => new Float64Array(d * t)),
    residual: alphas.map(() => new Float64Array(t)),
    gap: alphas.map(() => new Float64Array(t)),
    iterations: alphas.map(() => new Int32Array(t)),
    newtonSteps: alphas.map(() => new Int32Array(t)),
    converged: true,
    rank: null,
  };
}

/** Copies one target's path-order outputs into the caller-order result. */
export function scatterTarget(result: LassoPathResult, order: readonly number[], out: TargetPathOutput, d: number, t: number, j: number): void {
  for (let m = 0; m < order.length; m++) {
    const k = order[m];
    const coef = result.coef[k];
    for (let i = 0; i < d; i++) coef[i * t + j] = out.coef[m * d + i];
    result.residual[k][j] = out.residual[m];
    result.gap[k][j] = out.gap[m];
    result.iterations[k][j] = out.iterations[m];
    result.newtonSteps[k][j] = out.newtonSteps[m];
  }
}

/**
 * Fills in what the coordinate-descent part does not: the alpha-0 entries (least squares), the
 * positive alphas when there are no predictors (w = 0, residual v), and `converged`.
 */
export function finishPath(problem: LassoProblem, result: LassoPathResult, tol: number): LassoPathResult {
  const { d, t, targetVar } = problem;
  if (result.alphas.some((a) => a === 0)) {
    const ls = leastSquaresGram(problem);
    result.rank = ls.rank;
    result.alphas.forEach((a, k) => {
      if (a !== 0) return;
      result.coef[k].set(ls.coef);
      result.residual[k].set(ls.residual);
      result.gap[k].set(ls.gap);
    });
  }
  if (d === 0) result.alphas.forEach((a, k) => a > 0 && result.residual[k].set(targetVar));
  let converged = true;
  for (let k = 0; k < result.alphas.length; k++) {
    for (let j = 0; j < t; j++) if (!(result.gap[k][j] <= tol * targetVar[j])) converged = false;
  }
  result.converged = converged;
  return result;
}
