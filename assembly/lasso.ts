// LASSO paths from moments, the WASM SIMD part: coordinate descent on the Gram form with active
// sets, Anderson extrapolation and Newton steps on the support, for positive penalties (the host,
// src/kernels/lasso/wasm.ts, orders the penalties, solves alpha 0 and computes G^-1). One file
// (over 400 lines): every step reads and writes the per-target state at the work area's
// module-level offsets (set by carve()), which splitting would have to export across modules.
//
// The plain TypeScript version in src/kernels/lasso/reference.ts is the definition: read its
// header for the algorithm. This file is the same computation step for step, with the same float64
// operations in the same order, so that it returns the reference's coefficients bit for bit:
//
//   * element-wise updates (the covariance update g -= delta G[:, j], the fresh gradient, the
//     back substitution) run two lanes at a time (f64x2: separate multiply and subtract, no fused
//     multiply-add, exactly the scalar rounding);
//   * dot products (factor rows, solves, Anderson's U'U, the complement-mode products with G^-1)
//     use four f64x2 accumulators over blocks of eight, combined pairwise, then the tail in order:
//     the reference's dot4;
//   * everything else is scalar, in the reference's order.
//
// Memory: the host lays out gram (d x d), inv (d x d, or 0 when G is singular), the cross-moments
// by target (t x d), targetVar (t), the decreasing alphas (m), the outputs and a work area of
// lassoWorkBytes(d) bytes. No allocation.

import { align16, ldf, stf, ldi, sti } from './pointers';

const K: i32 = 5; // ANDERSON_K
const NEWTON_REPEAT: i32 = 64;
const WS_MIN_GROWTH: i32 = 64;
const PIVOT_TOL: f64 = 1e-12;

// Work area (byte offsets, set by carve()).
let W: usize = 0; // w (d f64)
let G: usize = 0; // g = c - G w (d f64)
let INA: usize = 0; // in the active set (d u8)
let ACT: usize = 0; // active set, ascending (d i32)
let MERGED: usize = 0; // (d i32)
let GAA: usize = 0; // compact Gram, k x k, row stride k (d * d f64)
let DIAG: usize = 0;
let CA: usize = 0;
let WA: usize = 0;
let GA: usize = 0;
let HISTW: usize = 0; // (K + 1) x d f64
let HISTG: usize = 0;
let ANDU: usize = 0; // K x d f64
let ANDM: usize = 0; // K x K f64
let ANDZ: usize = 0; // K f64
let WX: usize = 0;
let GX: usize = 0;
let SUP: usize = 0; // support, compact positions (d i32)
let XS: usize = 0;
let HY: usize = 0; // complement-mode y = G^-1 b~ (d f64)
let HB: usize = 0; // the b~ it stands for (d f64)
let YS: usize = 0;
let FULL: usize = 0;
let INE: usize = 0; // (d u8)
let FL: usize = 0; // factor rows, row stride d (d * d f64)
let FIDX: usize = 0; // factor's index set (d i32)
let FPOS: usize = 0; // position in it, or -1 (d i32)
let FX: usize = 0; // rank-one update vector (d f64)
let fN: i32 = 0;
let fMode: i32 = 0;
let hyFresh: bool = false;
let hyUpdates: i32 = 0;
let subGap: f64 = 0;
let subObj: f64 = 0;
let dd: i32 = 0;

function carve(work: usize, d: i32): usize {
  const v = <usize>d << 3;
  const vi = <usize>d << 2;
  const mat = (<usize>d * <usize>d) << 3;
  let p = align16(work);
  W = p; p = align16(p + v);
  G = p; p = align16(p + v);
  INA = p; p = align16(p + <usize>d);
  ACT = p; p = align16(p + vi);
  MERGED = p; p = align16(p + vi);
  GAA = p; p = align16(p + mat);
  DIAG = p; p = align16(p + v);
  CA = p; p = align16(p + v);
  WA = p; p = align16(p + v);
  GA = p; p = align16(p + v);
  HISTW = p; p = align16(p + <usize>(K + 1) * v);
  HISTG = p; p = align16(p + <usize>(K + 1) * v);
  ANDU = p; p = align16(p + <usize>K * v);
  ANDM = p; p = align16(p + (<usize>(K * K) << 3));
  ANDZ = p; p = align16(p + (<usize>K << 3));
  WX = p; p = align16(p + v);
  GX = p; p = align16(p + v);
  SUP = p; p = align16(p + vi);
  XS = p; p = align16(p + v);
  HY = p; p = align16(p + v);
  HB = p; p = align16(p + v);
  YS = p; p = align16(p + v);
  FULL = p; p = align16(p + v);
  INE = p; p = align16(p + <usize>d);
  FL = p; p = align16(p + mat);
  FIDX = p; p = align16(p + vi);
  FPOS = p; p = align16(p + vi);
  FX = p; p = align16(p + v);
  return p;
}

/** Bytes of work area lassoPath needs for d predictors. */
export function lassoWorkBytes(d: i32): usize {
  return carve(0, d) + 16;
}

// ---- Memory helpers ----

// @ts-ignore: decorator
@inline function ldb(p: usize, i: i32): i32 {
  return <i32>load<u8>(p + <usize>i);
}
// @ts-ignore: decorator
@inline function stb(p: usize, i: i32, x: i32): void {
  store<u8>(p + <usize>i, <u8>x);
}
// @ts-ignore: decorator
@inline function row(base: usize, r: i32, stride: i32): usize {
  return base + ((<usize>r * <usize>stride) << 3);
}

/**
 * sum a[i] b[i], i < n: four f64x2 accumulators over blocks of 8 (lanes 8q + 0..7), combined as
 * ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)), then the tail in order (the reference's dot4).
 */
function dot4(a: usize, b: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let acc2 = f64x2.splat(0);
  let acc3 = f64x2.splat(0);
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const pa = a + (<usize>i << 3);
    const pb = b + (<usize>i << 3);
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(pa), v128.load(pb)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(pa, 16), v128.load(pb, 16)));
    acc2 = f64x2.add(acc2, f64x2.mul(v128.load(pa, 32), v128.load(pb, 32)));
    acc3 = f64x2.add(acc3, f64x2.mul(v128.load(pa, 48), v128.load(pb, 48)));
  }
  const t = f64x2.add(f64x2.add(acc0, acc2), f64x2.add(acc1, acc3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) s += ldf(a, i) * ldf(b, i);
  return s;
}

/** y[i] -= f x[i], i < n. */
export function axpyNeg(y: usize, f: f64, x: usize, n: i32): void {
  const fv = f64x2.splat(f);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(fv, v128.load(x + o))));
    v128.store(y + o, f64x2.sub(v128.load(y + o, 16), f64x2.mul(fv, v128.load(x + o, 16))), 16);
  }
  for (; i < n; i++) stf(y, i, ldf(y, i) - f * ldf(x, i));
}

// ---- The Cholesky factor of a principal submatrix (FactorSet in the reference) ----

function factorReset(mode: i32): void {
  for (let p = 0; p < fN; p++) sti(FPOS, ldi(FIDX, p), -1);
  fN = 0;
  fMode = mode;
}

function factorAdd(m: usize, i: i32): bool {
  const d = dd;
  const n = fN;
  const r = row(FL, n, d);
  const mi = row(m, i, d);
  for (let p = 0; p < n; p++) {
    const lp = row(FL, p, d);
    const t = ldf(mi, ldi(FIDX, p)) - dot4(lp, r, p);
    stf(r, p, t / ldf(lp, p));
  }
  const s = ldf(mi, i) - dot4(r, r, n);
  if (!(s > PIVOT_TOL * ldf(mi, i))) return false;
  stf(r, n, sqrt<f64>(s));
  sti(FIDX, n, i);
  sti(FPOS, i, n);
  fN = n + 1;
  return true;
}

function factorRemove(q: i32): void {
  const d = dd;
  const n = fN;
  const m = n - 1 - q;
  for (let r = 0; r < m; r++) stf(FX, r, ldf(row(FL, q + 1 + r, d), q));
  for (let r = 0; r < m; r++) {
    const a = q + 1 + r;
    const ra = row(FL, a, d);
    const lkk = ldf(ra, a);
    const xr = ldf(FX, r);
    const rr = sqrt<f64>(lkk * lkk + xr * xr);
    const c = rr / lkk;
    const s = xr / lkk;
    stf(ra, a, rr);
    for (let i = r + 1; i < m; i++) {
      const rb = row(FL, q + 1 + i, d);
      const v = (ldf(rb, a) + s * ldf(FX, i)) / c;
      stf(rb, a, v);
      stf(FX, i, c * ldf(FX, i) - s * v);
    }
  }
  for (let a = q + 1; a < n; a++) {
    const src = row(FL, a, d);
    const dst = row(FL, a - 1, d);
    for (let j = 0; j < q; j++) stf(dst, j, ldf(src, j));
    for (let j = q + 1; j <= a; j++) stf(dst, j - 1, ldf(src, j));
  }
  sti(FPOS, ldi(FIDX, q), -1);
  for (let p = q + 1; p < n; p++) {
    const ix = ldi(FIDX, p);
    sti(FIDX, p - 1, ix);
    sti(FPOS, ix, p - 1);
  }
  fN = n - 1;
}

// After factorAdd(m, i) failed: y (fN entries) with M[S, S] y = M[S, i], from row fN.
function factorNullDirection(y: usize): void {
  const d = dd;
  const n = fN;
  const r = row(FL, n, d);
  for (let p = 0; p < n; p++) stf(y, p, ldf(r, p));
  for (let p = n - 1; p >= 0; p--) {
    const lp = row(FL, p, d);
    const z = ldf(y, p) / ldf(lp, p);
    stf(y, p, z);
    axpyNeg(y, z, lp, p);
  }
}

function factorSolve(b: usize): void {
  const d = dd;
  const n = fN;
  for (let p = 0; p < n; p++) {
    const lp = row(FL, p, d);
    stf(b, p, (ldf(b, p) - dot4(lp, b, p)) / ldf(lp, p));
  }
  for (let p = n - 1; p >= 0; p--) {
    const lp = row(FL, p, d);
    const z = ldf(b, p) / ldf(lp, p);
    stf(b, p, z);
    axpyNeg(b, z, lp, p);
  }
}

// ---- Sub-problem on the active set ----

function subProblem(k: i32, v: f64, alpha: f64): void {
  let cw = 0.0;
  let wg = 0.0;
  let l1 = 0.0;
  let dn = 0.0;
  for (let a = 0; a < k; a++) {
    const wi = ldf(WA, a);
    cw += ldf(CA, a) * wi;
    wg += wi * ldf(GA, a);
    l1 += abs<f64>(wi);
    const x = abs<f64>(ldf(GA, a));
    if (x > dn) dn = x;
  }
  const r2 = v - cw - wg;
  const s = dn > alpha ? alpha / dn : 1.0;
  subGap = 0.5 * r2 * (1 + s * s) + alpha * l1 - s * (v - cw);
  subObj = 0.5 * r2 + alpha * l1;
}

function objectiveOf(k: i32, v: f64, alpha: f64): f64 {
  let cw = 0.0;
  let wg = 0.0;
  let l1 = 0.0;
  for (let a = 0; a < k; a++) {
    const wi = ldf(WX, a);
    cw += ldf(CA, a) * wi;
    wg += wi * ldf(GX, a);
    l1 += abs<f64>(wi);
  }
  return 0.5 * (v - cw - wg) + alpha * l1;
}

function anderson(k: i32, v: f64, alpha: f64, objective: f64): bool {
  const d = dd;
  for (let r = 0; r < K; r++) {
    const h1 = row(HISTW, r + 1, d);
    const h0 = row(HISTW, r, d);
    const u = row(ANDU, r, d);
    for (let a = 0; a < k; a++) stf(u, a, ldf(h1, a) - ldf(h0, a));
  }
  for (let r = 0; r < K; r++) {
    for (let q = 0; q <= r; q++) {
      const s = dot4(row(ANDU, r, d), row(ANDU, q, d), k);
      stf(ANDM, r * K + q, s);
      stf(ANDM, q * K + r, s);
    }
  }
  for (let r = 0; r < K; r++) stf(ANDZ, r, 1.0);
  for (let col = 0; col < K; col++) {
    let p = col;
    for (let r = col + 1; r < K; r++) if (abs<f64>(ldf(ANDM, r * K + col)) > abs<f64>(ldf(ANDM, p * K + col))) p = r;
    const piv = ldf(ANDM, p * K + col);
    if (!(abs<f64>(piv) > 0)) return false;
    if (p != col) {
      for (let q = 0; q < K; q++) {
        const x = ldf(ANDM, p * K + q);
        stf(ANDM, p * K + q, ldf(ANDM, col * K + q));
        stf(ANDM, col * K + q, x);
      }
      const x = ldf(ANDZ, p);
      stf(ANDZ, p, ldf(ANDZ, col));
      stf(ANDZ, col, x);
    }
    for (let r = col + 1; r < K; r++) {
      const f = ldf(ANDM, r * K + col) / piv;
      for (let q = col; q < K; q++) stf(ANDM, r * K + q, ldf(ANDM, r * K + q) - f * ldf(ANDM, col * K + q));
      stf(ANDZ, r, ldf(ANDZ, r) - f * ldf(ANDZ, col));
    }
  }
  for (let r = K - 1; r >= 0; r--) {
    let s = ldf(ANDZ, r);
    for (let q = r + 1; q < K; q++) s -= ldf(ANDM, r * K + q) * ldf(ANDZ, q);
    stf(ANDZ, r, s / ldf(ANDM, r * K + r));
  }
  let sum = 0.0;
  for (let r = 0; r < K; r++) sum += ldf(ANDZ, r);
  if (!(abs<f64>(sum) > 0) || !isFinite<f64>(sum)) return false;
  for (let a = 0; a < k; a++) {
    stf(WX, a, 0);
    stf(GX, a, 0);
  }
  for (let r = 0; r < K; r++) {
    const cr = ldf(ANDZ, r) / sum;
    const hw = row(HISTW, r, d);
    const hg = row(HISTG, r, d);
    for (let a = 0; a < k; a++) {
      stf(WX, a, ldf(WX, a) + cr * ldf(hw, a));
      stf(GX, a, ldf(GX, a) + cr * ldf(hg, a));
    }
  }
  if (!(objectiveOf(k, v, alpha) < objective)) return false;
  for (let a = 0; a < k; a++) {
    stf(WA, a, ldf(WX, a));
    stf(GA, a, ldf(GX, a));
  }
  return true;
}

// ---- Newton steps ----

// -1: complete; i >= 0: direct-mode pivot failure at global index i (prefix kept); -2: a
// complement-mode pivot failure (factor reset).
function syncFactor(gram: usize, inv: usize, ke: i32): i32 {
  const d = dd;
  const mode = inv != 0 && 2 * ke > d ? 1 : 0;
  const m = mode == 1 ? inv : gram;
  if (fMode != mode) factorReset(mode);
  for (let p = 0; p < ke; p++) stb(INE, ldi(ACT, ldi(SUP, p)), 1);
  for (let q = fN - 1; q >= 0; q--) {
    const i = ldi(FIDX, q);
    if ((mode == 0) != (ldb(INE, i) == 1)) factorRemove(q);
  }
  let failed = -1;
  if (mode == 0) {
    for (let p = 0; p < ke && failed < 0; p++) {
      const i = ldi(ACT, ldi(SUP, p));
      if (ldi(FPOS, i) < 0 && !factorAdd(m, i)) failed = i;
    }
  } else {
    for (let i = 0; i < d && failed < 0; i++) if (ldb(INE, i) == 0 && ldi(FPOS, i) < 0 && !factorAdd(m, i)) failed = i;
  }
  for (let p = 0; p < ke; p++) stb(INE, ldi(ACT, ldi(SUP, p)), 0);
  if (failed >= 0 && mode == 1) {
    factorReset(mode);
    return -2;
  }
  return failed;
}

function posInActive(k: i32, i: i32): i32 {
  let lo = 0;
  let hi = k - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ldi(ACT, mid) < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// @ts-ignore: decorator
@inline function signedAlpha(w: f64, alpha: f64): f64 {
  return w > 0 ? alpha : -alpha;
}

function nullStep(k: i32, v: f64, alpha: f64, objective: f64, i: i32): i32 {
  const n = fN;
  factorNullDirection(XS);
  const ai = posInActive(k, i);
  let slope = signedAlpha(ldf(WA, ai), alpha) - ldf(GA, ai);
  for (let p = 0; p < n; p++) {
    const a = posInActive(k, ldi(FIDX, p));
    slope -= ldf(XS, p) * (signedAlpha(ldf(WA, a), alpha) - ldf(GA, a));
  }
  let sigma: f64 = slope > 0 ? -1.0 : 1.0;
  let t = Infinity;
  let hit = -1;
  for (let attempt = 0; attempt < 2 && hit < 0; attempt++) {
    if (attempt == 1) sigma = -sigma;
    for (let p = 0; p <= n; p++) {
      const a = p < n ? posInActive(k, ldi(FIDX, p)) : ai;
      const step = sigma * (p < n ? -ldf(XS, p) : 1.0);
      const w0 = ldf(WA, a);
      if (w0 > 0 ? step < 0 : step > 0) {
        const ta = -w0 / step;
        if (ta < t) {
          t = ta;
          hit = a;
        }
      }
    }
  }
  if (hit < 0) return 0;
  for (let a = 0; a < k; a++) {
    stf(WX, a, ldf(WA, a));
    stf(GX, a, ldf(GA, a));
  }
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(k, ldi(FIDX, p)) : ai;
    stf(WX, a, a == hit ? 0 : ldf(WA, a) + t * (sigma * (p < n ? -ldf(XS, p) : 1.0)));
  }
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(k, ldi(FIDX, p)) : ai;
    const delta = ldf(WX, a) - ldf(WA, a);
    if (delta != 0) axpyNeg(GX, delta, row(GAA, a, k), k);
  }
  if (!(objectiveOf(k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    stf(WA, a, ldf(WX, a));
    stf(GA, a, ldf(GX, a));
  }
  return 2;
}

/** The reference's complement.ts: wx = x on the support, y = G^-1 b~ kept and updated across solves. */
function complementSolve(inv: usize, k: i32, ke: i32, alpha: f64): void {
  const d = dd;
  for (let i = 0; i < d; i++) stf(FULL, i, 0);
  for (let p = 0; p < ke; p++) {
    const a = ldi(SUP, p);
    stf(FULL, ldi(ACT, a), ldf(CA, a) - (ldf(WA, a) > 0 ? alpha : -alpha));
  }
  let changes = 0;
  if (hyFresh) for (let i = 0; i < d; i++) if (ldf(FULL, i) != ldf(HB, i)) changes++;
  if (!hyFresh || hyUpdates + changes > (d >> 3)) {
    for (let i = 0; i < d; i++) stf(HY, i, dot4(row(inv, i, d), FULL, d));
    hyFresh = true;
    hyUpdates = 0;
  } else {
    for (let i = 0; i < d; i++) {
      const bi = ldf(HB, i);
      const fi = ldf(FULL, i);
      if (fi != bi) axpyNeg(HY, bi - fi, row(inv, i, d), d);
    }
    hyUpdates += changes;
  }
  memory.copy(HB, FULL, <usize>d << 3);
  for (let r = 0; r < fN; r++) stf(YS, r, ldf(HY, ldi(FIDX, r)));
  factorSolve(YS);
  memory.copy(FULL, HY, <usize>d << 3);
  for (let r = 0; r < fN; r++) axpyNeg(FULL, ldf(YS, r), row(inv, ldi(FIDX, r), d), d);
  for (let a = 0; a < k; a++) stf(WX, a, 0);
  for (let p = 0; p < ke; p++) {
    const a = ldi(SUP, p);
    stf(WX, a, ldf(FULL, ldi(ACT, a)));
  }
}

function newtonStep(gram: usize, inv: usize, k: i32, v: f64, alpha: f64, objective: f64, exact: bool): i32 {
  const d = dd;
  let ke = 0;
  for (let a = 0; a < k; a++) if (ldf(WA, a) != 0) sti(SUP, ke++, a);
  if (ke == 0) return 0;
  const sync = syncFactor(gram, inv, ke);
  if (sync == -2) return 0;
  if (sync >= 0) return nullStep(k, v, alpha, objective, sync);
  if (fMode == 0) {
    for (let p = 0; p < fN; p++) {
      const a = posInActive(k, ldi(FIDX, p));
      stf(XS, p, ldf(CA, a) - (ldf(WA, a) > 0 ? alpha : -alpha));
    }
    factorSolve(XS);
    for (let a = 0; a < k; a++) stf(WX, a, 0);
    for (let p = 0; p < fN; p++) stf(WX, posInActive(k, ldi(FIDX, p)), ldf(XS, p));
  } else {
    complementSolve(inv, k, ke, alpha);
  }
  let tmax = 1.0;
  let hit = -1;
  for (let p = 0; p < ke; p++) {
    const a = ldi(SUP, p);
    const w0 = ldf(WA, a);
    const x = ldf(WX, a);
    if (w0 > 0 ? !(x > 0) : !(x < 0)) {
      const t = w0 / (w0 - x);
      if (t < tmax) {
        tmax = t;
        hit = a;
      }
    }
  }
  if (!exact) {
    for (let a = 0; a < k; a++) {
      const w0 = ldf(WA, a);
      const gxa = w0 > 0 ? alpha : w0 < 0 ? -alpha : ldf(CA, a) - dot4(row(GAA, a, k), WX, k);
      const ga = ldf(GA, a);
      stf(GX, a, ga + tmax * (gxa - ga));
    }
  }
  if (tmax < 1) {
    for (let p = 0; p < ke; p++) {
      const a = ldi(SUP, p);
      const w0 = ldf(WA, a);
      stf(WX, a, a == hit ? 0 : w0 + tmax * (ldf(WX, a) - w0));
    }
  } else {
    hit = -1;
  }
  if (exact) {
    for (let a = 0; a < k; a++) stf(GX, a, ldf(CA, a));
    for (let p = 0; p < ke; p++) {
      const a = ldi(SUP, p);
      const wv = ldf(WX, a);
      if (wv != 0) axpyNeg(GX, wv, row(GAA, a, k), k);
    }
  }
  if (!(objectiveOf(k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    stf(WA, a, ldf(WX, a));
    stf(GA, a, ldf(GX, a));
  }
  return hit >= 0 ? 2 : 1;
}

// ---- The active set (the reference's working-set.ts) ----

/** A = the support of W, ascending; returns its size. */
function pruneToSupport(d: i32): i32 {
  let k = 0;
  for (let i = 0; i < d; i++) {
    if (ldf(W, i) != 0) {
      stb(INA, i, 1);
      sti(ACT, k++, i);
    } else stb(INA, i, 0);
  }
  return k;
}

/** Violator x goes before violator y: larger |g|, ties the smaller index. */
// @ts-ignore: decorator
@inline function precedes(x: i32, y: i32): bool {
  const gx = abs<f64>(ldf(G, x));
  const gy = abs<f64>(ldf(G, y));
  return gx > gy || (gx == gy && x < y);
}

/** Moves the heap entry at `at` (of n, at MERGED) down: the root is the last in `precedes` order. */
function siftDown(at: i32, n: i32): void {
  let p = at;
  const x = ldi(MERGED, p);
  while (true) {
    let ch = 2 * p + 1;
    if (ch >= n) break;
    if (ch + 1 < n && precedes(ldi(MERGED, ch), ldi(MERGED, ch + 1))) ch++;
    const y = ldi(MERGED, ch);
    if (!precedes(x, y)) break;
    sti(MERGED, p, y);
    p = ch;
  }
  sti(MERGED, p, x);
}

/** Heapsort of MERGED[0..n) into `precedes` order. */
function sortViolators(n: i32): void {
  for (let p = (n >> 1) - 1; p >= 0; p--) siftDown(p, n);
  for (let e = n - 1; e > 0; e--) {
    const x = ldi(MERGED, 0);
    sti(MERGED, 0, ldi(MERGED, e));
    sti(MERGED, e, x);
    siftDown(0, e);
  }
}

/** At most max(WS_MIN_GROWTH, k) violators, the largest |g| first, join A; returns how many. */
function growActiveSet(gram: usize, d: i32, k: i32, alpha: f64): i32 {
  let nv = 0;
  for (let i = 0; i < d; i++) {
    if (ldb(INA, i) == 0 && abs<f64>(ldf(G, i)) > alpha && ldf(row(gram, i, d), i) > 0) sti(MERGED, nv++, i);
  }
  const budget = max<i32>(WS_MIN_GROWTH, k);
  if (nv > budget) {
    sortViolators(nv);
    nv = budget;
  }
  for (let q = 0; q < nv; q++) stb(INA, ldi(MERGED, q), 1);
  if (nv > 0) {
    let q = 0;
    for (let i = 0; i < d; i++) if (ldb(INA, i) != 0) sti(ACT, q++, i);
  }
  return nv;
}

// ---- One target along the path ----

function targetPath(
  gram: usize, inv: usize, d: i32, c: usize, v: f64, alphas: usize, m: i32, tol: f64, maxIter: i32, newton: bool,
  outCoef: usize, outRes: usize, outGap: usize, outIter: usize, outNewton: usize,
): void {
  const tolAbs = tol * v;
  for (let i = 0; i < d; i++) {
    stf(W, i, 0);
    stf(G, i, ldf(c, i));
  }
  factorReset(0);
  hyFresh = false;
  let k = 0;
  for (let mm = 0; mm < m; mm++) {
    const alpha = ldf(alphas, mm);
    let sweeps = 0;
    let solves = 0;
    let gap = 0.0;
    let residual = 0.0;
    let stale = true;
    let exact = false;
    let claimed = false;
    k = pruneToSupport(d);
    while (true) {
      let cw = 0.0;
      let wg = 0.0;
      let l1 = 0.0;
      let dn = 0.0;
      for (let i = 0; i < d; i++) {
        const wi = ldf(W, i);
        const gi = ldf(G, i);
        cw += ldf(c, i) * wi;
        wg += wi * gi;
        l1 += abs<f64>(wi);
        const a = abs<f64>(gi);
        if (a > dn) dn = a;
      }
      residual = v - cw - wg;
      const s = dn > alpha ? alpha / dn : 1.0;
      gap = 0.5 * residual * (1 + s * s) + alpha * l1 - s * (v - cw);
      if (gap <= tolAbs || sweeps >= maxIter) break;
      const added = growActiveSet(gram, d, k, alpha);
      if (added == 0 && claimed) exact = true;
      if (added > 0) {
        k += added;
        stale = true;
      }
      if (stale) {
        for (let a = 0; a < k; a++) {
          const gr = row(gram, ldi(ACT, a), d);
          const out = row(GAA, a, k);
          for (let b = 0; b < k; b++) stf(out, b, ldf(gr, ldi(ACT, b)));
          stf(DIAG, a, ldf(gr, ldi(ACT, a)));
        }
        stale = false;
      }
      for (let a = 0; a < k; a++) {
        const i = ldi(ACT, a);
        stf(CA, a, ldf(c, i));
        stf(WA, a, ldf(W, i));
        stf(GA, a, ldf(G, i));
      }
      let hist = 0;
      let tried = false;
      while (sweeps < maxIter) {
        sweeps++;
        let changed = false;
        for (let a = 0; a < k; a++) {
          const gjj = ldf(DIAG, a);
          const old = ldf(WA, a);
          const z = ldf(GA, a) + gjj * old;
          const nw = z > alpha ? (z - alpha) / gjj : z < -alpha ? (z + alpha) / gjj : 0.0;
          const delta = nw - old;
          if (delta != 0) {
            if ((old > 0) != (nw > 0) || (old < 0) != (nw < 0)) changed = true;
            stf(WA, a, nw);
            axpyNeg(GA, delta, row(GAA, a, k), k);
          }
        }
        if (changed) tried = false;
        subProblem(k, v, alpha);
        if (subGap <= tolAbs) break;
        if (newton && !changed && !tried) {
          tried = true;
          let stepped = false;
          for (let rep = 0; rep < NEWTON_REPEAT; rep++) {
            const r = newtonStep(gram, inv, k, v, alpha, subObj, exact);
            solves++;
            if (r == 0) break;
            stepped = true;
            subProblem(k, v, alpha);
            if (r == 1) break;
          }
          if (stepped) {
            hist = 0;
            if (subGap <= tolAbs) break;
            continue;
          }
        }
        const slot = hist % (K + 1);
        const hw = row(HISTW, slot, d);
        const hg = row(HISTG, slot, d);
        for (let a = 0; a < k; a++) {
          stf(hw, a, ldf(WA, a));
          stf(hg, a, ldf(GA, a));
        }
        hist++;
        if (slot == K && anderson(k, v, alpha, subObj)) {
          subProblem(k, v, alpha);
          if (subGap <= tolAbs) break;
        }
      }
      claimed = subGap <= tolAbs;
      for (let a = 0; a < k; a++) stf(W, ldi(ACT, a), ldf(WA, a));
      for (let i = 0; i < d; i++) stf(G, i, ldf(c, i));
      for (let i = 0; i < d; i++) {
        const wi = ldf(W, i);
        if (wi != 0) axpyNeg(G, wi, row(gram, i, d), d);
      }
    }
    memory.copy(row(outCoef, mm, d), W, <usize>d << 3);
    stf(outRes, mm, residual);
    stf(outGap, mm, gap);
    sti(outIter, mm, sweeps);
    sti(outNewton, mm, solves);
  }
}

/**
 * The path over the m decreasing positive alphas for targets [t0, t1) of the t x d cross-moments
 * `cT` (row j: target j's), with second moments `tv`. Target j's outputs, with jj = j - t0:
 * coef m x d at outCoef + jj m d (f64), residual / gap m f64 at outRes / outGap + jj m, sweeps /
 * Newton solves m i32 at outIter / outNewton + jj m. `inv` is G^-1 or 0.
 */
export function lassoPath(
  gram: usize, inv: usize, d: i32, cT: usize, tv: usize, t0: i32, t1: i32, alphas: usize, m: i32,
  tol: f64, maxIter: i32, newton: i32, work: usize,
  outCoef: usize, outRes: usize, outGap: usize, outIter: usize, outNewton: usize,
): void {
  dd = d;
  carve(work, d);
  fN = 0;
  fMode = 0;
  for (let i = 0; i < d; i++) sti(FPOS, i, -1);
  for (let i = 0; i < d; i++) stb(INE, i, 0);
  for (let j = t0; j < t1; j++) {
    const jm = <usize>(j - t0) * <usize>m;
    targetPath(
      gram, inv, d, row(cT, j, d), ldf(tv, j), alphas, m, tol, maxIter, newton != 0,
      outCoef + ((jm * <usize>d) << 3), outRes + (jm << 3), outGap + (jm << 3), outIter + (jm << 2), outNewton + (jm << 2),
    );
  }
}
