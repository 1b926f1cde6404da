// G^-1 for the LASSO's Newton steps (complement mode, see src/kernels/lasso/reference.ts): the
// pivoted Cholesky factor of G and the solves against the identity, in WASM SIMD. The definition
// is gramInverse in src/kernels/lasso/cholesky.ts (with pivotedCholesky,
// choleskyForwardIdentity and choleskyBackwardRows); this is the same computation with the same
// float64 operations in the same order, so the host gets the reference's G^-1 bit for bit: every
// inner loop is an element-wise axpy (f64x2 lanes, separate multiply and subtract, no fused
// multiply-add) or a scalar loop. O(d^3): the reason it is not plain TypeScript (minutes at 4,096
// predictors there).
//
// Memory: the host lays out a (d x d, a copy of G, factored in place), b (d x d, the identity on
// entry, G's permuted inverse on exit) and perm (d i32).

import { ldf, stf, ldi, sti } from './pointers';
import { axpyNeg } from './lasso';

/** Swaps a[i + t * stride] and a[j + t * stride] for t < n. */
function swapStrided(a: usize, i: i32, j: i32, n: i32, stride: i32): void {
  for (let t = 0; t < n; t++) {
    const x = ldf(a, i + t * stride);
    stf(a, i + t * stride, ldf(a, j + t * stride));
    stf(a, j + t * stride, x);
  }
}

/**
 * The pivoted Cholesky factor of the d x d matrix at `a`, in place (lower triangle L in pivoted
 * order, its transpose mirrored above the diagonal), the pivot order in `perm`; stops when the
 * largest remaining pivot is <= rankTol * max G_ii. Returns the rank.
 */
export function lassoPivotedCholesky(a: usize, d: i32, perm: usize, rankTol: f64): i32 {
  for (let i = 0; i < d; i++) sti(perm, i, i);
  let maxDiag = 0.0;
  for (let i = 0; i < d; i++) {
    const x = ldf(a, i * d + i);
    if (x > maxDiag) maxDiag = x;
  }
  const threshold = rankTol * maxDiag;
  let rank = 0;
  for (let k = 0; k < d; k++) {
    let best = k;
    for (let i = k + 1; i < d; i++) if (ldf(a, i * d + i) > ldf(a, best * d + best)) best = i;
    if (!(ldf(a, best * d + best) > threshold)) break;
    if (best != k) {
      swapStrided(a, k * d, best * d, d, 1);
      swapStrided(a, k, best, d, d);
      const p = ldi(perm, k);
      sti(perm, k, ldi(perm, best));
      sti(perm, best, p);
    }
    const lkk = Math.sqrt(ldf(a, k * d + k));
    stf(a, k * d + k, lkk);
    for (let i = k + 1; i < d; i++) stf(a, i * d + k, ldf(a, i * d + k) / lkk);
    for (let j = k + 1; j < d; j++) stf(a, k * d + j, ldf(a, j * d + k));
    const pivotRow = a + (<usize>(k * d + k + 1) << 3);
    for (let i = k + 1; i < d; i++) {
      const lik = ldf(a, i * d + k);
      if (lik != 0) axpyNeg(a + (<usize>(i * d + k + 1) << 3), lik, pivotRow, d - k - 1);
    }
    rank++;
  }
  return rank;
}

/**
 * b = (L L')^-1 for b the identity on entry and L the full-rank factor at `a`: the forward solve
 * touching only the lower triangle, where the rows of L^-1 are non-zero, then the backward solve.
 * The backward solve reads L[k, i] from the mirrored upper triangle a[i, k] (the same value, read
 * along a row).
 */
export function lassoInverseSolve(a: usize, b: usize, d: i32): void {
  for (let i = 0; i < d; i++) {
    const bi = b + (<usize>(i * d) << 3);
    for (let k = 0; k < i; k++) {
      const l = ldf(a, i * d + k);
      if (l != 0) axpyNeg(bi, l, b + (<usize>(k * d) << 3), k + 1);
    }
    const inv = 1 / ldf(a, i * d + i);
    for (let j = 0; j <= i; j++) stf(bi, j, ldf(bi, j) * inv);
  }
  for (let i = d - 1; i >= 0; i--) {
    const bi = b + (<usize>(i * d) << 3);
    for (let k = i + 1; k < d; k++) {
      const l = ldf(a, i * d + k);
      if (l != 0) axpyNeg(bi, l, b + (<usize>(k * d) << 3), d);
    }
    const inv = 1 / ldf(a, i * d + i);
    for (let j = 0; j < d; j++) stf(bi, j, ldf(bi, j) * inv);
  }
}
