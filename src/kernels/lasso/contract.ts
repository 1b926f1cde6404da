// The contract of the LASSO path kernel: the problem from moments, its options and its result
// (reference.ts has the maths), the solver's constants (shared with assembly/lasso.ts, so that the
// WASM path returns the reference's coefficients bit for bit), and the input check every
// implementation runs first.

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
  /**
   * G^-1 as gramInverse(gram, d) returns it (null: G is singular), when the caller has it already:
   * a problem solved a slice of targets at a time (src/align/methods/lasso-in-slices.ts) computes
   * it once, not per slice (O(d^3): about a minute at 4,096 predictors).
   */
  gramInverse?: Float64Array | null;
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
/**
 * An outer iteration adds at most max(WS_MIN_GROWTH, |active set|) violators to the active set,
 * the largest first (working-set.ts).
 */
export const WS_MIN_GROWTH = 64;
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
  if (options.gramInverse && options.gramInverse.length !== d * d) throw new Error(`lasso: gramInverse has ${options.gramInverse.length} entries, expected ${d} x ${d}`);
  return { tol, maxIter, newton: options.newton ?? true };
}
