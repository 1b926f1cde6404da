// Canonical correlation analysis from covariance blocks, and SVCCA.
//
// CCA (Hotelling 1936): the canonical correlations of A and B are the singular values of
//   Saa^-1/2 Sab Sbb^-1/2.
// We compute them as the singular values of T = Wa' Sab Wb where W = U diag(lambda)^-1/2 whitens
// a covariance from its symmetric eigen decomposition (src/align/math/linalg.ts); T has the same
// singular values as the symmetric form because Wa = Saa^-1/2 Ua with Ua orthogonal.
//
// Rank deficiency (more units than samples, a unit that is a linear combination of others):
// Saa is then singular and Saa^-1/2 does not exist. We drop the eigen-directions whose eigenvalue is
// at most `epsilon` (default 1e-10) x the largest and take CCA over the directions the data spans,
// i.e. the pseudo-inverse square root; `rankA` / `rankB` report how many were kept, and there are
// min(rankA, rankB) canonical correlations. (Had we kept them, division by rounding noise would give
// spurious correlations of 1.) Note that CCA needs samples > units to mean anything: with n samples
// the centred covariance has rank at most n - 1, and any rank-(n - 1) spaces correlate perfectly.
//
// CCA is invariant to invertible linear maps of either side, so we standardize every unit first
// (work on correlation matrices): the result is the same, the conditioning better, and the relative
// epsilon then does not depend on the units' scales.
//
// SVCCA (Raghu, Gilmer, Yosinski, Sohl-Dickstein 2017): per net, keep the top principal directions
// of the (unstandardized) covariance that explain a fraction `keep` of the variance (the smallest k
// whose top-k eigenvalues sum to at least keep x the total), then CCA between the principal scores.
// The scores of the top k directions have covariance diag(lambda_1..k), so the whitening is
// U_k diag(lambda_k)^-1/2 and nothing else changes.
import { symmetricEigen } from '../../kernels/eigen/index.js';
import { DEFAULT_RELATIVE_EPSILON, inverseStd, matMul, matTMul, scaleRowsCols, singularValues, whitener, whitenerFromEigen, type Whitener } from './linalg.js';
import { checkBlockSizes } from './blocks.js';

export interface CanonicalCorrelations {
  /** Canonical correlations, descending, in [0, 1]; min(rankA, rankB) of them. */
  values: Float64Array;
  /** Directions of A (of B) kept after dropping the null space. */
  rankA: number;
  rankB: number;
}

export interface CcaOptions {
  /** Relative eigenvalue floor below which a covariance direction counts as null space. */
  epsilon?: number;
}

/** Singular values of Wa' Sab Wb, clamped to [0, 1] against rounding. */
async function whitenedCorrelations(wa: Whitener, wb: Whitener, sab: Float64Array): Promise<Float64Array> {
  const da = wa.d;
  const db = wb.d;
  const sabWb = matMul(sab, wb.w, da, db, wb.rank);
  const t = matTMul(wa.w, sabWb, da, wa.rank, wb.rank);
  const s = await singularValues(t, wa.rank, wb.rank);
  for (let i = 0; i < s.length; i++) s[i] = Math.min(1, s[i]);
  return s;
}

/** All canonical correlations of A and B from covariance blocks (sab da x db, saa, sbb), row-major. */
export async function canonicalCorrelations(
  sab: Float64Array,
  saa: Float64Array,
  sbb: Float64Array,
  da: number,
  db: number,
  options: CcaOptions = {},
): Promise<CanonicalCorrelations> {
  checkBlockSizes('canonicalCorrelations', sab, saa, sbb, da, db);
  const epsilon = options.epsilon ?? DEFAULT_RELATIVE_EPSILON;
  const ia = inverseStd(saa, da);
  const ib = inverseStd(sbb, db);
  const wa = await whitener(scaleRowsCols(saa, da, da, ia, ia), da, epsilon);
  const wb = await whitener(scaleRowsCols(sbb, db, db, ib, ib), db, epsilon);
  const values = await whitenedCorrelations(wa, wb, scaleRowsCols(sab, da, db, ia, ib));
  return { values, rankA: wa.rank, rankB: wb.rank };
}

export interface SvccaOptions extends CcaOptions {
  /** Fraction of each net's variance its kept principal directions must explain, in (0, 1]. */
  keep?: number;
}

export interface SvccaResult {
  /** Canonical correlations between the reduced spaces, descending. */
  values: Float64Array;
  /** Principal directions kept per net. */
  dimsA: number;
  dimsB: number;
  /** Mean canonical correlation (Raghu et al.'s SVCCA similarity); null when there are none. */
  mean: number | null;
}

/** Number of leading eigenvalues (descending) whose sum reaches `keep` of the total. */
export function principalDims(values: Float64Array, keep: number): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Math.max(0, values[i]);
  if (!(total > 0)) return 0;
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    sum += Math.max(0, values[k]);
    if (sum >= keep * total) return k + 1;
  }
  return values.length;
}

export async function svcca(
  sab: Float64Array,
  saa: Float64Array,
  sbb: Float64Array,
  da: number,
  db: number,
  options: SvccaOptions = {},
): Promise<SvccaResult> {
  checkBlockSizes('svcca', sab, saa, sbb, da, db);
  const keep = options.keep ?? 0.99;
  if (!(keep > 0 && keep <= 1)) throw new Error(`svcca: keep must be in (0, 1], got ${keep}`);
  const epsilon = options.epsilon ?? DEFAULT_RELATIVE_EPSILON;
  const reduce = async (cov: Float64Array, d: number): Promise<Whitener> => {
    if (d === 0) return whitenerFromEigen({ values: new Float64Array(0), vectors: new Float64Array(0) }, 0);
    const eigen = await symmetricEigen(cov, d);
    return whitenerFromEigen(eigen, d, epsilon, principalDims(eigen.values, keep));
  };
  const wa = await reduce(saa, da);
  const wb = await reduce(sbb, db);
  const values = await whitenedCorrelations(wa, wb, sab);
  let mean: number | null = null;
  if (values.length > 0) mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { values, dimsA: wa.rank, dimsB: wb.rank, mean };
}
