// Small dense linear algebra for the similarity metrics: row-major float64 matrices, products,
// whitening and singular values through the symmetric eigensolver (`symmetricEigen`, async so a
// WASM version can stand behind it). No `node:` imports: this runs wherever the kernels run.
import { symmetricEigen, type SymmetricEigen } from '../../kernels/eigen/index.js';

/**
 * Eigen-directions whose eigenvalue is at most this fraction of the largest are treated as the null
 * space of a covariance (rank deficiency: more units than samples, units that are exact linear
 * combinations of others, rounding residue of dead units). The co-moments carry a relative rounding
 * error of about 1e-16 x d, so 1e-10 leaves a wide margin; a real direction with 1e-10 of the top
 * variance (std ratio 1e-5) is dropped too, which is the price of never dividing by noise.
 */
export const DEFAULT_RELATIVE_EPSILON = 1e-10;

/**
 * The relative precision of a co-moment entry, with margin: the WASM and WebGPU kernels sum
 * products in float32 (measured: correlations within 3.1e-7 ~ 2^-21.6 of float64's), and most
 * activations are float32 to begin with. A null direction of a covariance therefore shows an
 * eigenvalue of rounding noise, not zero: on 64 units spanning 6 dimensions (the numerics CCA
 * fixture) 3e-8 on WASM against 1e-14 on the float64 reference, and a relative epsilon of 1e-10
 * kept 27 of those noise directions on WASM (CCA rank 33, spurious correlations). The noise matrix
 * E has |E_ij| <~ u sqrt(C_ii C_jj), so its spectral norm is about u trace(C) / sqrt(d) for
 * random-like errors (u trace(C) at worst): eigenvalues below that floor are noise on every
 * backend, and the same floor on every backend makes their rank decisions agree.
 */
export const MOMENT_PRECISION = 2 ** -20;

/** Eigenvalues at or below this are indistinguishable from the moments' rounding noise. */
export function momentNoiseFloor(values: Float64Array, d: number): number {
  let trace = 0;
  for (let i = 0; i < values.length; i++) trace += Math.max(0, values[i]);
  return d > 0 ? (MOMENT_PRECISION * trace) / Math.sqrt(d) : 0;
}

/** The eigenvalue a kept direction must exceed: epsilon x the largest, and the noise floor. */
function nullSpaceThreshold(values: Float64Array, d: number, epsilon: number): number {
  return Math.max(epsilon * values[0], momentNoiseFloor(values, d));
}

/** C = A B with A m x k and B k x n. */
export function matMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
  return c;
}

/** C = A' B with A k x m and B k x n (C is m x n). */
export function matTMul(a: Float64Array, b: Float64Array, k: number, m: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let p = 0; p < k; p++) {
    const ap = p * m;
    const bp = p * n;
    for (let i = 0; i < m; i++) {
      const api = a[ap + i];
      if (api === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
    }
  }
  return c;
}

/** The m x n matrix A transposed (n x m). */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** Sum of squares of all entries (the squared Frobenius norm). */
export function frobeniusSq(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

export function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/**
 * 1 / standard deviation from a covariance's diagonal, and 0 where the variance is not positive
 * (a unit with no variance then contributes a zero row and column instead of NaN).
 */
export function inverseStd(cov: Float64Array, d: number): Float64Array {
  const s = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const v = cov[i * d + i];
    s[i] = v > 0 ? 1 / Math.sqrt(v) : 0;
  }
  return s;
}

/** diag(left) M diag(right) for an m x n M (null: identity), e.g. covariance to correlation. */
export function scaleRowsCols(mat: Float64Array, m: number, n: number, left: Float64Array | null, right: Float64Array | null): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const li = left ? left[i] : 1;
    for (let j = 0; j < n; j++) out[i * n + j] = mat[i * n + j] * li * (right ? right[j] : 1);
  }
  return out;
}

export interface Whitener {
  /** d x rank, row-major: W = U_r diag(lambda_r)^-1/2, so W' C W = I_rank. */
  w: Float64Array;
  d: number;
  rank: number;
  /** Eigenvalues of the covariance, descending (all of them, kept or not). */
  values: Float64Array;
}

/**
 * Whitening transform of a symmetric positive semi-definite d x d matrix C through its eigen
 * decomposition, keeping only eigenvalues above `epsilon` x the largest (the rest are the null
 * space: see DEFAULT_RELATIVE_EPSILON), and above the moments' noise floor (MOMENT_PRECISION). With rank r < d, W' C W = I_r and W W' is C's
 * pseudo-inverse, so regressions become least squares with the minimum-norm solution and CCA is
 * taken over the directions the data actually spans. `maxRank` keeps at most that many leading
 * directions (SVCCA's top principal directions).
 */
export async function whitener(cov: Float64Array, d: number, epsilon = DEFAULT_RELATIVE_EPSILON, maxRank = d): Promise<Whitener> {
  if (d === 0) return { w: new Float64Array(0), d, rank: 0, values: new Float64Array(0) };
  return whitenerFromEigen(await symmetricEigen(cov, d), d, epsilon, maxRank);
}

/** `whitener` from an eigen decomposition already at hand (values descending). */
export function whitenerFromEigen(eigen: SymmetricEigen, d: number, epsilon = DEFAULT_RELATIVE_EPSILON, maxRank = d): Whitener {
  const { values, vectors } = eigen;
  const top = d > 0 ? values[0] : 0;
  let rank = 0;
  if (top > 0) {
    const threshold = nullSpaceThreshold(values, d, epsilon);
    while (rank < Math.min(d, maxRank) && values[rank] > threshold) rank++;
  }
  const w = new Float64Array(d * rank);
  for (let k = 0; k < rank; k++) {
    const s = 1 / Math.sqrt(values[k]);
    for (let i = 0; i < d; i++) w[i * rank + k] = vectors[i * d + k] * s;
  }
  return { w, d, rank, values };
}

/**
 * Symmetric inverse square root C^-1/2 = U_r diag(lambda_r)^-1/2 U_r' (a pseudo-inverse square
 * root where C is rank-deficient, same relative epsilon as `whitener`).
 */
export async function inverseSqrt(cov: Float64Array, d: number, epsilon = DEFAULT_RELATIVE_EPSILON): Promise<{ matrix: Float64Array; rank: number }> {
  if (d === 0) return { matrix: new Float64Array(0), rank: 0 };
  const { values, vectors } = await symmetricEigen(cov, d);
  const top = values[0];
  const out = new Float64Array(d * d);
  let rank = 0;
  const threshold = top > 0 ? nullSpaceThreshold(values, d, epsilon) : 0;
  for (let k = 0; k < d && top > 0 && values[k] > threshold; k++) {
    rank++;
    const s = 1 / Math.sqrt(values[k]);
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * s;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return { matrix: out, rank };
}

/**
 * Singular values of an m x n matrix T, descending, min(m, n) of them. The right (or left)
 * singular vectors come from the eigen decomposition of the smaller Gram matrix T'T (or TT'),
 * and each singular value is then measured as ||T v_k|| on T itself rather than as sqrt(lambda_k).
 * Squaring costs sqrt(lambda_k): an absolute error of about 1e-8 ||T|| on tiny singular values;
 * measuring ||T v_k|| only suffers the eigenvectors' mixing, about 1e-16 ||T||^2 / sigma_next
 * (sigma_next the nearest larger singular value): 1e-16 for singular values down to 1e-6 ||T||,
 * 1e-9 at worst when they span 16 orders of magnitude (test/align/math/metrics.test.ts).
 */
export async function singularValues(t: Float64Array, m: number, n: number): Promise<Float64Array> {
  const k = Math.min(m, n);
  if (k === 0) return new Float64Array(0);
  // Work on the side with fewer columns: T (m x n, n <= m) or T' (n x m).
  const tall = n <= m ? t : transpose(t, m, n);
  const rows = Math.max(m, n);
  const gram = matTMul(tall, tall, rows, k, k);
  const { vectors } = await symmetricEigen(gram, k);
  const tv = matMul(tall, vectors, rows, k, k);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += tv[r * k + c] * tv[r * k + c];
    out[c] = Math.sqrt(s);
  }
  return out.sort((x, y) => y - x);
}

/** Nuclear norm (sum of singular values) of an m x n matrix. */
export async function nuclearNorm(t: Float64Array, m: number, n: number): Promise<number> {
  const s = await singularValues(t, m, n);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  return sum;
}
