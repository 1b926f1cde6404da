// Alpha 0: the least-squares map from moments (see reference.ts, "Alpha 0"), by pivoted Cholesky
// with iterative refinement; predictors beyond the numerical rank get weight 0.

import { choleskyBackwardRows, choleskyForwardRows, choleskySolveRows, pivotedCholesky } from './cholesky.js';
import { REFINE_TOL, type LassoProblem } from './contract.js';
import { axpyNeg } from './vector-ops.js';

/**
 * The least-squares map (alpha 0) for every target: pivoted Cholesky of G, then up to two steps
 * of iterative refinement for targets whose gap exceeds REFINE_TOL * v. Returns coef (d x t
 * row-major), residual, gap (see the header) and the rank used.
 */
export function leastSquaresGram(problem: LassoProblem): { coef: Float64Array; residual: Float64Array; gap: Float64Array; rank: number } {
  const { gram, d, cross, t, targetVar } = problem;
  const { a, perm, rank: r } = pivotedCholesky(gram, d);
  const cs = new Float64Array(r * t); // c_S in pivoted order
  for (let i = 0; i < r; i++) cs.set(cross.subarray(perm[i] * t, perm[i] * t + t), i * t);
  const ws = Float64Array.from(cs);
  choleskySolveRows(a, d, r, ws, t);
  const res = new Float64Array(r * t);
  const delta = new Float64Array(r * t);
  const gap = new Float64Array(t);
  for (let step = 0; ; step++) {
    // res = c_S - G_SS w_S; delta = L^-1 res, so that 1/2 res' G_SS^-1 res = 1/2 ||delta||^2.
    res.set(cs);
    for (let i = 0; i < r; i++) {
      const gi = perm[i] * d;
      for (let k = 0; k < r; k++) {
        const gik = gram[gi + perm[k]];
        if (gik !== 0) axpyNeg(res, i * t, gik, ws, k * t, t);
      }
    }
    delta.set(res);
    choleskyForwardRows(a, d, r, delta, t);
    gap.fill(0);
    for (let i = 0; i < r; i++) for (let j = 0; j < t; j++) gap[j] += 0.5 * delta[i * t + j] * delta[i * t + j];
    let refine = false;
    for (let j = 0; j < t; j++) if (gap[j] > REFINE_TOL * targetVar[j]) refine = true;
    if (!refine || step === 2) break;
    choleskyBackwardRows(a, d, r, delta, t);
    for (let i = 0; i < r * t; i++) ws[i] += delta[i];
  }
  const coef = new Float64Array(d * t);
  for (let i = 0; i < r; i++) coef.set(ws.subarray(i * t, i * t + t), perm[i] * t);
  // R2 = v - c'w - w'(c - Gw) on S.
  const residual = new Float64Array(t);
  for (let j = 0; j < t; j++) {
    let cw = 0;
    let wr = 0;
    for (let i = 0; i < r; i++) {
      cw += cs[i * t + j] * ws[i * t + j];
      wr += ws[i * t + j] * res[i * t + j];
    }
    residual[j] = targetVar[j] - cw - wr;
  }
  return { coef, residual, gap, rank: r };
}
