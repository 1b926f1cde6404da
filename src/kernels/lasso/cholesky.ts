// The Cholesky factors of the LASSO solver: a factor of a principal submatrix kept under additions
// and removals (the Newton steps' G_EE or H_FF, see reference.ts), and the pivoted factor of G with
// its row solves (least squares at alpha 0, and G^-1 for the complement mode).

import { PIVOT_TOL, RANK_TOL } from './contract.js';
import { axpyNeg, dot4, swapStrided } from './vector-ops.js';

/**
 * L L' = M[S, S] for an ordered index set S of a symmetric positive definite d x d matrix M
 * (row-major). L is lower triangular, row p at l[p * d], its first p + 1 entries used.
 */
export class FactorSet {
  readonly l: Float64Array;
  readonly idx: Int32Array;
  /** Position of each index in S, or -1. */
  readonly pos: Int32Array;
  n = 0;
  /** 0: factor of G_EE (direct); 1: factor of H_FF (complement). */
  mode = 0;
  private readonly x: Float64Array;

  constructor(readonly d: number) {
    this.l = new Float64Array(d * d);
    this.idx = new Int32Array(d);
    this.pos = new Int32Array(d).fill(-1);
    this.x = new Float64Array(d);
  }

  reset(mode: number): void {
    for (let p = 0; p < this.n; p++) this.pos[this.idx[p]] = -1;
    this.n = 0;
    this.mode = mode;
  }

  /** Appends index i; false (nothing changed) when the new pivot is not safely positive. */
  add(m: Float64Array, i: number): boolean {
    const { l, idx, d } = this;
    const n = this.n;
    const row = n * d;
    const mi = i * d;
    for (let p = 0; p < n; p++) {
      const t = m[mi + idx[p]] - dot4(l, p * d, l, row, p);
      l[row + p] = t / l[p * d + p];
    }
    const s = m[mi + i] - dot4(l, row, l, row, n);
    if (!(s > PIVOT_TOL * m[mi + i])) return false;
    l[row + n] = Math.sqrt(s);
    idx[n] = i;
    this.pos[i] = n;
    this.n = n + 1;
    return true;
  }

  /** Removes the index at position q: rows below move up, the trailing block gets a rank-one update. */
  remove(q: number): void {
    const { l, idx, pos, d, x } = this;
    const n = this.n;
    const m = n - 1 - q;
    // x = column q below the diagonal; the trailing block T (rows/cols q+1..n-1) becomes the
    // factor of T T' + x x' (Golub & Van Loan sec. 6.5.4, by rotations), written one row up.
    for (let r = 0; r < m; r++) x[r] = l[(q + 1 + r) * d + q];
    for (let r = 0; r < m; r++) {
      const a = q + 1 + r; // old row/column
      const lkk = l[a * d + a];
      const xr = x[r];
      const rr = Math.sqrt(lkk * lkk + xr * xr);
      const c = rr / lkk;
      const s = xr / lkk;
      l[a * d + a] = rr;
      for (let i = r + 1; i < m; i++) {
        const b = q + 1 + i;
        const v = (l[b * d + a] + s * x[i]) / c;
        l[b * d + a] = v;
        x[i] = c * x[i] - s * v;
      }
    }
    // Shift: old row a (> q) becomes row a - 1, dropping column q.
    for (let a = q + 1; a < n; a++) {
      const src = a * d;
      const dst = (a - 1) * d;
      for (let j = 0; j < q; j++) l[dst + j] = l[src + j];
      for (let j = q + 1; j <= a; j++) l[dst + j - 1] = l[src + j];
    }
    pos[idx[q]] = -1;
    for (let p = q + 1; p < n; p++) {
      idx[p - 1] = idx[p];
      pos[idx[p - 1]] = p - 1;
    }
    this.n = n - 1;
  }

  /**
   * After add(m, i) failed: y (length n) with M[S, S] y = M[S, i], from the row the failed add
   * left at position n (L l = M[S, i], so y = L'^-1 l). Then u = (-y on S, 1 at i) is a null
   * direction of M on S + {i}, up to the refused pivot.
   */
  nullDirection(y: Float64Array): void {
    const { l, d } = this;
    const n = this.n;
    for (let p = 0; p < n; p++) y[p] = l[n * d + p];
    for (let p = n - 1; p >= 0; p--) {
      const z = y[p] / l[p * d + p];
      y[p] = z;
      axpyNeg(y, 0, z, l, p * d, p);
    }
  }

  /** Solves L L' z = b in place (b in the order of S, length n). */
  solve(b: Float64Array): void {
    const { l, d } = this;
    const n = this.n;
    for (let p = 0; p < n; p++) b[p] = (b[p] - dot4(l, p * d, b, 0, p)) / l[p * d + p];
    for (let p = n - 1; p >= 0; p--) {
      const z = b[p] / l[p * d + p];
      b[p] = z;
      axpyNeg(b, 0, z, l, p * d, p);
    }
  }
}

// ---- The pivoted factor of G ----

/** Cholesky with symmetric pivoting of a copy of G: factor (lower, pivoted order), perm, rank. */
export function pivotedCholesky(gram: Float64Array, d: number): { a: Float64Array; perm: Int32Array; rank: number } {
  const a = Float64Array.from(gram);
  const perm = new Int32Array(d);
  for (let i = 0; i < d; i++) perm[i] = i;
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, gram[i * d + i]);
  const threshold = RANK_TOL * maxDiag;
  let rank = 0;
  for (let k = 0; k < d; k++) {
    let best = k;
    for (let i = k + 1; i < d; i++) if (a[i * d + i] > a[best * d + best]) best = i;
    if (!(a[best * d + best] > threshold)) break;
    if (best !== k) {
      // Symmetric swap of rows and columns k and best (the trailing block is kept full).
      swapStrided(a, k * d, best * d, d, 1);
      swapStrided(a, k, best, d, d);
      const p = perm[k];
      perm[k] = perm[best];
      perm[best] = p;
    }
    const lkk = Math.sqrt(a[k * d + k]);
    a[k * d + k] = lkk;
    for (let i = k + 1; i < d; i++) a[i * d + k] /= lkk;
    for (let j = k + 1; j < d; j++) a[k * d + j] = a[j * d + k];
    for (let i = k + 1; i < d; i++) {
      const lik = a[i * d + k];
      if (lik !== 0) axpyNeg(a, i * d + k + 1, lik, a, k * d + k + 1, d - k - 1);
    }
    rank++;
  }
  return { a, perm, rank };
}

/** Solves L Y = B in place for B (r x t row-major, pivoted order) with the factor's first r rows. */
export function choleskyForwardRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < i; k++) {
      const l = a[i * d + k];
      if (l !== 0) axpyNeg(b, i * t, l, b, k * t, t);
    }
    const inv = 1 / a[i * d + i];
    for (let j = 0; j < t; j++) b[i * t + j] *= inv;
  }
}

/** Solves L' X = Y in place. */
export function choleskyBackwardRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  for (let i = r - 1; i >= 0; i--) {
    for (let k = i + 1; k < r; k++) {
      const l = a[k * d + i];
      if (l !== 0) axpyNeg(b, i * t, l, b, k * t, t);
    }
    const inv = 1 / a[i * d + i];
    for (let j = 0; j < t; j++) b[i * t + j] *= inv;
  }
}

/** Solves L L' X = B in place for B (r x t row-major, pivoted order) with the factor's first r rows. */
export function choleskySolveRows(a: Float64Array, d: number, r: number, b: Float64Array, t: number): void {
  choleskyForwardRows(a, d, r, b, t);
  choleskyBackwardRows(a, d, r, b, t);
}

/**
 * Solves L Y = I in place for b = I (d x d) with a full-rank factor: choleskyForwardRows with each
 * row's update cut to the columns where the rows of L^-1 can be non-zero (row k of Y is zero past
 * column k, and subtracting l * 0 leaves every entry as it was), d^3 / 6 multiply-adds instead of
 * d^3 / 2, the same values.
 */
export function choleskyForwardIdentity(a: Float64Array, d: number, b: Float64Array): void {
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) {
      const l = a[i * d + k];
      if (l !== 0) axpyNeg(b, i * d, l, b, k * d, k + 1);
    }
    const inv = 1 / a[i * d + i];
    for (let j = 0; j <= i; j++) b[i * d + j] *= inv;
  }
}

/**
 * G^-1 (d x d row-major) when the pivoted Cholesky finds G of full rank (pivots above RANK_TOL),
 * else null. Used by the Newton steps in complement mode. The definition of the WASM version
 * (assembly/lasso-inverse.ts, host in inverse-wasm.ts), which returns the same matrix bit for bit.
 */
export function gramInverse(gram: Float64Array, d: number): Float64Array | null {
  if (d === 0) return null;
  const { a, perm, rank } = pivotedCholesky(gram, d);
  if (rank < d) return null;
  const b = new Float64Array(d * d);
  for (let i = 0; i < d; i++) b[i * d + i] = 1; // rows of the permuted identity: P' e
  choleskyForwardIdentity(a, d, b);
  choleskyBackwardRows(a, d, d, b, d);
  return inverseFromPivoted(b, perm, d);
}

/** G^-1 from b = (P'GP)^-1 in pivoted order: G^-1[perm i, perm j] = b[i, j], made exactly symmetric. */
export function inverseFromPivoted(b: Float64Array, perm: Int32Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[perm[i] * d + perm[j]] = b[i * d + j];
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = 0.5 * (inv[i * d + j] + inv[j * d + i]);
      inv[i * d + j] = s;
      inv[j * d + i] = s;
    }
  }
  return inv;
}
