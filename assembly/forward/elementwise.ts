// Elementwise forward kernels, the WASM SIMD twins of src/forward/reference/elementwise.ts:
// activations, Add / Mul with numpy broadcasting, and the per-channel affine map of an unfolded
// BatchNormalization.

// fn: 0 relu, 1 leakyrelu (alpha), 2 clip (lo, hi), 3 sigmoid. y may equal x.
export function unary(fn: i32, x: usize, y: usize, n: i32, alpha: f32, lo: f32, hi: f32): void {
  let i = 0;
  const n4 = n & ~3;
  if (fn == 0) {
    // max(x, 0); wasm's max propagates NaN, as the reference does.
    const z = f32x4.splat(0);
    for (; i < n4; i += 4) v128.store(y + (<usize>i << 2), f32x4.max(v128.load(x + (<usize>i << 2)), z));
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), max<f32>(load<f32>(x + (<usize>i << 2)), 0));
  } else if (fn == 1) {
    // x >= 0 ? x : alpha * x (NaN: alpha * NaN = NaN).
    const a = f32x4.splat(alpha);
    const z = f32x4.splat(0);
    for (; i < n4; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      v128.store(y + (<usize>i << 2), v128.bitselect(v, f32x4.mul(v, a), f32x4.ge(v, z)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      store<f32>(y + (<usize>i << 2), v >= 0 ? v : alpha * v);
    }
  } else if (fn == 2) {
    // v < lo ? lo : v > hi ? hi : v; NaN passes through (pmax / pmin keep their first operand
    // unless the comparison holds).
    const l = f32x4.splat(lo);
    const h = f32x4.splat(hi);
    for (; i < n4; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      v128.store(y + (<usize>i << 2), f32x4.pmin(f32x4.pmax(v, l), h));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      store<f32>(y + (<usize>i << 2), v < lo ? lo : v > hi ? hi : v);
    }
  } else {
    // 1 / (1 + exp(-v)) in the form that does not overflow, in f64 like the reference.
    for (; i < n; i++) {
      const v = <f64>load<f32>(x + (<usize>i << 2));
      let s: f64;
      if (v >= 0) s = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        s = e / (1 + e);
      }
      store<f32>(y + (<usize>i << 2), <f32>s);
    }
  }
}

// One row of y = a (op) b with element strides ia, ib (0: broadcast, 1: contiguous, other: strided).
// @ts-ignore: decorator
@inline function binaryRow(mul: bool, a: usize, ia: i32, b: usize, ib: i32, y: usize, n: i32): void {
  let j = 0;
  const n4 = n & ~3;
  if (ia == 1 && ib == 1) {
    if (mul) for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o))); }
    else for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o))); }
  } else if (ia == 1 && ib == 0) {
    const bv = v128.load32_splat(b);
    if (mul) for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.mul(v128.load(a + o), bv)); }
    else for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.add(v128.load(a + o), bv)); }
  } else if (ia == 0 && ib == 1) {
    const av = v128.load32_splat(a);
    if (mul) for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.mul(av, v128.load(b + o))); }
    else for (; j < n4; j += 4) { const o = <usize>j << 2; v128.store(y + o, f32x4.add(av, v128.load(b + o))); }
  }
  const sa = <usize>ia << 2;
  const sb = <usize>ib << 2;
  let pa = a + <usize>j * sa;
  let pb = b + <usize>j * sb;
  for (; j < n; j++) {
    const u = load<f32>(pa);
    const v = load<f32>(pb);
    store<f32>(y + (<usize>j << 2), mul ? u * v : u + v);
    pa += sa;
    pb += sb;
  }
}

// y = a (op) b, op 0 add / 1 mul, over an index space of `rank` axes with sizes dims[] (i32 at
// `dims`), dense row-major y, and element strides sa[], sb[] of a and b (0 along broadcast axes).
// The host merges axes first, so the last axis is long and the per-channel case (b of shape
// (C, 1, 1) against (N, C, H, W)) becomes rows of H*W with ib = 0.
export function binary(fn: i32, a: usize, b: usize, y: usize, rank: i32, dims: usize, sa: usize, sb: usize): void {
  const mul = fn == 1;
  if (rank == 0) {
    const u = load<f32>(a);
    const v = load<f32>(b);
    store<f32>(y, mul ? u * v : u + v);
    return;
  }
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(dims + last);
  const ia = load<i32>(sa + last);
  const ib = load<i32>(sb + last);
  if (inner == 0) return;
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= load<i32>(dims + (<usize>d << 2));
  // Odometer over the leading axes (at most 8: the host checks), offsets in elements.
  const idx = memory.data(32, 16);
  memory.fill(idx, 0, 32);
  let oa = 0;
  let ob = 0;
  let out = y;
  for (let r = 0; r < rows; r++) {
    if (mul) binaryRow(true, a + (<usize>oa << 2), ia, b + (<usize>ob << 2), ib, out, inner);
    else binaryRow(false, a + (<usize>oa << 2), ia, b + (<usize>ob << 2), ib, out, inner);
    out += <usize>inner << 2;
    for (let d = rank - 2; d >= 0; d--) {
      const dp = <usize>d << 2;
      const i = load<i32>(idx + dp) + 1;
      const n = load<i32>(dims + dp);
      const da = load<i32>(sa + dp);
      const db = load<i32>(sb + dp);
      if (i < n) {
        store<i32>(idx + dp, i);
        oa += da;
        ob += db;
        break;
      }
      store<i32>(idx + dp, 0);
      oa -= da * (n - 1);
      ob -= db * (n - 1);
    }
  }
}

// y[n, c, s] = x[n, c, s] * scale[c] + shift[c] for x (N, C, S).
export function channelAffine(x: usize, N: i32, C: i32, S: i32, scale: usize, shift: usize, y: usize): void {
  const S4 = S & ~3;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = load<f32>(scale + (<usize>c << 2));
      const t = load<f32>(shift + (<usize>c << 2));
      const kv = f32x4.splat(k);
      const tv = f32x4.splat(t);
      const base = (<usize>(n * C + c) * <usize>S) << 2;
      const xp = x + base;
      const yp = y + base;
      let i = 0;
      for (; i < S4; i += 4) {
        const o = <usize>i << 2;
        v128.store(yp + o, f32x4.add(f32x4.mul(v128.load(xp + o), kv), tv));
      }
      for (; i < S; i++) {
        const o = <usize>i << 2;
        store<f32>(yp + o, load<f32>(xp + o) * k + t);
      }
    }
  }
}
