// Linear regression between representations, from covariance blocks.
//
// Predicting every unit of B from all units of A by least squares (with intercept: the features
// are centred), the fitted values are the projection of B onto the span of A, and
//   explained variance of unit j = (Sba Saa^+ Sab)_jj,
// Saa^+ the pseudo-inverse (directions with eigenvalue <= epsilon x the largest dropped, as numpy's
// lstsq drops small singular values: the minimum-norm solution). Two summaries per direction:
//   r2_b_from_a      = tr(Sba Saa^+ Sab) / tr(Sbb) = 1 - sum_j residual variance_j / sum_j var(b_j):
//                      the R^2 of the multi-output regression in B's own units (variance-weighted:
//                      high-variance units of B count for more).
//   mean_r2_b_from_a = mean over B's units of their own R^2 = the same R^2 with B standardized
//                      (every unit weighted equally).
// Both are in [0, 1]; A's scaling does not matter (we standardize A before the pseudo-inverse for
// conditioning, which leaves the projection unchanged).
import { DEFAULT_RELATIVE_EPSILON, inverseStd, matTMul, scaleRowsCols, whitener } from './linalg.js';
import { checkBlockSizes } from './blocks.js';

export interface RegressionR2 {
  /** Variance-weighted R^2 of predicting B from A (see the file comment); null if B has no variance. */
  r2: number | null;
  /** Mean of the per-unit R^2 of B's units (R^2 on standardized units); null if B has no live unit. */
  meanR2: number | null;
  /** Per-unit R^2 of B's units (NaN where a unit of B has no variance). */
  perUnit: Float64Array;
  /** Directions of A used (A's rank after dropping the null space). */
  rankA: number;
}

/** R^2 of the least-squares prediction of B (db units) from A (da units); sab is da x db. */
export async function regressionR2(
  sab: Float64Array,
  saa: Float64Array,
  sbb: Float64Array,
  da: number,
  db: number,
  options: { epsilon?: number } = {},
): Promise<RegressionR2> {
  checkBlockSizes('regressionR2', sab, saa, sbb, da, db);
  const ia = inverseStd(saa, da);
  const wa = await whitener(scaleRowsCols(saa, da, da, ia, ia), da, options.epsilon ?? DEFAULT_RELATIVE_EPSILON);
  // M = Wa' diag(ia) Sab (rank x db): column j's squared norm is unit j's explained variance.
  const m = matTMul(wa.w, scaleRowsCols(sab, da, db, ia, null), da, wa.rank, db);
  const perUnit = new Float64Array(db);
  let explained = 0;
  let total = 0;
  let sumR2 = 0;
  let live = 0;
  for (let j = 0; j < db; j++) {
    let e = 0;
    for (let k = 0; k < wa.rank; k++) e += m[k * db + j] * m[k * db + j];
    const v = sbb[j * db + j];
    if (v > 0) {
      e = Math.min(e, v);
      explained += e;
      total += v;
      perUnit[j] = e / v;
      sumR2 += perUnit[j];
      live++;
    } else perUnit[j] = NaN;
  }
  return { r2: total > 0 ? explained / total : null, meanR2: live > 0 ? sumR2 / live : null, perUnit, rankA: wa.rank };
}
