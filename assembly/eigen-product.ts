// Y = M X for the block Lanczos solver (src/kernels/eigen/block-lanczos.ts, host in
// src/kernels/eigen/block-product.ts): M dense row-major n x n, X and Y blocks of b columns, each
// column contiguous (column c at c * n), b a multiple of 4. Four columns per pass over a row of M,
// f64x2 over pairs of the row's entries with two accumulators per column (eight chains in flight);
// an odd n's last entry is added in scalar. No allocation: the host lays out M, X and Y.

// @ts-ignore: decorator
@inline function hsum(a: v128, b: v128): f64 {
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

export function eigenBlockProduct(m: usize, n: i32, x: usize, b: i32, y: usize): void {
  const stride = <usize>n << 3;
  const quad = n & ~3;
  const pair = n & ~1;
  for (let c = 0; c < b; c += 4) {
    const x0 = x + <usize>c * stride;
    const x1 = x0 + stride;
    const x2 = x1 + stride;
    const x3 = x2 + stride;
    for (let i = 0; i < n; i++) {
      const row = m + <usize>i * stride;
      let a0 = f64x2.splat(0);
      let a1 = f64x2.splat(0);
      let a2 = f64x2.splat(0);
      let a3 = f64x2.splat(0);
      let b0 = f64x2.splat(0);
      let b1 = f64x2.splat(0);
      let b2 = f64x2.splat(0);
      let b3 = f64x2.splat(0);
      let j = 0;
      for (; j < quad; j += 4) {
        const o = <usize>j << 3;
        const p = o + 16;
        const m0 = v128.load(row + o);
        const m1 = v128.load(row + p);
        a0 = f64x2.add(a0, f64x2.mul(m0, v128.load(x0 + o)));
        a1 = f64x2.add(a1, f64x2.mul(m0, v128.load(x1 + o)));
        a2 = f64x2.add(a2, f64x2.mul(m0, v128.load(x2 + o)));
        a3 = f64x2.add(a3, f64x2.mul(m0, v128.load(x3 + o)));
        b0 = f64x2.add(b0, f64x2.mul(m1, v128.load(x0 + p)));
        b1 = f64x2.add(b1, f64x2.mul(m1, v128.load(x1 + p)));
        b2 = f64x2.add(b2, f64x2.mul(m1, v128.load(x2 + p)));
        b3 = f64x2.add(b3, f64x2.mul(m1, v128.load(x3 + p)));
      }
      for (; j < pair; j += 2) {
        const o = <usize>j << 3;
        const m0 = v128.load(row + o);
        a0 = f64x2.add(a0, f64x2.mul(m0, v128.load(x0 + o)));
        a1 = f64x2.add(a1, f64x2.mul(m0, v128.load(x1 + o)));
        a2 = f64x2.add(a2, f64x2.mul(m0, v128.load(x2 + o)));
        a3 = f64x2.add(a3, f64x2.mul(m0, v128.load(x3 + o)));
      }
      let s0 = hsum(a0, b0);
      let s1 = hsum(a1, b1);
      let s2 = hsum(a2, b2);
      let s3 = hsum(a3, b3);
      if (j < n) {
        const o = <usize>j << 3;
        const mj = load<f64>(row + o);
        s0 += mj * load<f64>(x0 + o);
        s1 += mj * load<f64>(x1 + o);
        s2 += mj * load<f64>(x2 + o);
        s3 += mj * load<f64>(x3 + o);
      }
      const out = <usize>i << 3;
      store<f64>(y + (x0 - x) + out, s0);
      store<f64>(y + (x1 - x) + out, s1);
      store<f64>(y + (x2 - x) + out, s2);
      store<f64>(y + (x3 - x) + out, s3);
    }
  }
}
