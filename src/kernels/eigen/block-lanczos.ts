// The largest eigenpairs of a dense symmetric matrix by block Lanczos with full
// reorthogonalisation (Golub & Van Loan, "Matrix Computations", 4th ed., sec. 10.3.6 and 10.3.2):
// for spectral clustering's k smallest eigenvectors of the normalised Laplacian (the k largest of
// D^-1/2 W D^-1/2) at sizes where the full decomposition (O(n^3), 4 n^2 float64 of WASM memory)
// takes minutes or does not fit: here the cost is O(n^2) per block of products, O(n s) memory.
//
//   M Q_j = Q_{j-1} B_{j-1}' + Q_j A_j + Q_{j+1} B_j      (blocks of b orthonormal columns)
//
// builds an orthonormal basis Q of the block Krylov space of a seeded random start block, and
// T = Q'MQ (s x s, s = blocks x b) whose eigenpairs (theta, S) give the Ritz pairs (theta, Q S).
// Every new block M Q_j is orthogonalised against the whole basis twice (classical Gram-Schmidt,
// twice is enough: Giraud et al., Numer. Math. 101, 2005), and T keeps every projection Q_i' M Q_j
// that this computes, not only the three-term ones (block tridiagonal in exact arithmetic), so
// that T = Q'MQ holds to rounding even where a nearly dependent new column was replaced by a
// random one (the basis then nearly spans an invariant subspace, as for a few well-separated
// clusters). No spurious copies of converged eigenvalues appear, and a block of b columns finds
// eigenvalues repeated up to b times, which single-vector Lanczos cannot.
//
// Convergence: the residual of Ritz pair i is r_i = ||M y_i - theta_i y_i|| = ||B_j S_{last block, i}||
// (Q_{j+1} has orthonormal columns), and an eigenvalue of M lies within r_i of theta_i (within
// r_i^2 / gap where it is isolated); theta_i is also at most the i-th largest eigenvalue
// (interlacing), but before convergence inside a dense part of the spectrum it may stand for a
// later one (an eigenvalue not yet found shifts the ranks). Two tolerances, relative to ||M||_est (the largest |Ritz
// value| so far, a lower bound of the spectral norm):
//   * the `count` eigenvalues: every r_i <= valueTol (default 1e-6: the values then agree with the
//     full solver's to about 1e-10 wherever the spectrum is not a dense bulk, and within r_i in
//     any case), or, when `vectors` is a callback (the eigengap rule choosing k), only until the
//     callback can decide from the values and their bounds r_i (a noisy affinity's spectrum has a
//     dense bulk past its structure, where values converge slowly and no decision needs them);
//   * the first `vectors` eigenvectors: every r_i <= tol (default 1e-10); each vector is then
//     within r_i / gap of its eigenspace.
// Before returning, the vectors' residuals are recomputed from one more product with M
// (||M Y - Y diag(theta)|| column by column, not the recurrence's estimate) and checked again.
// Where the basis reaches `maxDimension` first (a spectrum so clustered at the last pair wanted
// that Krylov methods converge slowly), or the explicit check fails, it throws with the size, the
// dimension reached and the largest residual: it never returns unconverged values or vectors.
//
// What no Krylov method can promise: an eigenvalue whose eigenvector is orthogonal to the start
// block (probability 0 for a random start) or repeated more than b times is found late or not at
// all. b = 8 by default.
//
// Cost: one product M X (n x b) per block: n^2 b multiply-adds (WASM SIMD on a copy of M, four
// columns per pass over a row, ./block-product.ts: 8 n^2 bytes more while it runs); the reorthogonalisation, 4 n s b per
// block; the small eigenproblem of T (the WASM solver, O(s^3)) every few blocks, as often as it
// costs less than the products since the last check.
import { XorShift32 } from '../../util/random.js';
import { blockProductOf, type BlockProduct } from './block-product.js';
import { checkSymmetricInput } from './contract.js';
import { symmetricEigenWasm } from './wasm.js';

export interface PartialEigenOptions {
  /** Block size b, a multiple of 4 (default 8). */
  blockSize?: number;
  /**
   * Eigenvectors wanted: the first this many (default count), or as many as the callback says from
   * the values (descending) and their error bounds (the residuals) at a convergence check; it may
   * answer null (cannot tell yet) until `final` (the values are within valueTol), when it must
   * answer. Once it has answered, the values are returned as they are then, with their bounds.
   */
  vectors?: number | ((values: Float64Array, errors: Float64Array, final: boolean) => number | null);
  /** Relative residual tolerance of the eigenvectors (default 1e-10): ||M y - theta y|| <= tol * ||M||. */
  tol?: number;
  /** Relative residual tolerance of the eigenvalues (default 1e-6): each within that of an eigenvalue of M. */
  valueTol?: number;
  /** Largest basis dimension before giving up (default min(n, max(600, 20 count))). */
  maxDimension?: number;
  /** Seed of the random start block (default 1). */
  seed?: number;
  /** Called after each block with the basis dimension and its limit (for a progress bar). */
  onBlock?(dimension: number, maxDimension: number): void | Promise<void>;
}

export interface PartialSymmetricEigen {
  /** The `count` largest eigenvalues, descending. */
  values: Float64Array;
  /** n x v row-major, v = the eigenvectors wanted; column k is the unit eigenvector of values[k], signed as the full solver's. */
  vectors: Float64Array;
  /** ||M y_k - values[k] y_k|| per pair: computed explicitly for the v vectors, the recurrence's estimate after (a bound on each value's error). */
  residuals: Float64Array;
  /** Basis dimension s at convergence, and the products with M (columns) it took. */
  dimension: number;
  products: number;
}

/** Nearly dependent: a new column keeps less than this fraction of its norm after orthogonalisation. */
const BREAKDOWN = 1e-12;

/** sum a[ao + i] b[bo + i], i < len (columns of a block are contiguous: column c at c * n). */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[ao + i] * b[bo + i];
  return s;
}

function axpy(y: Float64Array, yo: number, f: number, x: Float64Array, xo: number, len: number): void {
  for (let i = 0; i < len; i++) y[yo + i] += f * x[xo + i];
}

/**
 * z (`columns` vectors of length n) minus its projection on every block of the basis (b columns
 * each), twice (CGS2); returns, per basis block i, the b x columns coefficients Q_i' z summed over
 * both passes (row-major: [r][c] for basis column r and z's column c).
 */
function projectOut(basis: Float64Array[], z: Float64Array, n: number, b: number, columns = b): Float64Array[] {
  const total = basis.map(() => new Float64Array(b * columns));
  const coef = new Float64Array(b);
  for (let pass = 0; pass < 2; pass++) {
    basis.forEach((q, i) => {
      for (let c = 0; c < columns; c++) {
        for (let r = 0; r < b; r++) coef[r] = dot(q, r * n, z, c * n, n);
        for (let r = 0; r < b; r++) {
          axpy(z, c * n, -coef[r], q, r * n, n);
          total[i][r * columns + c] += coef[r];
        }
      }
    });
  }
  return total;
}

/**
 * Orthonormalises the b columns of z in place (modified Gram-Schmidt, twice), returning the b x b
 * upper-triangular R (row-major) of z = Q R. A column that (nearly) vanishes is replaced by a fresh
 * random one orthogonal to the basis and the earlier columns, with R's column as computed and
 * R_cc = 0: the Krylov space has (nearly) closed on an invariant subspace there.
 */
function orthonormalise(basis: Float64Array[], z: Float64Array, n: number, b: number, random: XorShift32): Float64Array {
  const r = new Float64Array(b * b);
  for (let c = 0; c < b; c++) {
    const before = Math.sqrt(dot(z, c * n, z, c * n, n));
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const h = dot(z, p * n, z, c * n, n);
        r[p * b + c] += h;
        axpy(z, c * n, -h, z, p * n, n);
      }
    }
    let norm = Math.sqrt(dot(z, c * n, z, c * n, n));
    if (!(norm > BREAKDOWN * before) || norm === 0) {
      for (let i = 0; i < n; i++) z[c * n + i] = 2 * random.draw() - 1;
      const one = z.subarray(c * n, (c + 1) * n);
      projectOut(basis, one, n, b, 1);
      for (let pass = 0; pass < 2; pass++) for (let p = 0; p < c; p++) axpy(z, c * n, -dot(z, p * n, z, c * n, n), z, p * n, n);
      const fresh = Math.sqrt(dot(z, c * n, z, c * n, n));
      for (let i = 0; i < n; i++) z[c * n + i] /= fresh;
      norm = 0;
    } else {
      for (let i = 0; i < n; i++) z[c * n + i] /= norm;
    }
    r[c * b + c] = norm;
  }
  return r;
}

/** The columns of basis blocks 0..blocks-1 combined: Y = Q S[:, 0..count) (n x count, column-major). */
function ritzVectors(basis: Float64Array[], n: number, b: number, s: Float64Array, ld: number, count: number): Float64Array {
  const y = new Float64Array(count * n);
  basis.forEach((q, blk) => {
    for (let r = 0; r < b; r++) {
      const row = (blk * b + r) * ld;
      for (let c = 0; c < count; c++) axpy(y, c * n, s[row + c], q, r * n, n);
    }
  });
  return y;
}

/**
 * The `count` largest eigenvalues of the symmetric n x n matrix `matrix` (row-major; it is read,
 * not copied, and must be symmetric: only a dense symmetric operator) and the eigenvectors of the
 * first `options.vectors` of them.
 */
export async function largestEigenpairs(matrix: Float64Array, n: number, count: number, options: PartialEigenOptions = {}): Promise<PartialSymmetricEigen> {
  checkSymmetricInput(matrix, n);
  const b = options.blockSize ?? 8;
  if (!Number.isInteger(b) || b < 4 || b % 4 !== 0) throw new Error(`partial eigensolver: block size must be a positive multiple of 4, got ${b}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`partial eigensolver: count must be a positive integer, got ${count}`);
  const tol = options.tol ?? 1e-10;
  const valueTol = Math.max(tol, options.valueTol ?? 1e-6);
  let vectorCount: number | null = typeof options.vectors === 'function' ? null : Math.max(0, Math.min(count, Math.floor(options.vectors ?? count)));
  // The basis plus the next block must fit in R^n.
  const maxDimension = Math.min(n - b, Math.floor((options.maxDimension ?? Math.max(600, 20 * count)) / b) * b);
  if (count > maxDimension - b) {
    throw new Error(`partial eigensolver: ${count} eigenpairs of a ${n} x ${n} matrix need a basis of more than ${maxDimension} vectors; use the full solver (symmetricEigen)`);
  }
  const random = new XorShift32(options.seed ?? 1);
  // The final check multiplies the wanted vectors (up to count, rounded up to 4) at once.
  const product = await blockProductOf(matrix, n, Math.max(b, Math.ceil(count / 4) * 4));
  const basis: Float64Array[] = [];
  let block = new Float64Array(b * n);
  for (let i = 0; i < block.length; i++) block[i] = 2 * random.draw() - 1;
  orthonormalise(basis, block, n, b, random);
  // T, grown by b rows and columns per block (row-major, ld = maxDimension + b).
  const ld = maxDimension + b;
  const t = new Float64Array(ld * ld);
  let products = 0;
  let lastCheckWork = 0;
  let worst = Infinity;
  let valuesDone = false;
  let normEstimate = 0;
  for (;;) {
    const j = basis.length;
    basis.push(block);
    const z = new Float64Array(b * n);
    product(block, b, z);
    products += b;
    // Z minus its projection on the whole basis, twice (CGS2); the projections are the blocks
    // Q_i' M Q_j of T (kept in full, not only the three-term ones, so that T = Q'MQ holds to
    // rounding even after a column was replaced at a breakdown).
    const coupling = projectOut(basis, z, n, b);
    const s0 = j * b;
    for (let i = 0; i <= j; i++) {
      for (let r = 0; r < b; r++) {
        for (let c = 0; c < b; c++) {
          // Symmetric: the diagonal block averaged with its transpose, the others mirrored.
          const v = i === j ? 0.5 * (coupling[i][r * b + c] + coupling[i][c * b + r]) : coupling[i][r * b + c];
          t[(i * b + r) * ld + s0 + c] = v;
          t[(s0 + c) * ld + i * b + r] = v;
        }
      }
    }
    const bj = orthonormalise(basis, z, n, b, random);
    for (let r = 0; r < b; r++) {
      for (let c = 0; c < b; c++) {
        // T[(j+1) block, j block] = B_j and its transpose (the next block's projections replace them).
        t[(s0 + b + r) * ld + s0 + c] = bj[r * b + c];
        t[(s0 + c) * ld + s0 + b + r] = bj[r * b + c];
      }
    }
    block = z;
    const s = s0 + b;
    await options.onBlock?.(s, maxDimension);
    // The small eigenproblem costs about 10 s^3 flops; check when that is below the products since
    // the last check (2 n^2 b per block), or at the end.
    const work = products * 2 * n * n;
    const last = s >= maxDimension;
    if (s < count + b || (!last && 10 * s ** 3 > work - lastCheckWork)) continue;
    lastCheckWork = work;
    const tt = new Float64Array(s * s);
    for (let r = 0; r < s; r++) tt.set(t.subarray(r * ld, r * ld + s), r * s);
    const small = await symmetricEigenWasm(tt, s);
    normEstimate = Math.max(normEstimate, Math.abs(small.values[0]), Math.abs(small.values[s - 1]));
    // Residual of pair i: ||B_j S[last block, i]||.
    const residual = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let sq = 0;
      for (let r = 0; r < b; r++) {
        let v = 0;
        for (let c = 0; c < b; c++) v += bj[r * b + c] * small.vectors[(s0 + c) * s + i];
        sq += v * v;
      }
      residual[i] = Math.sqrt(sq);
    }
    valuesDone = residual.every((r) => r <= valueTol * normEstimate);
    const decide = options.vectors;
    if (vectorCount === null && typeof decide === 'function') {
      // The caller decides from the values and their error bounds as soon as it can; at valueTol it must.
      const decided = decide(small.values.slice(0, count), residual.slice(), valuesDone);
      if (decided !== null) vectorCount = Math.max(0, Math.min(count, Math.floor(decided)));
    }
    worst = 0;
    for (let i = 0; i < (vectorCount ?? 0); i++) worst = Math.max(worst, residual[i]);
    const valuesReady = typeof decide === 'function' ? vectorCount !== null : valuesDone;
    if (valuesReady && vectorCount !== null && worst <= tol * normEstimate) {
      return finish(product, n, vectorCount, basis, b, small.values.slice(0, count), small.vectors, s, products, tol * normEstimate, residual);
    }
    if (!valuesReady) worst = Math.max(...residual);
    if (last) break;
  }
  const what = vectorCount === null || (typeof options.vectors !== 'function' && !valuesDone) ? `${count} largest eigenvalues` : `eigenvectors of the ${vectorCount} largest eigenvalues`;
  throw new Error(
    `partial eigensolver: the ${what} of a ${n} x ${n} matrix did not converge within a basis of ${maxDimension} vectors ` +
      `(largest residual ${worst.toExponential(2)}, tolerance ${((what.startsWith('eigenvectors') ? tol : valueTol) * normEstimate).toExponential(2)}): the spectrum is too clustered there; use the full solver`,
  );
}

/** The Ritz pairs, the vectors checked by an explicit product with M and signed as the full solver signs them. */
async function finish(product: BlockProduct, n: number, count: number, basis: Float64Array[], b: number, values: Float64Array, s: Float64Array, dim: number, products: number, bound: number, residuals: Float64Array): Promise<PartialSymmetricEigen> {
  const y = ritzVectors(basis, n, b, s, dim, count);
  const padded = Math.ceil(count / 4) * 4;
  const yy = new Float64Array(padded * n);
  yy.set(y);
  const my = new Float64Array(padded * n);
  if (count > 0) product(yy, padded, my);
  for (let c = 0; c < count; c++) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (my[c * n + i] - values[c] * y[c * n + i]) ** 2;
    residuals[c] = Math.sqrt(sq);
  }
  // The recurrence's estimate and the explicit residual agree to rounding (full reorthogonalisation):
  // allow that rounding, sqrt(n) eps per entry of M Y, on top of the bound.
  const slack = bound + 64 * Number.EPSILON * Math.sqrt(n) * Math.max(1, Math.abs(values[0]));
  for (let c = 0; c < count; c++) {
    if (!(residuals[c] <= 2 * slack)) throw new Error(`partial eigensolver: eigenpair ${c} of a ${n} x ${n} matrix has residual ${residuals[c].toExponential(2)} when checked (bound ${slack.toExponential(2)}); not returned`);
  }
  const vectors = new Float64Array(n * count);
  for (let c = 0; c < count; c++) {
    // Sign: the largest-magnitude component (the first such) positive, as the full solver.
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(y[c * n + i]) > Math.abs(big)) big = y[c * n + i];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * count + c] = sign * y[c * n + i];
  }
  return { values, vectors, residuals, dimension: dim, products: products + (count > 0 ? padded : 0) };
}
