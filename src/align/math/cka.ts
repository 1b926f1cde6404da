// Linear CKA (Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of Neural Network Representations
// Revisited"), in its feature-space form on centred features:
//   CKA(X, Y) = ||X'Y||_F^2 / (||X'X||_F ||Y'Y||_F)
// which equals HSIC-based CKA with linear kernels (HSIC(K, L) = tr(KHLH)/(n-1)^2, K = XX', L = YY').
// With covariances S = X'X / n the factors of n cancel, so it is a function of the moments alone.
import { frobeniusSq } from './linalg.js';
import { checkBlockSizes } from './blocks.js';

/**
 * Linear CKA from covariance blocks: sab (da x db), saa (da x da), sbb (db x db), row-major.
 * In [0, 1]; null when either side has no variance at all (no live units).
 */
export function linearCka(sab: Float64Array, saa: Float64Array, sbb: Float64Array, da: number, db: number): number | null {
  checkBlockSizes('linearCka', sab, saa, sbb, da, db);
  const den = Math.sqrt(frobeniusSq(saa)) * Math.sqrt(frobeniusSq(sbb));
  if (!(den > 0)) return null;
  const cka = frobeniusSq(sab) / den;
  return Math.min(1, Math.max(0, cka));
}
