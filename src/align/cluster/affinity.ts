// From correlations to the spectral pieces shared by the clustering methods: the affinity, the
// normalised affinity D^-1/2 W D^-1/2 (W with a zero diagonal, D its row sums: the normalised
// Laplacian is L = I - D^-1/2 W D^-1/2, as scipy.sparse.csgraph.laplacian(normed=True) and
// sklearn's spectral_embedding build it), the spectral embedding and the eigengap choice of k.
import { symmetricEigen } from '../../kernels/eigen/index.js';

/**
 * How a correlation r becomes an affinity:
 *   `square`           r^2, the variance two units share (the default of `spectral`): sign-blind,
 *                      and the sampling noise of an unrelated pair's r (~ 1 / sqrt(samples)) only
 *                      weighs ~ 1 / samples, so that thousands of weak spurious links do not drown
 *                      the real ones in the degrees (on the embedded example's fc1, 2000 samples,
 *                      the eigengap rule finds the planted 24 copied pairs + 1 shared subspace with
 *                      r^2, and only 2 clusters with |r|);
 *   `abs`              |r| (a unit and its negation carry the same information);
 *   `positive`         max(r, 0) (anti-correlated units are as unrelated as uncorrelated ones);
 *   `positive-square`  max(r, 0)^2.
 */
export type AffinityKind = 'square' | 'abs' | 'positive' | 'positive-square';
export const AFFINITY_KINDS: readonly AffinityKind[] = ['square', 'abs', 'positive', 'positive-square'];

function affinityOf(r: number, kind: AffinityKind): number {
  switch (kind) {
    case 'square':
      return r * r;
    case 'abs':
      return Math.abs(r);
    case 'positive':
      return r > 0 ? r : 0;
    case 'positive-square':
      return r > 0 ? r * r : 0;
  }
}

/** The affinity matrix (n x n) of a correlation matrix, diagonal 0. */
export function affinityMatrix(corr: Float64Array, n: number, kind: AffinityKind): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w[i] = affinityOf(corr[i], kind);
  for (let i = 0; i < n; i++) w[i * n + i] = 0;
  return w;
}

export interface NormalisedAffinity {
  /** D^-1/2 W D^-1/2, n x n: W itself, scaled in place. */
  m: Float64Array;
  /** sqrt of each row sum of W, 1 for an isolated row (sum 0), as scipy's laplacian. */
  sqrtDegree: Float64Array;
}

/** D^-1/2 W D^-1/2 for an affinity W with a zero diagonal, computed in place (W is overwritten). */
export function normaliseAffinity(w: Float64Array, n: number): NormalisedAffinity {
  const sqrtDegree = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += w[i * n + j];
    sqrtDegree[i] = s > 0 ? Math.sqrt(s) : 1;
  }
  for (let i = 0; i < n; i++) {
    const di = sqrtDegree[i];
    for (let j = 0; j < n; j++) w[i * n + j] /= di * sqrtDegree[j];
  }
  return { m: w, sqrtDegree };
}

export interface Spectrum {
  /** Eigenvalues of the normalised Laplacian L = I - D^-1/2 W D^-1/2, ascending. */
  laplacian: Float64Array;
  /** Eigenvectors of L in the same order: column k (row-major n x n) for laplacian[k]. */
  vectors: Float64Array;
  sqrtDegree: Float64Array;
}

/** The normalised Laplacian's spectrum of a correlation matrix under an affinity. */
export async function laplacianSpectrum(corr: Float64Array, n: number, kind: AffinityKind): Promise<Spectrum> {
  const { m, sqrtDegree } = normaliseAffinity(affinityMatrix(corr, n, kind), n);
  // The largest eigenvalues of D^-1/2 W D^-1/2 are the smallest of L = I - D^-1/2 W D^-1/2.
  const { values, vectors } = await symmetricEigen(m, n);
  return { laplacian: values.map((mu) => 1 - mu), vectors, sqrtDegree };
}

/**
 * sklearn's spectral embedding (manifold.spectral_embedding with norm_laplacian and
 * drop_first=False, as SpectralClustering uses it): the eigenvectors of the k smallest
 * eigenvalues of L, row i divided by sqrt(degree_i). n x k row-major.
 */
export function spectralEmbedding(spectrum: Spectrum, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const s = 1 / spectrum.sqrtDegree[i];
    for (let c = 0; c < k; c++) out[i * k + c] = spectrum.vectors[i * n + c] * s;
  }
  return out;
}

/**
 * The eigengap rule: the k in [2, min(maxK, floor(n / 2))] that maximises lambda_{k+1} - lambda_k
 * (lambda ascending, 1-based: the gap after the k-th smallest eigenvalue of L), the smallest such k
 * on ties. With fewer than 4 units the range is empty and the answer is 1 (one cluster).
 *
 * Why n / 2: when the units of a group correlate across the two nets but not within one (a shared
 * subspace in rotated bases), the affinity graph is nearly bipartite and the spectrum of L nearly
 * mirrored around 1, so the gap below the top c eigenvalues (at k = n - c) rivals the one above the
 * bottom c (at k = c). More than n / 2 clusters would also mean singleton clusters.
 */
export function eigengapK(laplacianAscending: ArrayLike<number>, maxK: number): number {
  const n = laplacianAscending.length;
  const hi = Math.min(Math.floor(maxK), Math.floor(n / 2));
  if (hi < 2) return 1;
  let best = 2;
  let bestGap = -Infinity;
  for (let k = 2; k <= hi; k++) {
    const gap = laplacianAscending[k] - laplacianAscending[k - 1];
    if (gap > bestGap) {
      bestGap = gap;
      best = k;
    }
  }
  return best;
}
