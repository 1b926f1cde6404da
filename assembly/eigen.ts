// Symmetric eigensolver (float64), the WASM part of src/kernels/eigen/wasm.ts. The contract is
// src/kernels/eigen/contract.ts and the definition src/kernels/eigen/reference.ts (cyclic Jacobi);
// this file computes the same decomposition by the LAPACK route (dsyevd). One file (over 400
// lines): the three stages share the work area's module-level offsets (set once per call), which
// AssemblyScript would otherwise have to export across modules; the stages are in order below:
//
//   1. Householder tridiagonalisation A = Q T Q' (Golub & Van Loan, 4th ed., sec. 8.3.1), one
//      reflector per step, unblocked but fused: the pending rank-2 update of the previous step
//      and the symmetric matrix-vector product of the current one share one pass over the upper
//      triangle of the trailing matrix (the part that is memory-bound at large n).
//   2. Cuppen's divide and conquer on T (Golub & Van Loan sec. 8.4.4; LAPACK dstedc / dlaed0-4):
//      T = diag(T1, T2) + rho v v' is split in the middle, both halves are solved recursively
//      (implicit QL with Wilkinson shifts, as EISPACK tql2, below `leaf` rows), and the rank-one
//      update is solved by
//        * deflation of negligible z components and of close eigenvalue pairs (Givens), as in
//          dlaed2, with tol = 8 eps max(|d|, |z|);
//        * the secular equation 1 + rho sum z_j^2 / (d_j - lambda) = 0, root by root, in
//          coordinates shifted to the nearer pole (so d_j - lambda is accurate), by a safeguarded
//          two-pole rational model (it matches f and f' and has the right poles; exact for two
//          terms), with bisection whenever a step would leave the bracket;
//        * z recomputed from the computed roots by the Loewner formula (Gu & Eisenstat, SIAM J.
//          Matrix Anal. Appl. 16:172-191, 1995), which makes the eigenvectors of the rank-one
//          update numerically orthogonal however close the roots are;
//        * the eigenvectors multiplied back into the halves' by GEMM, exploiting that a vector of
//          the top half has zeros in the bottom coordinates and vice versa (dlaed3's types).
//   3. Back-transformation V = Q Z with the reflectors blocked in 32s (compact WY, dlarft), two
//      GEMMs per block.
//   4. Output: values descending, vectors column k (row-major n x n), each with its largest-
//      magnitude component (the first such) positive, as the reference.
//
// Storage. The tridiagonal eigenvectors are kept as ROWS of W (row i = eigenvector i): the merges
// then combine and permute contiguous rows, and the back-transformation applies the reflectors
// from the right, W <- W H_{n-3} ... H_0. The input is symmetrised (0.5 (a_ij + a_ji)) and scaled
// by a power of two (exact) so that its largest entry lies in [0.5, 1).
//
// No allocation: the host (src/kernels/eigen/wasm.ts) lays out the matrix, the values and the
// work area of eigenWorkBytes(n) bytes. The matrix is overwritten by the eigenvectors.

import { align16, ldf, stf, ldi, sti } from './pointers';

const EPS: f64 = 2.220446049250313e-16; // 2^-52, the spacing of f64 at 1
const BT_NB: i32 = 32; // reflectors per block in the back-transformation
const KC: i32 = 256; // GEMM: depth of a packed block of B
const NCB: i32 = 512; // GEMM: columns of a packed block of B
const QL_MAX_ITER: i32 = 60;

// Work area (byte offsets, set by carve()).
let N: i32 = 0;
let A: usize = 0; // the matrix (N x N), from the host
let W: usize = 0; // eigenvectors of T, as rows (N x N)
let B2: usize = 0; // gathered rows in a merge; X, Y in the back-transformation (N x N)
let ST: usize = 0; // secular deltas, then eigenvectors of the rank-one update (k x k); U in the back-transformation
let D: usize = 0; // diagonal of T, then eigenvalues (N f64)
let E: usize = 0; // off-diagonal of T (N f64)
let TAU: usize = 0; // reflector scalars (N f64)
let V1: usize = 0; // four vectors of the tridiagonalisation (N f64 each)
let V2: usize = 0;
let V3: usize = 0;
let V4: usize = 0;
let Z: usize = 0; // merge: z in the halves' order (N f64)
let DS: usize = 0; // merge: d sorted (N f64)
let ZS: usize = 0; // merge: z sorted (N f64)
let DL: usize = 0; // merge: kept d (lambda of the secular equation) (N f64)
let RZ2: usize = 0; // merge: rho z_j^2 of the kept (N f64)
let ZK: usize = 0; // merge: kept z, then z hat (N f64)
let DV: usize = 0; // merge: deflated values (N f64)
let LAM: usize = 0; // merge: roots (N f64)
let TMP: usize = 0; // a row of scratch (N f64)
let TMAT: usize = 0; // back-transformation T (BT_NB x BT_NB f64)
let PACK: usize = 0; // GEMM packed B (KC x NCB f64)
let SCR: usize = 0; // GEMM partial tile (16 f64)
let PERM: usize = 0; // merge: sorted position -> local index (N i32)
let TYPE: usize = 0; // merge: 1 top only, 2 both, 3 bottom only (N i32)
let KEPT: usize = 0; // merge: sorted positions of the kept (N i32)
let DEFL: usize = 0; // merge: sorted positions of the deflated (N i32)
let GRP: usize = 0; // merge: kept index -> row in the grouped order (N i32)
let CMAP: usize = 0; // merge: kept index -> output row (N i32)
let DROW: usize = 0; // merge: deflated, sorted -> B2 row (N i32)
let LEAF: i32 = 32;

// @ts-ignore: decorator
@inline function rowOf(base: usize, r: i32, ld: i32): usize {
  return base + ((<usize>r * <usize>ld) << 3);
}

function carve(work: usize, n: i32): usize {
  const nn = (<usize>n * <usize>n) << 3;
  const v = <usize>n << 3;
  const vi = <usize>n << 2;
  let p = align16(work);
  W = p;
  p = align16(p + nn);
  B2 = p;
  p = align16(p + nn);
  ST = p;
  p = align16(p + max(nn, (<usize>n * <usize>BT_NB) << 3));
  D = p;
  p = align16(p + v);
  E = p;
  p = align16(p + v);
  TAU = p;
  p = align16(p + v);
  V1 = p;
  p = align16(p + v);
  V2 = p;
  p = align16(p + v);
  V3 = p;
  p = align16(p + v);
  V4 = p;
  p = align16(p + v);
  Z = p;
  p = align16(p + v);
  DS = p;
  p = align16(p + v);
  ZS = p;
  p = align16(p + v);
  DL = p;
  p = align16(p + v);
  RZ2 = p;
  p = align16(p + v);
  ZK = p;
  p = align16(p + v);
  DV = p;
  p = align16(p + v);
  LAM = p;
  p = align16(p + v);
  TMP = p;
  p = align16(p + v);
  TMAT = p;
  p = align16(p + ((<usize>BT_NB * <usize>BT_NB) << 3));
  PACK = p;
  p = align16(p + ((<usize>KC * <usize>NCB) << 3));
  SCR = p;
  p = align16(p + 128);
  PERM = p;
  p = align16(p + vi);
  TYPE = p;
  p = align16(p + vi);
  KEPT = p;
  p = align16(p + vi);
  DEFL = p;
  p = align16(p + vi);
  GRP = p;
  p = align16(p + vi);
  CMAP = p;
  p = align16(p + vi);
  DROW = p;
  p = align16(p + vi);
  return p;
}

/** Bytes of work area eigenSolve needs for an n x n matrix (about 3 n^2 f64). */
export function eigenWorkBytes(n: i32): usize {
  return carve(0, n) + 16;
}

// ---------------------------------------------------------------------------------------------
// GEMM: C (=, -=) A B, row-major, f64x2. B is packed in blocks of KC x NCB as panels of 4
// columns; the micro-kernel computes a 4 x 4 tile of C with 8 accumulators, A's entries
// broadcast from memory (load64_splat). Rows of C are at c + cmap[r] * ldc (cmap 0: r).
// mode 0 stores, 1 subtracts from C, 2 adds to C.

// @ts-ignore: decorator
@inline function cRow(c: usize, ldc: i32, cmap: usize, r: i32): usize {
  const rr = cmap != 0 ? ldi(cmap, r) : r;
  return c + ((<usize>rr * <usize>ldc) << 3);
}

function storeTile(c0: usize, c1: usize, c2: usize, c3: usize, mr: i32, nr: i32, mode: i32,
  x00: v128, x01: v128, x10: v128, x11: v128, x20: v128, x21: v128, x30: v128, x31: v128): void {
  if (nr == 4) {
    if (mode == 0) {
      v128.store(c0, x00); v128.store(c0, x01, 16);
      if (mr > 1) { v128.store(c1, x10); v128.store(c1, x11, 16); }
      if (mr > 2) { v128.store(c2, x20); v128.store(c2, x21, 16); }
      if (mr > 3) { v128.store(c3, x30); v128.store(c3, x31, 16); }
    } else if (mode == 1) {
      v128.store(c0, f64x2.sub(v128.load(c0), x00)); v128.store(c0, f64x2.sub(v128.load(c0, 16), x01), 16);
      if (mr > 1) { v128.store(c1, f64x2.sub(v128.load(c1), x10)); v128.store(c1, f64x2.sub(v128.load(c1, 16), x11), 16); }
      if (mr > 2) { v128.store(c2, f64x2.sub(v128.load(c2), x20)); v128.store(c2, f64x2.sub(v128.load(c2, 16), x21), 16); }
      if (mr > 3) { v128.store(c3, f64x2.sub(v128.load(c3), x30)); v128.store(c3, f64x2.sub(v128.load(c3, 16), x31), 16); }
    } else {
      v128.store(c0, f64x2.add(v128.load(c0), x00)); v128.store(c0, f64x2.add(v128.load(c0, 16), x01), 16);
      if (mr > 1) { v128.store(c1, f64x2.add(v128.load(c1), x10)); v128.store(c1, f64x2.add(v128.load(c1, 16), x11), 16); }
      if (mr > 2) { v128.store(c2, f64x2.add(v128.load(c2), x20)); v128.store(c2, f64x2.add(v128.load(c2, 16), x21), 16); }
      if (mr > 3) { v128.store(c3, f64x2.add(v128.load(c3), x30)); v128.store(c3, f64x2.add(v128.load(c3, 16), x31), 16); }
    }
    return;
  }
  // Partial tile: through a scratch of 16 values.
  const s = SCR;
  v128.store(s, x00); v128.store(s, x01, 16);
  v128.store(s, x10, 32); v128.store(s, x11, 48);
  v128.store(s, x20, 64); v128.store(s, x21, 80);
  v128.store(s, x30, 96); v128.store(s, x31, 112);
  for (let r = 0; r < mr; r++) {
    const c = r == 0 ? c0 : r == 1 ? c1 : r == 2 ? c2 : c3;
    for (let j = 0; j < nr; j++) {
      const x = ldf(s, r * 4 + j);
      if (mode == 0) stf(c, j, x);
      else if (mode == 1) stf(c, j, ldf(c, j) - x);
      else stf(c, j, ldf(c, j) + x);
    }
  }
}

function gemm(m: i32, nc: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, cmap: usize, sub: i32): void {
  if (m <= 0 || nc <= 0) return;
  if (k <= 0) {
    if (!sub) for (let r = 0; r < m; r++) memory.fill(cRow(c, ldc, cmap, r), 0, <usize>nc << 3);
    return;
  }
  for (let jc = 0; jc < nc; jc += NCB) {
    const ncb = min(NCB, nc - jc);
    const panels = (ncb + 3) >> 2;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Pack B[pc .. pc + kc, jc .. jc + ncb]: panel q at PACK + q * kc * 32, row kk at + kk * 32.
      for (let q = 0; q < panels; q++) {
        const col = jc + (q << 2);
        const w = min(4, nc - col);
        const dst = PACK + (<usize>q * <usize>kc << 5);
        let src = b + ((<usize>pc * <usize>ldb + <usize>col) << 3);
        const step = <usize>ldb << 3;
        if (w == 4) {
          for (let kk = 0; kk < kc; kk++) {
            const d = dst + (<usize>kk << 5);
            v128.store(d, v128.load(src));
            v128.store(d, v128.load(src, 16), 16);
            src += step;
          }
        } else {
          for (let kk = 0; kk < kc; kk++) {
            const d = dst + (<usize>kk << 5);
            v128.store(d, f64x2.splat(0));
            v128.store(d, f64x2.splat(0), 16);
            for (let j = 0; j < w; j++) stf(d, j, load<f64>(src + (<usize>j << 3)));
            src += step;
          }
        }
      }
      const mode = pc == 0 ? (sub ? 1 : 0) : (sub ? 1 : 2);
      for (let i = 0; i < m; i += 4) {
        const mr = min(4, m - i);
        const a0 = rowOf(a, i, lda) + (<usize>pc << 3);
        const a1 = mr > 1 ? a0 + (<usize>lda << 3) : a0;
        const a2 = mr > 2 ? a1 + (<usize>lda << 3) : a0;
        const a3 = mr > 3 ? a2 + (<usize>lda << 3) : a0;
        const c0 = cRow(c, ldc, cmap, i) + (<usize>jc << 3);
        const c1 = mr > 1 ? cRow(c, ldc, cmap, i + 1) + (<usize>jc << 3) : c0;
        const c2 = mr > 2 ? cRow(c, ldc, cmap, i + 2) + (<usize>jc << 3) : c0;
        const c3 = mr > 3 ? cRow(c, ldc, cmap, i + 3) + (<usize>jc << 3) : c0;
        for (let q = 0; q < panels; q++) {
          let bp = PACK + (<usize>q * <usize>kc << 5);
          let p0 = a0, p1 = a1, p2 = a2, p3 = a3;
          let x00 = f64x2.splat(0), x01 = f64x2.splat(0), x10 = f64x2.splat(0), x11 = f64x2.splat(0);
          let x20 = f64x2.splat(0), x21 = f64x2.splat(0), x30 = f64x2.splat(0), x31 = f64x2.splat(0);
          const end = a0 + (<usize>kc << 3);
          while (p0 < end) {
            const b0 = v128.load(bp);
            const b1 = v128.load(bp, 16);
            let s = v128.load64_splat(p0);
            x00 = f64x2.add(x00, f64x2.mul(s, b0));
            x01 = f64x2.add(x01, f64x2.mul(s, b1));
            s = v128.load64_splat(p1);
            x10 = f64x2.add(x10, f64x2.mul(s, b0));
            x11 = f64x2.add(x11, f64x2.mul(s, b1));
            s = v128.load64_splat(p2);
            x20 = f64x2.add(x20, f64x2.mul(s, b0));
            x21 = f64x2.add(x21, f64x2.mul(s, b1));
            s = v128.load64_splat(p3);
            x30 = f64x2.add(x30, f64x2.mul(s, b0));
            x31 = f64x2.add(x31, f64x2.mul(s, b1));
            p0 += 8; p1 += 8; p2 += 8; p3 += 8;
            bp += 32;
          }
          const off = <usize>q << 5;
          storeTile(c0 + off, c1 + off, c2 + off, c3 + off, mr, min(4, ncb - (q << 2)), mode,
            x00, x01, x10, x11, x20, x21, x30, x31);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Householder tridiagonalisation of the upper triangle of A.

// Row i of the trailing matrix, columns i..n-1: applies the pending update a_ij -= v_i w_j + w_i v_j
// and accumulates p_j += a_ij u_i (j > i); returns sum_{j >= i} a_ij u_j (row i's share of p_i).
function fusedRow(r: usize, i: i32, n: i32, v: usize, w: usize, u: usize, p: usize): f64 {
  const vi = ldf(v, i), wi = ldf(w, i), ui = ldf(u, i);
  const aii = ldf(r, i) - 2 * vi * wi;
  stf(r, i, aii);
  let acc = aii * ui;
  const vs = f64x2.splat(vi), ws = f64x2.splat(wi), us = f64x2.splat(ui);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = i + 1;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 3;
    const pa = r + o, pv = v + o, pw = w + o, pu = u + o, pp = p + o;
    const a0 = f64x2.sub(v128.load(pa), f64x2.add(f64x2.mul(vs, v128.load(pw)), f64x2.mul(ws, v128.load(pv))));
    const a1 = f64x2.sub(v128.load(pa, 16), f64x2.add(f64x2.mul(vs, v128.load(pw, 16)), f64x2.mul(ws, v128.load(pv, 16))));
    v128.store(pa, a0);
    v128.store(pa, a1, 16);
    s0 = f64x2.add(s0, f64x2.mul(a0, v128.load(pu)));
    s1 = f64x2.add(s1, f64x2.mul(a1, v128.load(pu, 16)));
    v128.store(pp, f64x2.add(v128.load(pp), f64x2.mul(a0, us)));
    v128.store(pp, f64x2.add(v128.load(pp, 16), f64x2.mul(a1, us)), 16);
  }
  for (; j < n; j++) {
    const a = ldf(r, j) - (vi * ldf(w, j) + wi * ldf(v, j));
    stf(r, j, a);
    acc += a * ldf(u, j);
    stf(p, j, ldf(p, j) + a * ui);
  }
  const s = f64x2.add(s0, s1);
  return acc + (f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1));
}

// fusedRow for rows i and i + 1 together (i + 1 < n): the vectors are loaded once for both rows.
// Adds both rows' shares to p_i and p_{i+1}.
function fusedRows2(r0: usize, i: i32, n: i32, v: usize, w: usize, u: usize, p: usize): void {
  const r1 = r0 + (<usize>n << 3);
  const i1 = i + 1;
  const v0 = ldf(v, i), w0 = ldf(w, i), u0 = ldf(u, i);
  const v1 = ldf(v, i1), w1 = ldf(w, i1), u1 = ldf(u, i1);
  // The 2 x 2 corner: a_ii, a_i,i+1, a_i+1,i+1.
  const a00 = ldf(r0, i) - 2 * v0 * w0;
  const a01 = ldf(r0, i1) - (v0 * w1 + w0 * v1);
  const a11 = ldf(r1, i1) - 2 * v1 * w1;
  stf(r0, i, a00);
  stf(r0, i1, a01);
  stf(r1, i1, a11);
  let acc0 = a00 * u0 + a01 * u1;
  let acc1 = a01 * u0 + a11 * u1;
  const v0s = f64x2.splat(v0), w0s = f64x2.splat(w0), u0s = f64x2.splat(u0);
  const v1s = f64x2.splat(v1), w1s = f64x2.splat(w1), u1s = f64x2.splat(u1);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = i + 2;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    const vj = v128.load(v + o), wj = v128.load(w + o), uj = v128.load(u + o);
    const x0 = f64x2.sub(v128.load(r0 + o), f64x2.add(f64x2.mul(v0s, wj), f64x2.mul(w0s, vj)));
    const x1 = f64x2.sub(v128.load(r1 + o), f64x2.add(f64x2.mul(v1s, wj), f64x2.mul(w1s, vj)));
    v128.store(r0 + o, x0);
    v128.store(r1 + o, x1);
    s0 = f64x2.add(s0, f64x2.mul(x0, uj));
    s1 = f64x2.add(s1, f64x2.mul(x1, uj));
    v128.store(p + o, f64x2.add(v128.load(p + o), f64x2.add(f64x2.mul(x0, u0s), f64x2.mul(x1, u1s))));
  }
  for (; j < n; j++) {
    const vj = ldf(v, j), wj = ldf(w, j), uj = ldf(u, j);
    const x0 = ldf(r0, j) - (v0 * wj + w0 * vj);
    const x1 = ldf(r1, j) - (v1 * wj + w1 * vj);
    stf(r0, j, x0);
    stf(r1, j, x1);
    acc0 += x0 * uj;
    acc1 += x1 * uj;
    stf(p, j, ldf(p, j) + (x0 * u0 + x1 * u1));
  }
  stf(p, i, ldf(p, i) + acc0 + (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1)));
  stf(p, i1, ldf(p, i1) + acc1 + (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1)));
}

// T = Q' A Q: D (n), E (n - 1); reflector k (k < n - 2) H_k = I - TAU[k] u u' with u in row k of
// A: A[k][k + 1] = 1, A[k][k + 2 ..] = the rest of u, A[k][0 .. k] = 0.
function tridiagonalize(n: i32): void {
  if (n == 1) {
    stf(D, 0, load<f64>(A));
    return;
  }
  let v = V1, w = V2, u = V3, p = V4;
  memory.fill(v, 0, <usize>n << 3);
  memory.fill(w, 0, <usize>n << 3);
  memory.fill(u, 0, <usize>n << 3);
  memory.fill(p, 0, <usize>n << 3);
  for (let k = 0; k < n - 2; k++) {
    const rk = rowOf(A, k, n);
    // Row k under the pending update.
    const vk = ldf(v, k), wk = ldf(w, k);
    for (let j = k; j < n; j++) stf(rk, j, ldf(rk, j) - (vk * ldf(w, j) + wk * ldf(v, j)));
    stf(D, k, ldf(rk, k));
    // The reflector of x = A[k][k + 1 ..] (LAPACK dlarfg).
    const alpha = ldf(rk, k + 1);
    let xn2 = 0.0;
    for (let j = k + 2; j < n; j++) {
      const x = ldf(rk, j);
      xn2 += x * x;
    }
    let tau = 0.0;
    stf(u, k + 1, 1);
    if (xn2 == 0) {
      stf(E, k, alpha);
      for (let j = k + 2; j < n; j++) stf(u, j, 0);
    } else {
      const beta = -copysign<f64>(Math.sqrt(alpha * alpha + xn2), alpha);
      tau = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      for (let j = k + 2; j < n; j++) stf(u, j, ldf(rk, j) * sc);
      stf(E, k, beta);
    }
    stf(TAU, k, tau);
    memory.fill(rk, 0, <usize>(k + 1) << 3);
    memory.copy(rk + (<usize>(k + 1) << 3), u + (<usize>(k + 1) << 3), <usize>(n - k - 1) << 3);
    // One pass over the trailing rows: pending update, and p = A u.
    memory.fill(p + (<usize>(k + 1) << 3), 0, <usize>(n - k - 1) << 3);
    let i = k + 1;
    for (; i + 2 <= n; i += 2) fusedRows2(rowOf(A, i, n), i, n, v, w, u, p);
    if (i < n) stf(p, i, ldf(p, i) + fusedRow(rowOf(A, i, n), i, n, v, w, u, p));
    // w = tau p - (tau / 2) (tau p . u) u: the next pending update is A -= u w' + w u'.
    if (tau == 0) {
      memory.fill(p + (<usize>(k + 1) << 3), 0, <usize>(n - k - 1) << 3);
    } else {
      let dot = 0.0;
      for (let j = k + 1; j < n; j++) {
        const x = tau * ldf(p, j);
        stf(p, j, x);
        dot += x * ldf(u, j);
      }
      const h = -0.5 * tau * dot;
      for (let j = k + 1; j < n; j++) stf(p, j, ldf(p, j) + h * ldf(u, j));
    }
    let t = v;
    v = u;
    u = t;
    t = w;
    w = p;
    p = t;
  }
  // The last 2 x 2 block under the pending update.
  const r0 = rowOf(A, n - 2, n), r1 = rowOf(A, n - 1, n);
  const v0 = ldf(v, n - 2), v1 = ldf(v, n - 1), w0 = ldf(w, n - 2), w1 = ldf(w, n - 1);
  stf(D, n - 2, ldf(r0, n - 2) - 2 * v0 * w0);
  stf(E, n - 2, ldf(r0, n - 1) - (v0 * w1 + w0 * v1));
  stf(D, n - 1, ldf(r1, n - 1) - 2 * v1 * w1);
}

// ---------------------------------------------------------------------------------------------
// 2. Divide and conquer on T.

// x' = c x + s y, y' = c y - s x over m entries.
function rotRows(x: usize, y: usize, m: i32, c: f64, s: f64): void {
  const cv = f64x2.splat(c), sv = f64x2.splat(s);
  let j = 0;
  for (; j + 2 <= m; j += 2) {
    const o = <usize>j << 3;
    const a = v128.load(x + o), b = v128.load(y + o);
    v128.store(x + o, f64x2.add(f64x2.mul(cv, a), f64x2.mul(sv, b)));
    v128.store(y + o, f64x2.sub(f64x2.mul(cv, b), f64x2.mul(sv, a)));
  }
  for (; j < m; j++) {
    const a = ldf(x, j), b = ldf(y, j);
    stf(x, j, c * a + s * b);
    stf(y, j, c * b - s * a);
  }
}

function swapRows(x: usize, y: usize, m: i32): void {
  let j = 0;
  for (; j + 2 <= m; j += 2) {
    const o = <usize>j << 3;
    const a = v128.load(x + o);
    v128.store(x + o, v128.load(y + o));
    v128.store(y + o, a);
  }
  for (; j < m; j++) {
    const a = ldf(x, j);
    stf(x, j, ldf(y, j));
    stf(y, j, a);
  }
}

// Implicit QL with Wilkinson shifts (EISPACK tql2 as in Numerical Recipes' tqli) on rows
// s .. s + m - 1 of T; eigenvalues ascending in D, eigenvectors as rows of W's diagonal block.
// Returns 0, or 1 when an eigenvalue did not converge.
function tqlBlock(s: i32, m: i32): i32 {
  const co = <usize>s << 3;
  for (let i = 0; i < m; i++) {
    const row = rowOf(W, s + i, N) + co;
    memory.fill(row, 0, <usize>m << 3);
    stf(row, i, 1);
  }
  const d = D + co;
  const e = TMP;
  for (let i = 0; i < m; i++) stf(e, i, i < m - 1 ? ldf(E, s + i) : 0);
  for (let l = 0; l < m; l++) {
    let iter = 0;
    while (true) {
      let mm = l;
      for (; mm < m - 1; mm++) {
        const dd = Math.abs(ldf(d, mm)) + Math.abs(ldf(d, mm + 1));
        if (Math.abs(ldf(e, mm)) <= EPS * dd) break;
      }
      if (mm == l) break;
      if (iter++ == QL_MAX_ITER) return 1;
      let g = (ldf(d, l + 1) - ldf(d, l)) / (2 * ldf(e, l));
      let r = Math.hypot(g, 1);
      g = ldf(d, mm) - ldf(d, l) + ldf(e, l) / (g + copysign<f64>(r, g));
      let sn = 1.0, c = 1.0, p = 0.0;
      let underflow = false;
      for (let i = mm - 1; i >= l; i--) {
        const f = sn * ldf(e, i);
        const b = c * ldf(e, i);
        r = Math.hypot(f, g);
        stf(e, i + 1, r);
        if (r == 0) {
          stf(d, i + 1, ldf(d, i + 1) - p);
          stf(e, mm, 0);
          underflow = true;
          break;
        }
        sn = f / r;
        c = g / r;
        g = ldf(d, i + 1) - p;
        r = (ldf(d, i) - g) * sn + 2 * c * b;
        p = sn * r;
        stf(d, i + 1, g + p);
        g = c * r - b;
        // z[.][i+1] = s z[.][i] + c z[.][i+1]; z[.][i] = c z[.][i] - s z[.][i+1]: rows i, i + 1.
        rotRows(rowOf(W, s + i + 1, N) + co, rowOf(W, s + i, N) + co, m, c, sn);
      }
      if (underflow) continue;
      stf(d, l, ldf(d, l) - p);
      stf(e, l, g);
      stf(e, mm, 0);
    }
  }
  // Ascending (selection sort; m is small).
  for (let i = 0; i < m - 1; i++) {
    let best = i;
    for (let j = i + 1; j < m; j++) if (ldf(d, j) < ldf(d, best)) best = j;
    if (best != i) {
      const t = ldf(d, i);
      stf(d, i, ldf(d, best));
      stf(d, best, t);
      swapRows(rowOf(W, s + i, N) + co, rowOf(W, s + best, N) + co, m);
    }
  }
  return 0;
}

function dc(s: i32, m: i32): i32 {
  if (m <= LEAF) return tqlBlock(s, m);
  const n1 = m >> 1;
  const beta = ldf(E, s + n1 - 1);
  const ab = Math.abs(beta);
  stf(D, s + n1 - 1, ldf(D, s + n1 - 1) - ab);
  stf(D, s + n1, ldf(D, s + n1) - ab);
  let r = dc(s, n1);
  if (r != 0) return r;
  r = dc(s + n1, m - n1);
  if (r != 0) return r;
  merge(s, n1, m - n1, beta);
  return 0;
}

// Roots of 1 + sum_j RZ2[j] / (DL[j] - lambda) = 0 for k >= 2 strictly increasing DL and positive
// RZ2: LAM[i] = the root in (DL[i], DL[i + 1]) (the last one above DL[k - 1]), and ST row i
// (ld k) = DL[j] - LAM[i], computed as (DL[j] - DL[o]) - tau with o the nearer pole.
function secular(k: i32): void {
  for (let i = 0; i < k; i++) {
    const row = ST + ((<usize>i * <usize>k) << 3);
    let o = i;
    let lo = 0.0, hi = 0.0;
    if (i < k - 1) {
      const di = ldf(DL, i);
      const mid = 0.5 * (ldf(DL, i + 1) - di);
      let g = 1.0;
      for (let j = 0; j < k; j++) g += ldf(RZ2, j) / ((ldf(DL, j) - di) - mid);
      if (g >= 0) {
        hi = mid;
      } else {
        o = i + 1;
        lo = -mid;
      }
    } else {
      let sum = 0.0;
      for (let j = 0; j < k; j++) sum += ldf(RZ2, j);
      hi = sum;
    }
    const dor = ldf(DL, o);
    for (let j = 0; j < k; j++) stf(row, j, ldf(DL, j) - dor);
    let tau = 0.5 * (lo + hi);
    for (let iter = 0; iter < 200; iter++) {
      let psi = 0.0, dpsi = 0.0, phi = 0.0, dphi = 0.0;
      for (let j = 0; j <= i; j++) {
        const q = 1 / (ldf(row, j) - tau);
        const t = ldf(RZ2, j) * q;
        psi += t;
        dpsi += t * q;
      }
      for (let j = i + 1; j < k; j++) {
        const q = 1 / (ldf(row, j) - tau);
        const t = ldf(RZ2, j) * q;
        phi += t;
        dphi += t * q;
      }
      const g = 1 + psi + phi;
      const err = 8 * (phi - psi) + 1 + Math.abs(tau) * (dpsi + dphi);
      if (Math.abs(g) <= EPS * err) break;
      if (g < 0) lo = tau;
      else hi = tau;
      // Step of the model c + A / (a - t) + B / (b - t) matching g and g' at tau.
      let next = NaN;
      if (i < k - 1) {
        const a = ldf(row, i), b = ldf(row, i + 1);
        const ca = a - tau, cb = b - tau;
        const AA = ca * ca * dpsi, BB = cb * cb * dphi;
        const c = g - AA / ca - BB / cb;
        const P = c * (a + b) + AA + BB;
        const Q = c * a * b + AA * b + BB * a;
        if (c == 0) {
          next = Q / P;
        } else {
          const disc = P * P - 4 * c * Q;
          const sq = Math.sqrt(disc > 0 ? disc : 0);
          const den = P + copysign<f64>(sq, P);
          const r1 = den / (2 * c);
          const r2 = den != 0 ? (2 * Q) / den : NaN;
          next = r2 > lo && r2 < hi ? r2 : r1;
        }
      } else {
        const a = ldf(row, i);
        const ca = a - tau;
        const AA = ca * ca * dpsi;
        const c = g - AA / ca;
        next = a + AA / c;
      }
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      const done = Math.abs(next - tau) <= 2 * EPS * Math.abs(next) || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi));
      tau = next;
      if (done) break;
    }
    stf(LAM, i, dor + tau);
    for (let j = 0; j < k; j++) stf(row, j, ldf(row, j) - tau);
  }
}

// Merges the solved halves [s, s + n1) and [s + n1, s + n1 + n2) coupled by beta.
function merge(s: i32, n1: i32, n2: i32, beta: f64): void {
  const nb = n1 + n2;
  const co = <usize>s << 3;
  const d = D + co;
  const isq = 0.7071067811865476;
  const sg = beta < 0 ? -isq : isq;
  for (let i = 0; i < n1; i++) stf(Z, i, ldf(rowOf(W, s + i, N) + co, n1 - 1) * isq);
  for (let i = 0; i < n2; i++) stf(Z, n1 + i, ldf(rowOf(W, s + n1 + i, N) + co, n1) * sg);
  const rho = 2 * Math.abs(beta);
  // The halves' vectors are zero in the other half's coordinates (never written so far).
  for (let i = 0; i < n1; i++) memory.fill(rowOf(W, s + i, N) + co + (<usize>n1 << 3), 0, <usize>n2 << 3);
  for (let i = 0; i < n2; i++) memory.fill(rowOf(W, s + n1 + i, N) + co, 0, <usize>n1 << 3);
  // Sorted order of the two ascending halves.
  let i1 = 0, i2 = n1;
  for (let t = 0; t < nb; t++) {
    let pick: i32;
    if (i2 >= nb || (i1 < n1 && ldf(d, i1) <= ldf(d, i2))) pick = i1++;
    else pick = i2++;
    sti(PERM, t, pick);
    stf(DS, t, ldf(d, pick));
    stf(ZS, t, ldf(Z, pick));
    sti(TYPE, t, pick < n1 ? 1 : 3);
  }
  let dmax = 0.0, zmax = 0.0;
  for (let t = 0; t < nb; t++) {
    dmax = Math.max(dmax, Math.abs(ldf(DS, t)));
    zmax = Math.max(zmax, Math.abs(ldf(ZS, t)));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  let k = 0, nd = 0;
  if (rho * zmax <= tol) {
    for (let t = 0; t < nb; t++) sti(DEFL, nd++, t);
  } else {
    let pj = -1;
    for (let j = 0; j < nb; j++) {
      if (rho * Math.abs(ldf(ZS, j)) <= tol) {
        sti(DEFL, nd++, j);
        continue;
      }
      if (pj < 0) {
        pj = j;
        continue;
      }
      let sv = ldf(ZS, pj), cv = ldf(ZS, j);
      const tau = Math.hypot(cv, sv);
      const t = ldf(DS, j) - ldf(DS, pj);
      cv /= tau;
      sv = -sv / tau;
      if (Math.abs(t * cv * sv) <= tol) {
        stf(ZS, j, tau);
        stf(ZS, pj, 0);
        rotRows(rowOf(W, s + ldi(PERM, pj), N) + co, rowOf(W, s + ldi(PERM, j), N) + co, nb, cv, sv);
        if (ldi(TYPE, pj) != ldi(TYPE, j)) sti(TYPE, j, 2);
        const dp = ldf(DS, pj), dj = ldf(DS, j);
        stf(DS, pj, dp * cv * cv + dj * sv * sv);
        stf(DS, j, dp * sv * sv + dj * cv * cv);
        sti(DEFL, nd++, pj);
      } else {
        sti(KEPT, k++, pj);
      }
      pj = j;
    }
    if (pj >= 0) sti(KEPT, k++, pj);
  }
  // The kept, their groups (top only, both, bottom only), and the rows gathered in that order.
  let k1 = 0, k2 = 0;
  for (let i = 0; i < k; i++) {
    const t = ldi(KEPT, i);
    const z = ldf(ZS, t);
    stf(DL, i, ldf(DS, t));
    stf(ZK, i, z);
    stf(RZ2, i, rho * z * z);
    const ty = ldi(TYPE, t);
    if (ty == 1) k1++;
    else if (ty == 2) k2++;
  }
  let g1 = 0, g2 = k1, g3 = k1 + k2;
  const rowBytes = <usize>nb << 3;
  for (let i = 0; i < k; i++) {
    const t = ldi(KEPT, i);
    const ty = ldi(TYPE, t);
    const g = ty == 1 ? g1++ : ty == 2 ? g2++ : g3++;
    sti(GRP, i, g);
    memory.copy(rowOf(B2, g, N) + co, rowOf(W, s + ldi(PERM, t), N) + co, rowBytes);
  }
  const k3 = k - k1 - k2;
  // The deflated, sorted by value (nearly sorted already: insertion sort), rows after the kept.
  for (let t = 0; t < nd; t++) {
    const src = ldi(DEFL, t);
    memory.copy(rowOf(B2, k + t, N) + co, rowOf(W, s + ldi(PERM, src), N) + co, rowBytes);
    const x = ldf(DS, src);
    let u = t;
    while (u > 0 && ldf(DV, u - 1) > x) {
      stf(DV, u, ldf(DV, u - 1));
      sti(DROW, u, ldi(DROW, u - 1));
      u--;
    }
    stf(DV, u, x);
    sti(DROW, u, k + t);
  }
  // The rank-one update's eigenvectors, as rows of ST (ld k) in the grouped column order.
  if (k == 1) {
    stf(LAM, 0, ldf(DL, 0) + ldf(RZ2, 0));
    stf(ST, 0, 1);
  } else if (k > 1) {
    secular(k);
    // z hat (Gu & Eisenstat): z_m^2 = (lam_m - d_m) / rho * prod_{i != m} (lam_i - d_m) / (d_i - d_m).
    const kk = <usize>k;
    for (let m = 0; m < k; m++) {
      const dm = ldf(DL, m);
      let prod = -load<f64>(ST + ((<usize>m * kk + <usize>m) << 3)) / rho;
      for (let i = 0; i < k; i++) {
        if (i == m) continue;
        prod *= -load<f64>(ST + ((<usize>i * kk + <usize>m) << 3)) / (ldf(DL, i) - dm);
      }
      stf(ZK, m, copysign<f64>(Math.sqrt(Math.max(prod, 0)), ldf(ZK, m)));
    }
    for (let i = 0; i < k; i++) {
      const row = ST + ((<usize>i * kk) << 3);
      let nrm = 0.0;
      for (let j = 0; j < k; j++) {
        const x = ldf(ZK, j) / ldf(row, j);
        stf(TMP, j, x);
        nrm += x * x;
      }
      const inv = 1 / Math.sqrt(nrm);
      for (let j = 0; j < k; j++) stf(row, ldi(GRP, j), ldf(TMP, j) * inv);
    }
  }
  // Final order: the roots and the deflated values merged; deflated rows copied into place.
  let ia = 0, ib = 0;
  for (let pos = 0; pos < nb; pos++) {
    if (ia < k && (ib >= nd || ldf(LAM, ia) <= ldf(DV, ib))) {
      sti(CMAP, ia, pos);
      stf(d, pos, ldf(LAM, ia));
      ia++;
    } else {
      memory.copy(rowOf(W, s + pos, N) + co, rowOf(B2, ldi(DROW, ib), N) + co, rowBytes);
      stf(d, pos, ldf(DV, ib));
      ib++;
    }
  }
  if (k > 0) {
    const wBlock = rowOf(W, s, N) + co;
    gemm(k, n1, k1 + k2, ST, k, B2 + co, N, wBlock, N, CMAP, 0);
    gemm(k, n2, k2 + k3, ST + (<usize>k1 << 3), k, rowOf(B2, k1, N) + co + (<usize>n1 << 3), N, wBlock + (<usize>n1 << 3), N, CMAP, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Back-transformation: W <- W H_{n-3} ... H_0, 32 reflectors at a time:
// W <- W (H_k0 ... H_k1-1)' = W (I - U T U')' = W - (W U) T' U'.

function backTransform(n: i32): void {
  const nref = n - 2;
  if (nref <= 0) return;
  const U = ST; // m x nb (ld BT_NB)
  const X = B2; // n x nb (ld BT_NB)
  for (let k0 = ((nref - 1) / BT_NB) * BT_NB; k0 >= 0; k0 -= BT_NB) {
    const nbk = min(BT_NB, nref - k0);
    const m = n - k0 - 1;
    const ut = rowOf(A, k0, n) + (<usize>(k0 + 1) << 3); // U': nbk rows (ld n), m columns
    // T (upper, ld BT_NB): T[j][j] = tau_j, T[0:j][j] = -tau_j T[0:j][0:j] (U'[0:j] . u_j).
    for (let j = 0; j < nbk; j++) {
      const tj = ldf(TAU, k0 + j);
      const uj = ut + ((<usize>j * <usize>n) << 3);
      for (let i = 0; i < j; i++) {
        const ui = ut + ((<usize>i * <usize>n) << 3);
        let dot = 0.0;
        for (let c = j; c < m; c++) dot += ldf(ui, c) * ldf(uj, c);
        stf(TMP, i, -tj * dot);
      }
      for (let i = 0; i < j; i++) {
        let x = 0.0;
        for (let l = i; l < j; l++) x += ldf(TMAT, i * BT_NB + l) * ldf(TMP, l);
        stf(TMAT, i * BT_NB + j, x);
      }
      stf(TMAT, j * BT_NB + j, tj);
    }
    // U = (U')'.
    for (let c = 0; c < m; c++) {
      const dst = U + ((<usize>c * <usize>BT_NB) << 3);
      for (let j = 0; j < nbk; j++) stf(dst, j, load<f64>(ut + ((<usize>j * <usize>n + <usize>c) << 3)));
    }
    const wseg = W + (<usize>(k0 + 1) << 3);
    gemm(n, nbk, m, wseg, n, U, BT_NB, X, BT_NB, 0, 0);
    // Y = X T' in place: y_i = sum_{j >= i} x_j T[i][j].
    for (let r = 0; r < n; r++) {
      const xr = X + ((<usize>r * <usize>BT_NB) << 3);
      for (let i = 0; i < nbk; i++) {
        let y = 0.0;
        for (let j = i; j < nbk; j++) y += ldf(xr, j) * ldf(TMAT, i * BT_NB + j);
        stf(xr, i, y);
      }
    }
    gemm(n, m, nbk, X, BT_NB, ut, n, wseg, n, 0, 1);
  }
}

// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>(<u64>(e + 1023) << 52);
}

/**
 * Eigen-decomposition of the symmetric n x n matrix at `a` (row-major f64, symmetrised here as
 * 0.5 (a_ij + a_ji); the host has checked that it is finite). On return `values` holds the n
 * eigenvalues descending and `a` the eigenvectors (column k for values[k], the largest-magnitude
 * component of each positive). `work` is eigenWorkBytes(n) bytes. `leaf`: subproblems of at most
 * this many rows are solved by QL (the tests make it small to exercise the merges). Returns 0, or
 * 1 when QL did not converge.
 */
export function eigenSolve(a: usize, n: i32, values: usize, work: usize, leaf: i32): i32 {
  if (n <= 0) return 0;
  N = n;
  A = a;
  LEAF = max(1, leaf);
  carve(work, n);
  // Symmetrise into the upper triangle, in 32 x 32 tiles; largest magnitude.
  let amax = 0.0;
  for (let i0 = 0; i0 < n; i0 += 32) {
    const i1 = min(n, i0 + 32);
    for (let j0 = i0; j0 < n; j0 += 32) {
      const j1 = min(n, j0 + 32);
      for (let i = i0; i < i1; i++) {
        const ri = rowOf(a, i, n);
        for (let j = max(j0, i); j < j1; j++) {
          const x = j == i ? ldf(ri, j) : 0.5 * (ldf(ri, j) + load<f64>(rowOf(a, j, n) + (<usize>i << 3)));
          stf(ri, j, x);
          amax = Math.max(amax, Math.abs(x));
        }
      }
    }
  }
  if (amax == 0) {
    memory.fill(values, 0, <usize>n << 3);
    memory.fill(a, 0, (<usize>n * <usize>n) << 3);
    for (let i = 0; i < n; i++) stf(rowOf(a, i, n), i, 1);
    return 0;
  }
  // Scale by 2^shift (exact) so that the largest entry is below 1.
  const ex = <i32>((reinterpret<u64>(amax) >> 52) & 0x7ff) - 1022;
  const shift = -ex;
  const s1 = min(1000, max(-1000, shift));
  const s2 = shift - s1;
  if (shift != 0) {
    const f1 = pow2(s1), f2 = pow2(s2);
    for (let i = 0; i < n; i++) {
      const ri = rowOf(a, i, n);
      for (let j = i; j < n; j++) stf(ri, j, ldf(ri, j) * f1 * f2);
    }
  }
  tridiagonalize(n);
  const r = dc(0, n);
  if (r != 0) return r;
  backTransform(n);
  // Output: descending; column k of a = row n - 1 - k of W, signed.
  const u1 = pow2(-s1), u2 = pow2(-s2);
  for (let k = 0; k < n; k++) {
    stf(values, k, ldf(D, n - 1 - k) * u1 * u2);
    const row = rowOf(W, n - 1 - k, n);
    let big = 0.0;
    for (let j = 0; j < n; j++) {
      const x = ldf(row, j);
      if (Math.abs(x) > Math.abs(big)) big = x;
    }
    stf(TMP, k, big < 0 ? -1 : 1);
  }
  for (let r0 = 0; r0 < n; r0 += 32) {
    const r1 = min(n, r0 + 32);
    for (let k0 = 0; k0 < n; k0 += 32) {
      const k1 = min(n, k0 + 32);
      for (let rr = r0; rr < r1; rr++) {
        const out = rowOf(a, rr, n);
        for (let k = k0; k < k1; k++) stf(out, k, ldf(TMP, k) * load<f64>(rowOf(W, n - 1 - k, n) + (<usize>rr << 3)));
      }
    }
  }
  return 0;
}
