// LASSO regression from moments: the living definition (plain float64 TypeScript).
//
// Problem. Predictors x_1..x_d and targets y_1..y_t are known only through their second moments
// over n samples (centred, or standardized, by the caller):
//
//   gram  G = X'X / n         (d x d, symmetric positive semi-definite)
//   cross c_j = X'y_j / n     (column j of the d x t matrix `cross`)
//   targetVar v_j = y_j'y_j / n
//
// For each target and each penalty alpha >= 0 we minimise
//
//   P(w) = 1/2 w'Gw - c'w + 1/2 v + alpha ||w||_1  =  (1 / 2n) ||y - Xw||^2 + alpha ||w||_1,
//
// scikit-learn's Lasso objective (on centred data, i.e. with fit_intercept; on standardized data
// G is the correlation matrix, v = 1, and the coefficients are sklearn's on standardized data).
//
// Algorithm: cyclic coordinate descent on the Gram ("covariance") form (Friedman, Hastie &
// Tibshirani, "Regularization paths for generalized linear models via coordinate descent",
// J. Stat. Softw. 33(1), 2010), one target at a time along the whole path, with
//
//   * Warm starts. Positive penalties are solved in decreasing order, each from the previous
//     solution (the first from w = 0); results come back in the caller's order.
//   * Covariance updates. The gradient g = c - Gw is kept for the current w. Coordinate j's exact
//     minimiser is w_j' = S(g_j + G_jj w_j, alpha) / G_jj (S the soft threshold); after a change
//     delta, g -= delta G[:, j] (one axpy per coordinate that moved).
//   * Active-set cycling (a working set as in celer, Massias et al. ICML 2018, and skglm,
//     Bertrand et al. NeurIPS 2022). Sweeps run only over the active set A (in increasing index
//     order), on a compact copy of G_AA. Each penalty starts with A = the support of its warm
//     start. When the sub-problem on A is solved to the tolerance, w is scattered back, g is
//     recomputed from scratch over all d coordinates (g = c - sum over non-zero w_i of w_i G[i, :],
//     so no rounding drift survives), and the full duality gap is evaluated; then the coordinates
//     outside A with |g_i| > alpha (violators) join A, at most max(WS_MIN_GROWTH, |A|) of them,
//     those with the largest |g_i| first (working-set.ts). A never shrinks within a penalty, so it
//     ends up holding every violator if need be: the stopping rule below is the full problem's.
//     A coordinate with G_jj = 0 (a constant predictor) never moves.
//   * Anderson extrapolation (Bertrand & Massias, "Anderson acceleration of coordinate descent",
//     AISTATS 2021): after every ANDERSON_K + 1 sweeps without a Newton step, the extrapolation
//     sum_r c_r w_r of the first K of the last K + 1 iterates, with c = z / sum(z) and
//     (U'U) z = 1 for U the K successive differences, replaces w when it lowers the objective.
//     g is affine in w, so g of the extrapolated point is sum_r c_r g_r: no matrix product.
//   * Newton steps on the support (the "feature-sign" active-set step of Lee, Battle, Raina & Ng,
//     "Efficient sparse coding algorithms", NIPS 2006). After a sweep that changed no sign and no
//     zero pattern, with E the support and s its signs, the minimiser of the quadratic
//     1/2 w'Gw - c'w + alpha s'w over w_E (zero elsewhere) solves G_EE x = c_E - alpha s_E. If x
//     has the signs s it is the optimum on that orthant face and w jumps there; otherwise w moves
//     towards x up to the first sign change (the objective decreases all along, as the quadratic
//     is convex and agrees with P on the orthant), that coordinate leaves E, and the solve is
//     repeated (at most NEWTON_REPEAT times). The solve uses a Cholesky factor kept across steps
//     and penalties and updated by adding rows and by rank-one downdates as E changes:
//       - "direct" mode, factor of G_EE, while |E| <= d / 2;
//       - "complement" mode, factor of H_FF with H = G^-1 (computed once per call and shared by
//         every target) and F the d - |E| coordinates outside E, while |E| > d / 2, using
//         G_EE^-1 = H_EE - H_EF H_FF^-1 H_FE, so that the dense end of the path (nearly every
//         coordinate active) costs O(d |F|) per step plus O(d) per coordinate whose right-hand
//         side changed since the last step (y = H b is kept and updated, complement.ts). Only
//         when G is numerically non-singular (rank d below); otherwise direct mode throughout.
//     The gradient after a step follows from g being affine in w: g(x)_E = alpha s_E by
//     construction, the rest of A by dot products; after a sub-problem gap computed that way
//     disagreed with the gradient recomputed from scratch, the steps of that penalty recompute g.
//     When G_EE is singular (a pivot of the direct-mode factor fails: more predictors in E than
//     the rank, e.g. more units than samples), the failed row gives a null vector u of G_EE; the
//     objective is linear along u on the orthant face, so w moves along +-u (the way that does
//     not increase it) until a coordinate reaches 0 and leaves E, and the solve is repeated.
//     A step is taken only when it does not increase the objective (the objective computed from
//     the step's gradient), and a complement-mode pivot failure abandons the step, so coordinate
//     descent alone still decides in degenerate cases. `newton: false` turns these steps off
//     (plain coordinate descent with active sets and Anderson extrapolation).
//   * Stopping rule: the duality gap (as scikit-learn's enet_coordinate_descent_gram, divided by
//     n). With R2 = ||y - Xw||^2 / n = v - 2c'w + w'Gw = v - c'w - w'g and the dual point
//     theta = s (y - Xw), s = min(1, alpha / ||g||_inf):
//       gap = 1/2 R2 (1 + s^2) + alpha ||w||_1 - s (v - c'w)  >=  P(w) - min P.
//     Converged when gap <= tol * v (relative, hence scale-free; on standardized targets v = 1).
//     `iterations` counts sweeps over the active set; at maxIter sweeps for one (target, alpha)
//     the solver stops and reports that entry unconverged.
//   * Alpha 0 is plain least squares, solved directly (the duality gap is no certificate there:
//     the dual point is 0): Cholesky of G with symmetric pivoting (Golub & Van Loan, "Matrix
//     Computations", 4th ed., alg. 4.2.4), stopped when the largest remaining pivot is
//     <= RANK_TOL * max G_ii. When G is singular (or nearly: a predictor explained by the others
//     to 1 - 1e-10) the map uses only the `rank` predictors the pivoting chose and gives the
//     others weight 0 (a least-squares solution all the same when they are combinations of the
//     chosen ones; never a ridge). Up to two steps of iterative refinement while a target's gap
//     exceeds REFINE_TOL * v; the reported gap is the exact suboptimality
//     1/2 r'G_S^-1 r = 1/2 ||L^-1 r||^2 of the returned w on the chosen predictors S
//     (r = c_S - G_SS w_S).
//
// Floating point. Reductions that the WASM kernel vectorises (dot products in the factor and
// solves, U'U) are written here as eight interleaved partial sums (dot4: indices 8q + l go to sum
// l, combined as ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)), the tail added in order),
// which is exactly the order of four f64x2 accumulators; everything else is sequential or
// element-wise. assembly/lasso.ts does the positive-penalty part step for step in the same order,
// so the WASM solver returns these coefficients bit for bit (the tests check it).
//
// The files: contract.ts (types, constants, input check), path.ts (path order and result layout,
// shared with wasm.ts), cholesky.ts and least-squares.ts (alpha 0 and G^-1), work.ts (the
// per-target state), working-set.ts (the active set), anderson.ts, newton.ts, vector-ops.ts
// (dot4); this file runs the descent.

import { anderson } from './anderson.js';
import { gramInverse } from './cholesky.js';
import { newtonStep } from './newton.js';
import { crossByTarget, emptyPathResult, finishPath, pathOrder, scatterTarget, type TargetPathOutput } from './path.js';
import { ANDERSON_K, NEWTON_REPEAT, checkLassoInput, type LassoOptions, type LassoPathResult, type LassoProblem } from './contract.js';
import { axpyNeg } from './vector-ops.js';
import { LassoWork, gapOf } from './work.js';
import { growActiveSet, pruneToSupport } from './working-set.js';

/** Gap and objective (out[0], out[1]) of the sub-problem on the active set, from wa, ga (k entries). */
function subProblem(work: LassoWork, k: number, v: number, alpha: number, out: Float64Array): void {
  gapOf(work.ca, work.wa, work.ga, k, v, alpha, out);
}

/**
 * Coordinate descent over the positive penalties `alphasDesc` (decreasing) for one target with
 * cross-moments c (length d) and second moment v, writing into `out` (see TargetPathOutput).
 * `inv` is G^-1 (d x d) when G is numerically non-singular, else null (see the header).
 */
export function lassoTargetPath(
  gram: Float64Array,
  inv: Float64Array | null,
  d: number,
  c: Float64Array,
  v: number,
  alphasDesc: readonly number[],
  tol: number,
  maxIter: number,
  newton: boolean,
  work: LassoWork,
  out: TargetPathOutput,
): void {
  const { w, g, act, ga, wa, ca, diag, gaa, histW, histG } = work;
  const K = ANDERSON_K;
  const tolAbs = tol * v;
  const sub = new Float64Array(3);
  const full = new Float64Array(3);
  w.fill(0);
  work.factor.reset(0);
  work.hyFresh = false;
  for (let i = 0; i < d; i++) g[i] = c[i];
  let k = 0; // active set size; act[0..k) ascending
  for (let m = 0; m < alphasDesc.length; m++) {
    const alpha = alphasDesc[m];
    let sweeps = 0;
    let solves = 0;
    let gap = 0;
    let residual = 0;
    let stale = true; // the compact Gram does not match act
    let exact = false; // Newton steps recompute the gradient (after a sub-problem gap that misled)
    let claimed = false; // the last inner loop ended on its sub-problem gap
    k = pruneToSupport(work);
    for (;;) {
      // Full duality gap from the fresh gradient g.
      gapOf(c, w, g, d, v, alpha, full);
      gap = full[0];
      residual = full[2];
      if (gap <= tolAbs || sweeps >= maxIter) break;
      // The largest violators join the active set (at most doubling it).
      const added = growActiveSet(work, gram, k, alpha);
      if (added === 0 && claimed) exact = true;
      if (added > 0) {
        k += added;
        stale = true;
      }
      if (stale) {
        for (let a = 0; a < k; a++) {
          const row = act[a] * d;
          for (let b = 0; b < k; b++) gaa[a * k + b] = gram[row + act[b]];
          diag[a] = gram[row + act[a]];
        }
        stale = false;
      }
      for (let a = 0; a < k; a++) {
        const i = act[a];
        ca[a] = c[i];
        wa[a] = w[i];
        ga[a] = g[i];
      }
      // Sweeps over the active set until its sub-problem's gap is within the tolerance.
      let hist = 0; // iterates in the Anderson history
      let tried = false; // a Newton step was tried on the current sign pattern
      while (sweeps < maxIter) {
        sweeps++;
        let changed = false;
        for (let a = 0; a < k; a++) {
          const gjj = diag[a];
          const old = wa[a];
          const z = ga[a] + gjj * old;
          const nw = z > alpha ? (z - alpha) / gjj : z < -alpha ? (z + alpha) / gjj : 0;
          const delta = nw - old;
          if (delta !== 0) {
            if (old > 0 !== nw > 0 || old < 0 !== nw < 0) changed = true;
            wa[a] = nw;
            axpyNeg(ga, 0, delta, gaa, a * k, k);
          }
        }
        if (changed) tried = false;
        subProblem(work, k, v, alpha, sub);
        if (sub[0] <= tolAbs) break;
        if (newton && !changed && !tried) {
          tried = true;
          let r = 1;
          let stepped = false;
          for (let rep = 0; rep < NEWTON_REPEAT; rep++) {
            r = newtonStep(work, gram, inv, k, v, alpha, sub[1], exact);
            solves++;
            if (r === 0) break;
            stepped = true;
            subProblem(work, k, v, alpha, sub);
            if (r === 1) break;
          }
          if (stepped) {
            hist = 0;
            if (sub[0] <= tolAbs) break;
            continue;
          }
        }
        // Anderson: keep the last K + 1 iterates; extrapolate when the history is full.
        const slot = hist % (K + 1);
        for (let a = 0; a < k; a++) {
          histW[slot * d + a] = wa[a];
          histG[slot * d + a] = ga[a];
        }
        hist++;
        if (slot === K && anderson(work, k, v, alpha, sub[1])) {
          subProblem(work, k, v, alpha, sub);
          if (sub[0] <= tolAbs) break;
        }
      }
      claimed = sub[0] <= tolAbs;
      // Scatter, then the gradient from scratch.
      for (let a = 0; a < k; a++) w[act[a]] = wa[a];
      for (let i = 0; i < d; i++) g[i] = c[i];
      for (let i = 0; i < d; i++) {
        const wi = w[i];
        if (wi !== 0) axpyNeg(g, 0, wi, gram, i * d, d);
      }
    }
    out.coef.set(w, m * d);
    out.residual[m] = residual;
    out.gap[m] = gap;
    out.iterations[m] = sweeps;
    out.newtonSteps[m] = solves;
    if (out.activeSize) out.activeSize[m] = k;
  }
}

/** The whole path for every target, in plain TypeScript (the definition the WASM is tested against). */
export function lassoPathReference(problem: LassoProblem, alphas: readonly number[], options: LassoOptions = {}): LassoPathResult {
  const { tol, maxIter, newton } = checkLassoInput(problem, alphas, options);
  const { gram, d, cross, t, targetVar } = problem;
  const result = emptyPathResult(alphas, d, t);
  const order = pathOrder(alphas);
  const desc = order.map((k) => alphas[k]);
  const m = order.length;
  if (m > 0 && d > 0 && t > 0) {
    const inv = newton ? (options.gramInverse !== undefined ? options.gramInverse : gramInverse(gram, d)) : null;
    const byTarget = crossByTarget(cross, d, t);
    const work = new LassoWork(d);
    const out: TargetPathOutput = {
      coef: new Float64Array(m * d),
      residual: new Float64Array(m),
      gap: new Float64Array(m),
      iterations: new Int32Array(m),
      newtonSteps: new Int32Array(m),
    };
    for (let j = 0; j < t; j++) {
      lassoTargetPath(gram, inv, d, byTarget.subarray(j * d, j * d + d), targetVar[j], desc, tol, maxIter, newton, work, out);
      scatterTarget(result, order, out, d, t, j);
    }
  }
  return finishPath(problem, result, tol);
}
