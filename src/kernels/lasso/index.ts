// LASSO regression paths from second moments: many targets sharing one Gram matrix.
//
//   const problem = lassoProblemFromMoments(moments, predictors, targets);   // standardized
//   const path = await lassoPath(problem, [0.1, 0.01, 0.001, 0], { tol: 1e-8 });
//   path.coef[k][i * problem.t + j]   // predictor i's weight for target j at alphas[k]
//   path.residual[k][j] / v_j         // 1 - R^2 of target j at alphas[k]
//
// Each target j minimises (1 / 2n) ||y_j - X w||^2 + alpha ||w||_1 (scikit-learn's Lasso on
// centred data; on standardized units its coefficients on standardized data), for every alpha;
// alpha 0 is the least-squares map. Solved by coordinate descent in WASM SIMD (assembly/lasso.ts)
// along the path of penalties with warm starts, active sets, Anderson extrapolation, Newton steps
// on the support, and a duality-gap stopping rule: `gap[k][j]` bounds the excess objective of the
// returned coefficients, and `converged` says every gap is within tol * v_j. reference.ts has the
// algorithm (its header) and the plain TypeScript definition, lassoPathReference, which returns
// the same coefficients bit for bit.
import type { BatchMoments } from '../moments/contract.js';
import type { LassoOptions, LassoPathResult, LassoProblem } from './contract.js';
import { lassoPathWasm } from './wasm.js';

export type { LassoOptions, LassoPathResult, LassoProblem } from './contract.js';
export { DEFAULT_MAX_ITER, DEFAULT_TOL } from './contract.js';
export { lassoGap } from './gap.js';
export { leastSquaresGram } from './least-squares.js';
export { lassoPathReference } from './reference.js';

/** The LASSO path of every target (see the header), solved in WASM. */
export function lassoPath(problem: LassoProblem, alphas: readonly number[], options: LassoOptions = {}): Promise<LassoPathResult> {
  return lassoPathWasm(problem, alphas, options);
}

/**
 * The problem of predicting units `targets` from units `predictors` (indices into the joint
 * moments), from the co-moments alone. Standardized (default): G = corr(predictors), cross =
 * corr(predictors, targets), targetVar = 1. Otherwise covariances: G = cov, cross = cov,
 * targetVar = var (population, divided by n). A unit with zero variance must not be passed: a
 * constant predictor or target has no correlation (the caller drops dead units).
 */
export function lassoProblemFromMoments(m: BatchMoments, predictors: readonly number[], targets: readonly number[], standardize = true): LassoProblem {
  const { d: D, m2, n } = m;
  const d = predictors.length;
  const t = targets.length;
  const scaleOf = (u: number): number => {
    const v = m2[u * D + u];
    if (!(v > 0)) throw new Error(`lassoProblemFromMoments: unit ${u} has no variance`);
    return standardize ? 1 / Math.sqrt(v) : 1 / Math.sqrt(n);
  };
  const sp = predictors.map(scaleOf);
  const st = targets.map(scaleOf);
  const gram = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    const row = predictors[a] * D;
    for (let b = 0; b < d; b++) gram[a * d + b] = m2[row + predictors[b]] * sp[a] * sp[b];
  }
  // Exactly symmetric, unit diagonal when standardized.
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) gram[a * d + b] = gram[b * d + a];
    if (standardize) gram[a * d + a] = 1;
  }
  const cross = new Float64Array(d * t);
  for (let a = 0; a < d; a++) {
    const row = predictors[a] * D;
    for (let j = 0; j < t; j++) cross[a * t + j] = m2[row + targets[j]] * sp[a] * st[j];
  }
  const targetVar = new Float64Array(t);
  for (let j = 0; j < t; j++) targetVar[j] = standardize ? 1 : m2[targets[j] * D + targets[j]] / n;
  return { gram, d, cross, t, targetVar };
}
