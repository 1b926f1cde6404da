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
//   * Active-set cycling. Sweeps run only over the active set A (coordinates that ever were
//     non-zero or violated optimality, in increasing index order), on a compact copy of G_AA.
//     When the sub-problem on A is solved to the tolerance, w is scattered back, g is recomputed
//     from scratch over all d coordinates (g = c - sum over non-zero w_i of w_i G[i, :], so no
//     rounding drift survives), and the full duality gap is evaluated; every coordinate outside A
//     with |g_i| > alpha then joins A. A coordinate with G_jj = 0 (a constant predictor) never
//     moves.
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
//         coordinate active) costs O(d^2) per step. Only when G is numerically non-singular
//         (rank d below); otherwise direct mode throughout.
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

export interface LassoProblem {
  /** G = X'X / n, d x d row-major (symmetric PSD), e.g. the correlation matrix of the predictors. */
  gram: Float64Array;
  d: number;
  /** X'Y / n, d x t row-major: column j holds target j's cross-moments with the predictors. */
  cross: Float64Array;
  t: number;
  /** y_j'y_j / n for each target (1 for standardized targets). */
  targetVar: Float64Array;
}

export interface LassoOptions {
  /** Relative duality-gap tolerance: converged when gap <= tol * v. Default 1e-8. */
  tol?: number;
  /** Maximum sweeps (over the active set) per target and penalty. Default 10000. */
  maxIter?: number;
  /** Newton steps on the support (see the header). Default true. */
  newton?: boolean;
}

export interface LassoPathResult {
  /** The penalties, in the caller's order; every per-alpha array below follows it. */
  alphas: number[];
  /** Per alpha, d x t row-major: coef[a][i * t + j] is predictor i's weight for target j. */
  coef: Float64Array[];
  /** Per alpha and target, R2 = ||y - Xw||^2 / n (so 1 - R^2 = residual / v). */
  residual: Float64Array[];
  /** Per alpha and target, the duality gap of the returned coefficients (see the header). */
  gap: Float64Array[];
  /** Per alpha and target, sweeps over the active set (0 for alpha 0). */
  iterations: Int32Array[];
  /** Per alpha and target, Newton solves (0 for alpha 0 and with newton: false). */
  newtonSteps: Int32Array[];
  /** Every (alpha, target) within the tolerance. */
  converged: boolean;
  /** Predictors the least-squares map (alpha 0) used: d unless G is singular; null without alpha 0. */
  rank: number | null;
}

export const DEFAULT_TOL = 1e-8;
export const DEFAULT_MAX_ITER = 10000;
/** Relative pivot below which the least-squares map drops a predictor (see the header). */
export const RANK_TOL = 1e-10;
/** Anderson extrapolation depth (K). */
export const ANDERSON_K = 5;
/** Newton solves per trigger (each but the last removes one coordinate from the support). */
export const NEWTON_REPEAT = 64;
/** A factor row whose pivot is below this fraction of its diagonal entry is refused. */
export const PIVOT_TOL = 1e-12;
/** Least squares: refine a target's solution while its gap exceeds this fraction of v. */
export const REFINE_TOL = 1e-15;

/** Refuses malformed input with a message naming the problem. */
export function checkLassoInput(
  problem: LassoProblem,
  alphas: readonly number[],
  options: LassoOptions = {},
): { tol: number; maxIter: number; newton: boolean } {
  const { gram, d, cross, t, targetVar } = problem;
  if (!Number.isInteger(d) || d < 0) throw new Error(`lasso: d must be a non-negative integer, got ${d}`);
  if (!Number.isInteger(t) || t < 0) throw new Error(`lasso: t must be a non-negative integer, got ${t}`);
  if (gram.length !== d * d) throw new Error(`lasso: gram has ${gram.length} entries, expected ${d} x ${d}`);
  if (cross.length !== d * t) throw new Error(`lasso: cross has ${cross.length} entries, expected ${d} x ${t}`);
  if (targetVar.length !== t) throw new Error(`lasso: targetVar has ${targetVar.length} entries, expected ${t}`);
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(gram[i])) throw new Error(`lasso: gram has ${gram[i]} at (${Math.floor(i / d)}, ${i % d})`);
  for (let i = 0; i < d; i++) if (gram[i * d + i] < 0) throw new Error(`lasso: gram has a negative diagonal entry ${gram[i * d + i]} at ${i}`);
  for (let i = 0; i < d * t; i++) if (!Number.isFinite(cross[i])) throw new Error(`lasso: cross has ${cross[i]} at (${Math.floor(i / t)}, ${i % t})`);
  for (let j = 0; j < t; j++) if (!(targetVar[j] >= 0) || !Number.isFinite(targetVar[j])) throw new Error(`lasso: targetVar[${j}] is ${targetVar[j]}`);
  for (const a of alphas) if (typeof a !== 'number' || !(a >= 0) || !Number.isFinite(a)) throw new Error(`lasso: every alpha must be finite and >= 0, got ${a}`);
  const tol = options.tol ?? DEFAULT_TOL;
  const maxIter = options.maxIter ?? DEFAULT_MAX_ITER;
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new Error(`lasso: tol must be finite and >= 0, got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error(`lasso: maxIter must be a positive integer, got ${maxIter}`);
  return { tol, maxIter, newton: options.newton ?? true };
}

/** Indices of the positive alphas, largest first (ties in the caller's order): the path order. */
export function pathOrder(alphas: readonly number[]): number[] {
  const idx: number[] = [];
  for (let k = 0; k < alphas.length; k++) if (alphas[k] > 0) idx.push(k);
  return idx.sort((a, b) => alphas[b] - alphas[a] || a - b);
}

/**
 * The duality gap, residual and objective of w (length d) for one target, computed from scratch:
 * an independent certificate of any solution (see the header for the formulas).
 */
export function lassoGap(
  gram: Float64Array,
  d: number,
  c: ArrayLike<number>,
  v: number,
  w: ArrayLike<number>,
  alpha: number,
): { gap: number; residual: number; dualNorm: number; objective: number } {
  let cw = 0;
  let wgw = 0;
  let l1 = 0;
  let dualNorm = 0;
  for (let i = 0; i < d; i++) {
    let gw = 0;
    for (let k = 0; k < d; k++) gw += gram[i * d + k] * w[k];
    const g = c[i] - gw;
    dualNorm = Math.max(dualNorm, Math.abs(g));
    cw += c[i] * w[i];
    wgw += w[i] * gw;
    l1 += Math.abs(w[i]);
  }
  const residual = v - 2 * cw + wgw;
  const s = dualNorm > alpha ? alpha / dualNorm : 1;
  const gap = 0.5 * residual * (1 + s * s) + alpha * l1 - s * (v - cw);
  return { gap, residual, dualNorm, objective: 0.5 * residual + alpha * l1 };
}

// ---- Floating-point building blocks shared in spirit with assembly/lasso.ts ----

/** sum_i a[ia + i] * b[ib + i] for i < n in the order of four f64x2 accumulators (see the header). */
export function dot4(a: Float64Array, ia: number, b: Float64Array, ib: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const x = ia + i;
    const y = ib + i;
    s0 += a[x] * b[y];
    s1 += a[x + 1] * b[y + 1];
    s2 += a[x + 2] * b[y + 2];
    s3 += a[x + 3] * b[y + 3];
    s4 += a[x + 4] * b[y + 4];
    s5 += a[x + 5] * b[y + 5];
    s6 += a[x + 6] * b[y + 6];
    s7 += a[x + 7] * b[y + 7];
  }
  let s = s0 + s4 + (s2 + s6) + (s1 + s5 + (s3 + s7));
  for (; i < n; i++) s += a[ia + i] * b[ib + i];
  return s;
}

/** y[iy + i] -= f * x[ix + i] for i < n. */
function axpyNeg(y: Float64Array, iy: number, f: number, x: Float64Array, ix: number, n: number): void {
  for (let i = 0; i < n; i++) y[iy + i] -= f * x[ix + i];
}

// ---- The Cholesky factor of a principal submatrix, kept under additions and removals ----

/**
 * L L' = M[S, S] for an ordered index set S of a symmetric positive definite d x d matrix M
 * (row-major). L is lower triangular, row p at l[p * d], its first p + 1 entries used.
 */
export class FactorSet {
  readonly l: Float64Array;
  readonly idx: Int32Array;
  /** Position of each index in S, or -1. */
  readonly pos: Int32Array;
  n = 0;
  /** 0: factor of G_EE (direct); 1: factor of H_FF (complement). */
  mode = 0;
  private readonly x: Float64Array;

  constructor(readonly d: number) {
    this.l = new Float64Array(d * d);
    this.idx = new Int32Array(d);
    this.pos = new Int32Array(d).fill(-1);
    this.x = new Float64Array(d);
  }

  reset(mode: number): void {
    for (let p = 0; p < this.n; p++) this.pos[this.idx[p]] = -1;
    this.n = 0;
    this.mode = mode;
  }

  /** Appends index i; false (nothing changed) when the new pivot is not safely positive. */
  add(m: Float64Array, i: number): boolean {
    const { l, idx, d } = this;
    const n = this.n;
    const row = n * d;
    const mi = i * d;
    for (let p = 0; p < n; p++) {
      const t = m[mi + idx[p]] - dot4(l, p * d, l, row, p);
      l[row + p] = t / l[p * d + p];
    }
    const s = m[mi + i] - dot4(l, row, l, row, n);
    if (!(s > PIVOT_TOL * m[mi + i])) return false;
    l[row + n] = Math.sqrt(s);
    idx[n] = i;
    this.pos[i] = n;
    this.n = n + 1;
    return true;
  }

  /** Removes the index at position q: rows below move up, the trailing block gets a rank-one update. */
  remove(q: number): void {
    const { l, idx, pos, d, x } = this;
    const n = this.n;
    const m = n - 1 - q;
    // x = column q below the diagonal; the trailing block T (rows/cols q+1..n-1) becomes the
    // factor of T T' + x x' (Golub & Van Loan sec. 6.5.4, by rotations), written one row up.
    for (let r = 0; r < m; r++) x[r] = l[(q + 1 + r) * d + q];
    for (let r = 0; r < m; r++) {
      const a = q + 1 + r; // old row/column
      const lkk = l[a * d + a];
      const xr = x[r];
      const rr = Math.sqrt(lkk * lkk + xr * xr);
      const c = rr / lkk;
      const s = xr / lkk;
      l[a * d + a] = rr;
      for (let i = r + 1; i < m; i++) {
        const b = q + 1 + i;
        const v = (l[b * d + a] + s * x[i]) / c;
        l[b * d + a] = v;
        x[i] = c * x[i] - s * v;
      }
    }
    // Shift: old row a (> q) becomes row a - 1, dropping column q.
    for (let a = q + 1; a < n; a++) {
      const src = a * d;
      const dst = (a - 1) * d;
      for (let j = 0; j < q; j++) l[dst + j] = l[src + j];
      for (let j = q + 1; j <= a; j++) l[dst + j - 1] = l[src + j];
    }
    pos[idx[q]] = -1;
    for (let p = q + 1; p < n; p++) {
      idx[p - 1] = idx[p];
      pos[idx[p - 1]] = p - 1;
    }
    this.n = n - 1;
  }

  /**
   * After add(m, i) failed: y (length n) with M[S, S] y = M[S, i], from the row the failed add
   * left at position n (L l = M[S, i], so y = L'^-1 l). Then u = (-y on S, 1 at i) is a null
   * direction of M on S + {i}, up to the refused pivot.
   */
  nullDirection(y: Float64Array): void {
    const { l, d } = this;
    const n = this.n;
    for (let p = 0; p < n; p++) y[p] = l[n * d + p];
    for (let p = n - 1; p >= 0; p--) {
      const z = y[p] / l[p * d + p];
      y[p] = z;
      axpyNeg(y, 0, z, l, p * d, p);
    }
  }

  /** Solves L L' z = b in place (b in the order of S, length n). */
  solve(b: Float64Array): void {
    const { l, d } = this;
    const n = this.n;
    for (let p = 0; p < n; p++) b[p] = (b[p] - dot4(l, p * d, b, 0, p)) / l[p * d + p];
    for (let p = n - 1; p >= 0; p--) {
      const z = b[p] / l[p * d + p];
      b[p] = z;
      axpyNeg(b, 0, z, l, p * d, p);
    }
  }
}

// ---- One target along the path ----

/** Scratch space of lassoTargetPath, reusable across targets (one per thread of work). */
export class LassoWork {
  readonly w: Float64Array;
  readonly g: Float64Array;
  readonly inA: Uint8Array;
  readonly act: Int32Array;
  readonly merged: Int32Array;
  /** Compact Gram of the active set, k x k with row stride k. */
  readonly gaa: Float64Array;
  readonly diag: Float64Array;
  readonly ca: Float64Array;
  readonly wa: Float64Array;
  readonly ga: Float64Array;
  /** Anderson history: K + 1 iterates of wa and ga (row stride d). */
  readonly histW: Float64Array;
  readonly histG: Float64Array;
  readonly andU: Float64Array;
  readonly andM: Float64Array;
  readonly andZ: Float64Array;
  readonly wx: Float64Array;
  readonly gx: Float64Array;
  /** Newton: support (compact positions), right-hand side / solution, scatter buffers. */
  readonly sup: Int32Array;
  readonly xs: Float64Array;
  readonly bs: Float64Array;
  readonly ys: Float64Array;
  readonly full: Float64Array;
  readonly inE: Uint8Array;
  readonly factor: FactorSet;

  constructor(readonly d: number) {
    const K = ANDERSON_K;
    this.w = new Float64Array(d);
    this.g = new Float64Array(d);
    this.inA = new Uint8Array(d);
    this.act = new Int32Array(d);
    this.merged = new Int32Array(d);
    this.gaa = new Float64Array(d * d);
    this.diag = new Float64Array(d);
    this.ca = new Float64Array(d);
    this.wa = new Float64Array(d);
    this.ga = new Float64Array(d);
    this.histW = new Float64Array((K + 1) * d);
    this.histG = new Float64Array((K + 1) * d);
    this.andU = new Float64Array(K * d);
    this.andM = new Float64Array(K * K);
    this.andZ = new Float64Array(K);
    this.wx = new Float64Array(d);
    this.gx = new Float64Array(d);
    this.sup = new Int32Array(d);
    this.xs = new Float64Array(d);
    this.bs = new Float64Array(d);
    this.ys = new Float64Array(d);
    this.full = new Float64Array(d);
    this.inE = new Uint8Array(d);
    this.factor = new FactorSet(d);
  }
}

/** Per-target outputs of the coordinate-descent path, positive alphas in path order. */
export interface TargetPathOutput {
  /** m x d: the coefficients at each alpha of the path order. */
  coef: Float64Array;
  residual: Float64Array;
  gap: Float64Array;
  iterations: Int32Array;
  newtonSteps: Int32Array;
}

/** Gap and objective of the sub-problem on the active set, from wa, ga (k entries). */
function subProblem(work: LassoWork, k: number, v: number, alpha: number, out: Float64Array): void {
  const { wa, ga, ca } = work;
  let cw = 0;
  let wg = 0;
  let l1 = 0;
  let dn = 0;
  for (let a = 0; a < k; a++) {
    const wi = wa[a];
    cw += ca[a] * wi;
    wg += wi * ga[a];
    l1 += Math.abs(wi);
    const x = Math.abs(ga[a]);
    if (x > dn) dn = x;
  }
  const r2 = v - cw - wg;
  const s = dn > alpha ? alpha / dn : 1;
  out[0] = 0.5 * r2 * (1 + s * s) + alpha * l1 - s * (v - cw);
  out[1] = 0.5 * r2 + alpha * l1;
}

/** Objective of (wx, gx) on the active set. */
function objectiveOf(ca: Float64Array, wx: Float64Array, gx: Float64Array, k: number, v: number, alpha: number): number {
  let cw = 0;
  let wg = 0;
  let l1 = 0;
  for (let a = 0; a < k; a++) {
    const wi = wx[a];
    cw += ca[a] * wi;
    wg += wi * gx[a];
    l1 += Math.abs(wi);
  }
  return 0.5 * (v - cw - wg) + alpha * l1;
}

/** One Anderson extrapolation from the history; true when it replaced wa, ga. */
function anderson(work: LassoWork, k: number, v: number, alpha: number, objective: number): boolean {
  const K = ANDERSON_K;
  const { histW, histG, andU: u, andM: m, andZ: z, wa, ga, ca, wx, gx, d } = work;
  for (let r = 0; r < K; r++) {
    const o1 = (r + 1) * d;
    const o0 = r * d;
    const ur = r * d;
    for (let a = 0; a < k; a++) u[ur + a] = histW[o1 + a] - histW[o0 + a];
  }
  for (let r = 0; r < K; r++) {
    for (let q = 0; q <= r; q++) {
      const s = dot4(u, r * d, u, q * d, k);
      m[r * K + q] = s;
      m[q * K + r] = s;
    }
  }
  // (U'U) z = 1 by Gaussian elimination with partial pivoting; give up on a zero pivot.
  for (let r = 0; r < K; r++) z[r] = 1;
  for (let col = 0; col < K; col++) {
    let p = col;
    for (let r = col + 1; r < K; r++) if (Math.abs(m[r * K + col]) > Math.abs(m[p * K + col])) p = r;
    const piv = m[p * K + col];
    if (!(Math.abs(piv) > 0)) return false;
    if (p !== col) {
      for (let q = 0; q < K; q++) {
        const x = m[p * K + q];
        m[p * K + q] = m[col * K + q];
        m[col * K + q] = x;
      }
      const x = z[p];
      z[p] = z[col];
      z[col] = x;
    }
    for (let r = col + 1; r < K; r++) {
      const f = m[r * K + col] / piv;
      for (let q = col; q < K; q++) m[r * K + q] -= f * m[col * K + q];
      z[r] -= f * z[col];
    }
  }
  for (let r = K - 1; r >= 0; r--) {
    let s = z[r];
    for (let q = r + 1; q < K; q++) s -= m[r * K + q] * z[q];
    z[r] = s / m[r * K + r];
  }
  let sum = 0;
  for (let r = 0; r < K; r++) sum += z[r];
  if (!(Math.abs(sum) > 0) || !Number.isFinite(sum)) return false;
  for (let a = 0; a < k; a++) {
    wx[a] = 0;
    gx[a] = 0;
  }
  for (let r = 0; r < K; r++) {
    const cr = z[r] / sum;
    const o = r * d;
    for (let a = 0; a < k; a++) {
      wx[a] += cr * histW[o + a];
      gx[a] += cr * histG[o + a];
    }
  }
  if (!(objectiveOf(ca, wx, gx, k, v, alpha) < objective)) return false;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return true;
}

/**
 * Brings the factor to the support of wa (E, compact positions in work.sup, ke of them) in the
 * mode its size calls for. Returns -1 when the factor is complete; in direct mode, the global
 * index i whose row met a non-positive pivot (G_EE is singular: the factor holds the indices added
 * before it, and nullDirection gives a null vector); -2 when a complement-mode pivot fails (the
 * factor is then reset).
 */
function syncFactor(work: LassoWork, gram: Float64Array, inv: Float64Array | null, ke: number): number {
  const { factor: f, act, sup, inE, d } = work;
  const mode = inv !== null && 2 * ke > d ? 1 : 0;
  const m = mode === 1 ? inv! : gram;
  if (f.mode !== mode) f.reset(mode);
  for (let p = 0; p < ke; p++) inE[act[sup[p]]] = 1;
  // Remove what no longer belongs (direct: left E; complement: joined E), from the end.
  for (let q = f.n - 1; q >= 0; q--) {
    const i = f.idx[q];
    if ((mode === 0) !== (inE[i] === 1)) f.remove(q);
  }
  let failed = -1;
  if (mode === 0) {
    for (let p = 0; p < ke && failed < 0; p++) {
      const i = act[sup[p]];
      if (f.pos[i] < 0 && !f.add(m, i)) failed = i;
    }
  } else {
    for (let i = 0; i < d && failed < 0; i++) if (inE[i] === 0 && f.pos[i] < 0 && !f.add(m, i)) failed = i;
  }
  for (let p = 0; p < ke; p++) inE[act[sup[p]]] = 0;
  if (failed >= 0 && mode === 1) {
    f.reset(mode);
    return -2;
  }
  return failed;
}

/**
 * G_EE is singular and u (work.xs: -y on the factor's indices, 1 at global index i) is a null
 * direction: along it the objective on the orthant face is linear, so w moves along +-u (the way
 * it does not increase) until the first coordinate reaches 0, which leaves the support. Returns 2
 * (a coordinate left) or 0 (no step).
 */
function nullStep(work: LassoWork, k: number, v: number, alpha: number, objective: number, i: number): number {
  const { wa, ga, gaa, wx, gx, xs: y, factor: f } = work;
  const n = f.n;
  f.nullDirection(y);
  const ai = posInActive(work, k, i);
  // Directional derivative of 1/2 w'Gw - c'w + alpha s'w along u: sum u_a (alpha s_a - g_a).
  let slope = (wa[ai] > 0 ? alpha : -alpha) - ga[ai];
  for (let p = 0; p < n; p++) {
    const a = posInActive(work, k, f.idx[p]);
    slope -= y[p] * ((wa[a] > 0 ? alpha : -alpha) - ga[a]);
  }
  let sigma = slope > 0 ? -1 : 1;
  let t = Infinity;
  let hit = -1;
  for (let attempt = 0; attempt < 2 && hit < 0; attempt++) {
    if (attempt === 1) sigma = -sigma;
    for (let p = 0; p <= n; p++) {
      const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
      const step = sigma * (p < n ? -y[p] : 1);
      const w0 = wa[a];
      if (w0 > 0 ? step < 0 : step > 0) {
        const ta = -w0 / step;
        if (ta < t) {
          t = ta;
          hit = a;
        }
      }
    }
  }
  if (hit < 0) return 0;
  for (let a = 0; a < k; a++) {
    wx[a] = wa[a];
    gx[a] = ga[a];
  }
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
    wx[a] = a === hit ? 0 : wa[a] + t * (sigma * (p < n ? -y[p] : 1));
  }
  // g(wx) = ga - G_A,. (wx - wa), exactly for the change made.
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
    const delta = wx[a] - wa[a];
    if (delta !== 0) axpyNeg(gx, 0, delta, gaa, a * k, k);
  }
  if (!(objectiveOf(work.ca, wx, gx, k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return 2;
}

/**
 * One Newton solve on the support of wa; returns 0 (no step: factor failure or no decrease),
 * 1 (full step, sign-consistent) or 2 (partial step, or a step along a null direction of a
 * singular G_EE: one coordinate left the support).
 */
function newtonStep(
  work: LassoWork,
  gram: Float64Array,
  inv: Float64Array | null,
  k: number,
  v: number,
  alpha: number,
  objective: number,
  exact: boolean,
): number {
  const { wa, ga, ca, gaa, act, sup, xs, bs, ys, full, wx, gx, factor: f, d } = work;
  let ke = 0;
  for (let a = 0; a < k; a++) if (wa[a] !== 0) sup[ke++] = a;
  if (ke === 0) return 0;
  const sync = syncFactor(work, gram, inv, ke);
  if (sync === -2) return 0;
  if (sync >= 0) return nullStep(work, k, v, alpha, objective, sync);
  if (f.mode === 0) {
    // x = G_EE^-1 (c_E - alpha s_E), in the factor's order.
    for (let p = 0; p < f.n; p++) {
      const a = posInActive(work, k, f.idx[p]);
      xs[p] = ca[a] - (wa[a] > 0 ? alpha : -alpha);
    }
    f.solve(xs);
    // Back to compact positions: wx[a] = x for a in E.
    for (let a = 0; a < k; a++) wx[a] = 0;
    for (let p = 0; p < f.n; p++) wx[posInActive(work, k, f.idx[p])] = xs[p];
  } else {
    // x = H_EE b - H_EF z with H_FF z = H_FE b; b scattered into a full-length vector.
    const inv2 = inv!;
    for (let i = 0; i < d; i++) full[i] = 0;
    for (let p = 0; p < ke; p++) {
      const a = sup[p];
      bs[p] = ca[a] - (wa[a] > 0 ? alpha : -alpha);
      full[act[a]] = bs[p];
    }
    for (let r = 0; r < f.n; r++) ys[r] = dot4(inv2, f.idx[r] * d, full, 0, d);
    f.solve(ys);
    for (let r = 0; r < f.n; r++) full[f.idx[r]] = -ys[r];
    for (let a = 0; a < k; a++) wx[a] = 0;
    for (let p = 0; p < ke; p++) wx[sup[p]] = dot4(inv2, act[sup[p]] * d, full, 0, d);
  }
  // Step towards x up to the first sign change.
  let tmax = 1;
  let hit = -1;
  for (let p = 0; p < ke; p++) {
    const a = sup[p];
    const w0 = wa[a];
    const x = wx[a];
    if (w0 > 0 ? !(x > 0) : !(x < 0)) {
      const t = w0 / (w0 - x);
      if (t < tmax) {
        tmax = t;
        hit = a;
      }
    }
  }
  if (!exact) {
    // g is affine along the step: g(wa + t (x - wa)) = ga + t (g(x) - ga), with g(x)_E = alpha s_E
    // by construction and g(x)_a = ca_a - G_a,E x_E (a dot product) for the rest of A.
    for (let a = 0; a < k; a++) {
      const w0 = wa[a];
      const gxa = w0 > 0 ? alpha : w0 < 0 ? -alpha : ca[a] - dot4(gaa, a * k, wx, 0, k);
      gx[a] = ga[a] + tmax * (gxa - ga[a]);
    }
  }
  if (tmax < 1) {
    for (let p = 0; p < ke; p++) {
      const a = sup[p];
      wx[a] = a === hit ? 0 : wa[a] + tmax * (wx[a] - wa[a]);
    }
  } else {
    // A coordinate landing exactly on zero (t = 1) is zero already.
    hit = -1;
  }
  if (exact) {
    // The gradient of the new point from scratch: gx = ca - G_A,E wx_E.
    for (let a = 0; a < k; a++) gx[a] = ca[a];
    for (let p = 0; p < ke; p++) {
      const a = sup[p];
      const wv = wx[a];
      if (wv !== 0) axpyNeg(gx, 0, wv, gaa, a * k, k);
    }
  }
  if (!(objectiveOf(ca, wx, gx, k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return hit >= 0 ? 2 : 1;
}

/** Compact position of global index i in the active set (act is ascending): binary search. */
function posInActive(work: LassoWork, k: number, i: number): number {
  const act = work.act;
  let lo = 0;
  let hi = k - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (act[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  const { w, g, inA, act, merged, ga, wa, ca, diag, gaa, histW, histG } = work;
  const K = ANDERSON_K;
  const tolAbs = tol * v;
  const sub = new Float64Array(2);
  w.fill(0);
  inA.fill(0);
  work.factor.reset(0);
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
    for (;;) {
      // Full duality gap from the fresh gradient g.
      let cw = 0;
      let wg = 0;
      let l1 = 0;
      let dn = 0;
      for (let i = 0; i < d; i++) {
        const wi = w[i];
        cw += c[i] * wi;
        wg += wi * g[i];
        l1 += Math.abs(wi);
        const a = Math.abs(g[i]);
        if (a > dn) dn = a;
      }
      residual = v - cw - wg;
      const s = dn > alpha ? alpha / dn : 1;
      gap = 0.5 * residual * (1 + s * s) + alpha * l1 - s * (v - cw);
      if (gap <= tolAbs || sweeps >= maxIter) break;
      // Violators join the active set (merged in index order).
      let added = 0;
      let q = 0;
      for (let i = 0; i < d; i++) {
        if (inA[i]) merged[q++] = i;
        else if (Math.abs(g[i]) > alpha && gram[i * d + i] > 0) {
          merged[q++] = i;
          inA[i] = 1;
          added++;
        }
      }
      if (added === 0 && claimed) exact = true;
      if (added > 0) {
        k = q;
        for (let a = 0; a < k; a++) act[a] = merged[a];
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
  }
}

// ---- Least squares (alpha 0) and G^-1 ----

/** Cholesky with symmetric pivoting of a copy of G: factor (lower, pivoted order), perm, rank. */
export function pivotedCholesky(gram: Float64Array, d: number): { a: Float64Array; perm: Int32Array; rank: number } {
  const a = Float64Array.from(gram);
  const perm = new Int32Array(d);
  for (let i = 0; i < d; i++) perm[i] = i;
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, gram[i * d + i]);
  const threshold = RANK_TOL * maxDiag;
  let rank = 0;
  for (let k = 0; k < d; k++) {
    let best = k;
    for (let i = k + 1; i < d; i++) if (a[i * d + i] > a[best * d + best]) best = i;
    if (!(a[best * d + best] > threshold)) break;
    if (best !== k) {
      // Symmetric swap of rows and columns k and best (the trailing block is kept full).
      for (let j = 0; j < d; j++) {
        const x = a[k * d + j];
        a[k * d + j] = a[best * d + j];
        a[best * d + j] = x;
      }
      for (let j = 0; j < d; j++) {
        const x = a[j * d + k];
        a[j * d + k] = a[j * d + best];
        a[j * d + best] = x;
      }
      const p = perm[k];
      perm[k] = perm[best];
      perm[best] = p;
    }
    const lkk = Math.sqrt(a[k * d + k]);
    a[k * d + k] = lkk;
    for (let i = k + 1; i < d; i++) a[i * d + k] /= lkk;
    for (let j = k + 1; j < d; j++) a[k * d + j] = a[j * d + k];
    for (let i = k + 1; i < d; i++) {
      const lik = a[i * d + k];
      if (lik !== 0) axpyNeg(a, i * d + k + 1, lik, a, k * d + k + 1, d - k - 1);
    }
    rank++;
  }
  return { a, perm, rank };
}

/** Solves L Y = B in place for B (r x t row-major, pivoted order) with the factor's first r rows. */
function choleskyForwardRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < i; k++) {
      const l = a[i * d + k];
      if (l !== 0) axpyNeg(b, i * t, l, b, k * t, t);
    }
    const inv = 1 / a[i * d + i];
    for (let j = 0; j < t; j++) b[i * t + j] *= inv;
  }
}

/** Solves L' X = Y in place. */
function choleskyBackwardRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  for (let i = r - 1; i >= 0; i--) {
    for (let k = i + 1; k < r; k++) {
      const l = a[k * d + i];
      if (l !== 0) axpyNeg(b, i * t, l, b, k * t, t);
    }
    const inv = 1 / a[i * d + i];
    for (let j = 0; j < t; j++) b[i * t + j] *= inv;
  }
}

/** Solves L L' X = B in place for B (r x t row-major, pivoted order) with the factor's first r rows. */
function choleskySolveRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  choleskyForwardRows(a, d, r, b, t);
  choleskyBackwardRows(a, d, r, b, t);
}

/**
 * G^-1 (d x d row-major) when the pivoted Cholesky finds G of full rank (pivots above RANK_TOL),
 * else null. Used by the Newton steps in complement mode.
 */
export function gramInverse(gram: Float64Array, d: number): Float64Array | null {
  if (d === 0) return null;
  const { a, perm, rank } = pivotedCholesky(gram, d);
  if (rank < d) return null;
  const b = new Float64Array(d * d);
  for (let i = 0; i < d; i++) b[i * d + i] = 1; // rows of the permuted identity: P' e
  choleskySolveRows(a, d, d, b, d);
  // b = (P'GP)^-1 in pivoted order; G^-1[perm i, perm j] = b[i, j].
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[perm[i] * d + perm[j]] = b[i * d + j];
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = 0.5 * (inv[i * d + j] + inv[j * d + i]);
      inv[i * d + j] = s;
      inv[j * d + i] = s;
    }
  }
  return inv;
}

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

// ---- Whole paths ----

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

/** The whole path for every target, in plain TypeScript (the definition the WASM is tested against). */
export function lassoPathReference(problem: LassoProblem, alphas: readonly number[], options: LassoOptions = {}): LassoPathResult {
  const { tol, maxIter, newton } = checkLassoInput(problem, alphas, options);
  const { gram, d, cross, t, targetVar } = problem;
  const result = emptyPathResult(alphas, d, t);
  const order = pathOrder(alphas);
  const desc = order.map((k) => alphas[k]);
  const m = order.length;
  if (m > 0 && d > 0 && t > 0) {
    const inv = newton ? gramInverse(gram, d) : null;
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
