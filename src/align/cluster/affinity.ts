// From correlations to the spectral pieces shared by the clustering methods: the affinity, the
// normalised affinity D^-1/2 W D^-1/2 (W with a zero diagonal, D its row sums: the normalised
// Laplacian is L = I - D^-1/2 W D^-1/2, as scipy.sparse.csgraph.laplacian(normed=True) and
// sklearn's spectral_embedding build it), the spectral embedding and the eigengap choice of k.
import { symmetricEigen } from '../../kernels/eigen/index.js';
import { largestEigenpairs } from '../../kernels/eigen/block-lanczos.js';

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
  /** The `count` smallest eigenvalues of L = I - D^-1/2 W D^-1/2, ascending (all n by default). */
  laplacian: Float64Array;
  /**
   * 0 from the full solver (exact to rounding); from block Lanczos the residual r_i: the value lies
   * within r_i of an eigenvalue of L and, by interlacing, not below the eigenvalue of its rank (in
   * a dense bulk not yet converged, that of a later rank).
   */
  errors: Float64Array;
  /** Eigenvectors of the first `vectorCount` of them: n x vectorCount row-major, column k for laplacian[k]. */
  vectors: Float64Array;
  vectorCount: number;
  sqrtDegree: Float64Array;
  /** How they were found: 'full' (every eigenpair) or 'block Lanczos' (the count wanted), and its basis size. */
  solver: 'full' | 'block Lanczos';
  krylovDimension?: number;
}

/**
 * From this many units on, the smallest eigenpairs come from the block Lanczos solver
 * (src/kernels/eigen/block-lanczos.ts) rather than the full decomposition. Measured on the
 * normalised r^2 affinity of a factor-model correlation matrix (bench/methods-at-scale.ts's data),
 * the eigengap rule's 33 eigenvalues and its k vectors, 2 cores shared with other work (load about
 * 8; two runs each, 2026-12-07): n = 768: full 0.8-1.9 s, Lanczos 7-16 s (its basis reached 656
 * vectors: the basis a dense spectrum needs does not shrink with n); n = 1024: full 4.1-4.2 s,
 * Lanczos 1.1-2.4 s; n = 1536: full 10.0-10.9 s, Lanczos 4.0 s; n = 4096: full 153 s, Lanczos
 * 33 s (load 13, before the WASM product). Below it the full solver is as fast or faster and
 * needs no convergence test.
 */
export const PARTIAL_EIGEN_FROM = 1536;

/** Whether laplacianSpectrum's 'auto' choice is block Lanczos for `count` pairs of n units. */
export function usesPartialSolver(n: number, count: number): boolean {
  return n >= PARTIAL_EIGEN_FROM && count <= n / 8;
}

/** Options of laplacianSpectrum beyond the affinity. */
export interface SpectrumOptions {
  /** How many of the smallest eigenvalues are needed (default all n). */
  count?: number;
  /**
   * Eigenvectors needed: the first this many (default count), or as many as the callback says from
   * the eigenvalues (ascending) and their error bounds, null while it cannot tell and `final` is
   * false (as certainEigengapK answers).
   */
  vectors?: number | ((laplacianAscending: Float64Array, errors: Float64Array, final: boolean) => number | null);
  /** 'auto' (default): block Lanczos from PARTIAL_EIGEN_FROM units when at most n / 8 pairs are wanted; or force one. */
  solver?: 'auto' | 'full' | 'partial';
  /** Block size of the partial solver (default 8). */
  blockSize?: number;
  /** Progress of the partial solver: its basis dimension and the most it may reach. */
  onBlock?(dimension: number, maxDimension: number): void | Promise<void>;
}

/**
 * The normalised Laplacian's spectrum of a correlation matrix under an affinity: its `count`
 * smallest eigenpairs, from the full solver below PARTIAL_EIGEN_FROM units (or when more than an
 * eighth of the spectrum is wanted), else from block Lanczos, which either converges (each
 * eigenvalue within 1e-6 of one of L's, and ||L y - lambda y|| <= 1e-10 for each eigenvector) or
 * throws.
 */
export async function laplacianSpectrum(corr: Float64Array, n: number, kind: AffinityKind, options: SpectrumOptions = {}): Promise<Spectrum> {
  const count = Math.max(0, Math.min(n, Math.floor(options.count ?? n)));
  const { m, sqrtDegree } = normaliseAffinity(affinityMatrix(corr, n, kind), n);
  // The largest eigenvalues of D^-1/2 W D^-1/2 are the smallest of L = I - D^-1/2 W D^-1/2.
  const solver = options.solver ?? 'auto';
  if (count >= 1 && (solver === 'partial' || (solver === 'auto' && usesPartialSolver(n, count)))) {
    const wanted = options.vectors;
    const vectors = typeof wanted === 'function' ? (mu: Float64Array, errors: Float64Array, final: boolean) => wanted(mu.map((x) => 1 - x), errors, final) : wanted;
    const part = await largestEigenpairs(m, n, count, { onBlock: options.onBlock, blockSize: options.blockSize, vectors });
    const held = part.vectors.length / n;
    return { laplacian: part.values.map((mu) => 1 - mu), errors: part.residuals, vectors: part.vectors, vectorCount: held, sqrtDegree, solver: 'block Lanczos', krylovDimension: part.dimension };
  }
  const { values, vectors } = await symmetricEigen(m, n);
  const laplacian = values.slice(0, count).map((mu) => 1 - mu);
  const wanted = options.vectors ?? count;
  // The full solver's values are exact to rounding: no error bound to carry.
  const errors = new Float64Array(count);
  const vectorCount = Math.max(0, Math.min(count, Math.floor(typeof wanted === 'function' ? wanted(laplacian, errors, true)! : wanted)));
  if (vectorCount === n) return { laplacian, errors, vectors, vectorCount, sqrtDegree, solver: 'full' };
  const kept = new Float64Array(n * vectorCount);
  for (let i = 0; i < n; i++) kept.set(vectors.subarray(i * n, i * n + vectorCount), i * vectorCount);
  return { laplacian, errors, vectors: kept, vectorCount, sqrtDegree, solver: 'full' };
}

/**
 * sklearn's spectral embedding (manifold.spectral_embedding with norm_laplacian and
 * drop_first=False, as SpectralClustering uses it): the eigenvectors of the k smallest
 * eigenvalues of L, row i divided by sqrt(degree_i). n x k row-major (k at most the pairs held).
 */
export function spectralEmbedding(spectrum: Spectrum, n: number, k: number): Float64Array {
  const held = spectrum.vectorCount;
  if (k > held) throw new Error(`spectral embedding: ${k} eigenvectors wanted, ${held} computed`);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const s = 1 / spectrum.sqrtDegree[i];
    for (let c = 0; c < k; c++) out[i * k + c] = spectrum.vectors[i * held + c] * s;
  }
  return out;
}

/** Eigenpairs the eigengap rule reads for n units and max-k: lambda_1 .. lambda_{hi + 1}. */
export function eigengapCount(n: number, maxK: number): number {
  return Math.min(n, Math.max(1, Math.min(Math.floor(maxK), Math.floor(n / 2))) + 1);
}

/**
 * The eigengap rule: the k in [2, min(maxK, floor(n / 2))] that maximises lambda_{k+1} - lambda_k
 * (lambda ascending, 1-based: the gap after the k-th smallest eigenvalue of L), the smallest such k
 * on ties. With fewer than 4 units the range is empty and the answer is 1 (one cluster). n is the
 * number of units (the spectrum may hold only its eigengapCount(n, maxK) smallest values).
 *
 * Why n / 2: when the units of a group correlate across the two nets but not within one (a shared
 * subspace in rotated bases), the affinity graph is nearly bipartite and the spectrum of L nearly
 * mirrored around 1, so the gap below the top c eigenvalues (at k = n - c) rivals the one above the
 * bottom c (at k = c). More than n / 2 clusters would also mean singleton clusters.
 */
export function eigengapK(laplacianAscending: ArrayLike<number>, maxK: number, n = laplacianAscending.length): number {
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

/**
 * The eigengap rule on values not yet converged: the k it picks when it is certain, else null
 * (unless `final`: then eigengapK of the values as they are). From block Lanczos the i-th value
 * (ascending) is an upper bound of the i-th eigenvalue of L (interlacing) and within errors[i] of
 * some eigenvalue, but inside a dense part of the spectrum it may still belong to a later one (an
 * eigenvalue not yet found shifts the ranks): index-by-index gaps cannot be trusted there. So k is
 * certain only when its gap, at least (lambda_{k+1} - errors) - lambda_k, exceeds the whole width
 * of the values below it (lambda_k - (lambda_1 - errors), which bounds every gap among them) and of
 * those above it (lambda_{hi+1} - (lambda_{k+1} - errors)): a clear structure followed by a bulk.
 * That assumes no eigenvalue hides inside the gap itself or below the first (an isolated eigenvalue
 * at an end of the spectrum is what a Krylov basis finds first). With zero bounds (the full
 * solver) this is eigengapK.
 */
export function certainEigengapK(laplacianAscending: ArrayLike<number>, errors: ArrayLike<number>, maxK: number, n: number, final: boolean): number | null {
  const k = eigengapK(laplacianAscending, maxK, n);
  if (final || k === 1) return k;
  const hi = Math.min(Math.floor(maxK), Math.floor(n / 2));
  let exact = true;
  for (let j = 0; j <= hi; j++) if (errors[j] !== 0) exact = false;
  if (exact) return k;
  const v = laplacianAscending;
  const next = v[k] - errors[k];
  const gap = next - v[k - 1];
  const below = v[k - 1] - (v[0] - errors[0]);
  const above = v[hi] - next;
  return gap > below && gap > above ? k : null;
}
