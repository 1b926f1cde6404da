// Orthogonal Procrustes distance between representations, from covariance blocks.
//
// Definition (Ding, Denain, Steinhardt 2021, "Grounding Representation Similarity with Statistical
// Testing", after Schoenemann 1966), applied to standardized units: let Za (n x da) hold A's units
// centred and scaled to unit variance, divided by sqrt(n da) so that ||Za||_F = 1, and Zb likewise.
// Pad the narrower of the two with zero columns so both are n x max(da, db). Then
//   procrustes = min over orthogonal R of ||Za R - Zb||_F^2
//              = ||Za||^2 + ||Zb||^2 - 2 max_R tr(R' Za' Zb) = 2 - 2 ||Za' Zb||_*,
// the nuclear norm (sum of singular values) being the maximum (von Neumann's trace inequality).
// From moments, Za' Zb = Rab / sqrt(da db) with Rab the da x db Pearson correlation block, so
//   procrustes = 2 - 2 ||Rab||_* / sqrt(da db),   in [0, 2]:
// 0 iff Zb = Za R for some orthogonal R (after the padding; e.g. B made of two copies of A's one
// unit is at distance 0), 2 only if every unit of A is uncorrelated with every unit of B, and
// symmetric in A and B. Ding et al. scale each representation as a whole (centred,
// ||X||_F = 1) rather than per unit; standardizing per unit here puts every unit on the same footing,
// as the correlation-based methods of convergent do.
import { inverseStd, nuclearNorm, scaleRowsCols } from './linalg.js';
import { checkBlockSizes } from './blocks.js';

/** Procrustes distance in [0, 2] on standardized units; null when a side has no unit with variance. */
export async function procrustesDistance(sab: Float64Array, saa: Float64Array, sbb: Float64Array, da: number, db: number): Promise<number | null> {
  checkBlockSizes('procrustesDistance', sab, saa, sbb, da, db);
  if (da === 0 || db === 0) return null;
  const ia = inverseStd(saa, da);
  const ib = inverseStd(sbb, db);
  if (ia.some((v) => v === 0) || ib.some((v) => v === 0)) return null;
  const nuc = await nuclearNorm(scaleRowsCols(sab, da, db, ia, ib), da, db);
  const d = 2 - (2 * nuc) / Math.sqrt(da * db);
  return Math.min(2, Math.max(0, d));
}
