// Moment kernel (see src/kernels/moments/contract.ts), WASM SIMD part. Raw memory only.

// Row means in f64; centred values (f64, rounded to f32) written packed to p (see below).
// Rows d..dp and samples n..4*groups are zero.
export function momentsCentre(x: usize, d: i32, dp: i32, n: i32, p: usize, mean: usize): void {
  const n4 = n & ~3;
  const groups = (n + 3) >> 2;
  const panelBytes = <usize>groups << 6;
  for (let u = 0; u < d; u++) {
    const row = x + (<usize>u * <usize>n << 2);
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let k = 0; k < n4; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    let sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
    for (let k = n4; k < n; k++) sum += <f64>load<f32>(row + (<usize>k << 2));
    const m = n > 0 ? sum / <f64>n : 0.0;
    store<f64>(mean + (<usize>u << 3), m);
    const mv = f64x2.splat(m);
    const out = p + <usize>(u >> 2) * panelBytes + (<usize>(u & 3) << 4);
    for (let k = 0; k < n4; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      const lo = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(v), mv));
      const hi = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mv));
      v128.store(out + (<usize>k << 4), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
    if (n4 < n) {
      const o = out + (<usize>n4 << 4);
      for (let k = 0; k < 4; k++) {
        const s = n4 + k;
        store<f32>(o + (<usize>k << 2), s < n ? <f32>(<f64>load<f32>(row + (<usize>s << 2)) - m) : 0);
      }
    }
  }
  for (let u = d; u < dp; u++) {
    const out = p + <usize>(u >> 2) * panelBytes + (<usize>(u & 3) << 4);
    for (let g = 0; g < groups; g++) v128.store(out + (<usize>g << 6), f32x4.splat(0));
  }
}

// Sums of the four lanes of each of a, b, c, e, as one vector.
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, e: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(c, e, 0, 4, 1, 5), v128.shuffle<f32>(c, e, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// acc[0..3] += lanes of v, in f64.
// @ts-ignore: decorator
@inline function flush4(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
  v128.store(acc, f64x2.add(v128.load(acc, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
}

// Packed layout: panel q holds rows 4q..4q+3; sample group g (samples 4g..4g+3) of the panel is
// 64 bytes at p + (q * groups + g) * 64: row r's four samples at +16r.

// Two rows (a, a+16: rows r, r+1 of a panel) against the four rows of panel b, over `bytes`
// bytes of the panels; adds to acc (row length rowBytes) in f64.
// @ts-ignore: decorator
@inline function tile2x4(a: usize, b: usize, bytes: usize, acc: usize, rowBytes: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  for (let k: usize = 0; k < bytes; k += 64) {
    const x0 = v128.load(a + k), x1 = v128.load(a + k, 16);
    let y = v128.load(b + k);
    c00 = f32x4.add(c00, f32x4.mul(x0, y));
    c10 = f32x4.add(c10, f32x4.mul(x1, y));
    y = v128.load(b + k, 16);
    c01 = f32x4.add(c01, f32x4.mul(x0, y));
    c11 = f32x4.add(c11, f32x4.mul(x1, y));
    y = v128.load(b + k, 32);
    c02 = f32x4.add(c02, f32x4.mul(x0, y));
    c12 = f32x4.add(c12, f32x4.mul(x1, y));
    y = v128.load(b + k, 48);
    c03 = f32x4.add(c03, f32x4.mul(x0, y));
    c13 = f32x4.add(c13, f32x4.mul(x1, y));
  }
  flush4(acc, hsum4(c00, c01, c02, c03));
  flush4(acc + rowBytes, hsum4(c10, c11, c12, c13));
}

export function momentsBlocks(p: usize, groups: i32, dp: i32, g0: i32, g1: i32, block: i32, acc: usize): void {
  const panelBytes = <usize>groups << 6;
  const rowBytes = <usize>dp << 3;
  for (let g = g0; g < g1; g += block) {
    const bytes = <usize>min(block, g1 - g) << 6;
    const base = p + (<usize>g << 6);
    for (let i = 0; i < dp; i += 4) {
      const a = base + <usize>(i >> 2) * panelBytes;
      const accRow = acc + <usize>i * rowBytes;
      for (let j = i; j < dp; j += 4) {
        const b = base + <usize>(j >> 2) * panelBytes;
        tile2x4(a, b, bytes, accRow + (<usize>j << 3), rowBytes);
        tile2x4(a + 32, b, bytes, accRow + 2 * rowBytes + (<usize>j << 3), rowBytes);
      }
    }
  }
}
