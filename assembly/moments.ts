// Moment kernel (contract: src/kernels/moments/contract.ts), the WASM SIMD part. The host
// (src/kernels/moments/wasm.ts) lays out the buffers and drives these functions; no allocation.
import { madd } from './forward/madd';
//
// One call sequence computes the co-moments of one slice of `n` samples of `d` units, a block of
// rows at a time (the host merges each block into its running total, so no d x d matrix is ever
// held here):
//   1. momentsCentre: per unit, the mean of its f32 samples in f64; every sample centred in f64
//      and rounded to f32, written to a packed scratch buffer (below), zero padded; and the sum
//      of squares of those rounded values in f64 (the host's float32 range check).
//   2. momentsBlocks (called repeatedly, over ranges of sample groups, per block of rows): the
//      rows [i0, i1) of the upper triangle of tiles of X_c X_c', accumulated in f32 over blocks of
//      `block` sample groups (the host uses 32 groups = 128 samples), each block's partial sums
//      added to a float64 accumulator, so rounding error does not grow with n.
//
// Packed layout. Units are grouped in panels of 4 (dp = d rounded up to 4; units d..dp-1 are
// zero), samples in groups of 4 (`groups` = ceil(n / 4); samples n..4*groups-1 are zero). Panel q
// is `groups * 64` bytes, contiguous; its sample group g is the 64 bytes at
//   p + (q * groups + g) * 64,  unit 4q + r's four samples at + 16 r.
// A 4 x 4 tile of the co-moment matrix then reads two panels front to back with one pointer each
// and constant offsets: both operands stream contiguously, samples vectorised.
//
// Micro-kernel. Two units of the row panel against the four units of the column panel: 8 f32x4
// accumulators, 2 + 4 loads per 8 vector multiply-adds, about 13 live vector registers (V8 on
// x64 allocates 15 of the 16 xmm registers). Measured on Zen 4 / Node 20: 2x4 reaches ~70
// GFLOP/s (2 n d^2 convention) on one core; 4x4, 3x3, 2x6, 3x6, 2x8 and 1x8 tiles spill or
// stall and reach 43..54 (a 3x4 or 8x6 broadcast tile too, re-measured in issue 15); an unpacked
// row-major layout with 4x4 tiles reached 36. A 4 x 4 tile is two 2x4 passes, the second reading
// the column panel from L1. Each step is madd (./forward/madd.ts): a multiply then an add in the
// plain build, one fused multiply-add in the relaxed-SIMD build (about 1.25x the throughput here).
//
// Strips. Within one block of samples the rows go in strips of STRIP_ROWS: a column panel's
// block (2 KB) is read from L2 once per strip and from L1 by the strip's other row panels (the
// strip's own 8 panel blocks, 16 KB, stay in L1). Row by row, as before, every column panel came
// from L2 once per 4 rows, and with the accumulator rows streaming through L2 as well, from L3:
// measured on Zen 4 / Node 20, one core, CPU time, strips of 32 rows 1.10-1.25x (d = 384..1536).
// The order of each entry's float64 additions is the same whatever the strip (one per block of
// samples, in sample order), so strips do not change a bit.

// Mean of each unit (f64) and the centred, packed f32 samples. `x` holds d rows of n f32,
// unit-major (row u at x + 4 u n); `p` receives the packed layout; `mean` and `sumsq` d f64 each,
// sumsq the sum of squares of the centred samples as rounded to f32.
export function momentsCentre(x: usize, d: i32, dp: i32, n: i32, p: usize, mean: usize, sumsq: usize): void {
  const n4 = n & ~3;
  const groups = (n + 3) >> 2;
  const panelBytes = <usize>groups << 6;
  for (let u = 0; u < d; u++) {
    const row = x + ((<usize>u * <usize>n) << 2);
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let k = 0; k < n4; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    let sum =
      f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
    for (let k = n4; k < n; k++) sum += <f64>load<f32>(row + (<usize>k << 2));
    const m = n > 0 ? sum / <f64>n : 0.0;
    store<f64>(mean + (<usize>u << 3), m);
    const mv = f64x2.splat(m);
    const out = p + <usize>(u >> 2) * panelBytes + (<usize>(u & 3) << 4);
    let q0 = f64x2.splat(0);
    let q1 = f64x2.splat(0);
    for (let k = 0; k < n4; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      const lo = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(v), mv));
      const hi = f32x4.demote_f64x2_zero(
        f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mv),
      );
      const lo64 = f64x2.promote_low_f32x4(lo);
      const hi64 = f64x2.promote_low_f32x4(hi);
      q0 = f64x2.add(q0, f64x2.mul(lo64, lo64));
      q1 = f64x2.add(q1, f64x2.mul(hi64, hi64));
      v128.store(out + (<usize>k << 4), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
    let squares =
      f64x2.extract_lane(q0, 0) + f64x2.extract_lane(q1, 0) + (f64x2.extract_lane(q0, 1) + f64x2.extract_lane(q1, 1));
    if (n4 < n) {
      const o = out + (<usize>n4 << 4);
      for (let k = 0; k < 4; k++) {
        const s = n4 + k;
        const c: f32 = s < n ? <f32>(<f64>load<f32>(row + (<usize>s << 2)) - m) : 0;
        squares += <f64>c * <f64>c;
        store<f32>(o + (<usize>k << 2), c);
      }
    }
    store<f64>(sumsq + (<usize>u << 3), squares);
  }
  for (let u = d; u < dp; u++) {
    const out = p + <usize>(u >> 2) * panelBytes + (<usize>(u & 3) << 4);
    for (let g = 0; g < groups; g++) v128.store(out + (<usize>g << 6), f32x4.splat(0));
  }
}

// The sums of the four lanes of each of a, b, c, e, as one vector.
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, e: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(c, e, 0, 4, 1, 5), v128.shuffle<f32>(c, e, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// acc[0..3] (f64) += the lanes of v.
// @ts-ignore: decorator
@inline function flush4(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
  v128.store(acc, f64x2.add(v128.load(acc, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
}

// Units a/16 (the two rows at a and a + 16 of a panel group) against the four units of panel b,
// over `bytes` bytes of both panels, in f32; the 2 x 4 sums are added to the f64 accumulator
// at acc (row length rowBytes).
// @ts-ignore: decorator
@inline function tile2x4(a: usize, b: usize, bytes: usize, acc: usize, rowBytes: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const end = a + bytes;
  while (a < end) {
    const x0 = v128.load(a), x1 = v128.load(a, 16);
    let y = v128.load(b);
    c00 = madd(x0, y, c00);
    c10 = madd(x1, y, c10);
    y = v128.load(b, 16);
    c01 = madd(x0, y, c01);
    c11 = madd(x1, y, c11);
    y = v128.load(b, 32);
    c02 = madd(x0, y, c02);
    c12 = madd(x1, y, c12);
    y = v128.load(b, 48);
    c03 = madd(x0, y, c03);
    c13 = madd(x1, y, c13);
    a += 64;
    b += 64;
  }
  flush4(acc, hsum4(c00, c01, c02, c03));
  flush4(acc + rowBytes, hsum4(c10, c11, c12, c13));
}

/** Rows per strip (a multiple of 4): see the top of this file. */
const STRIP_ROWS = 32;

// Adds the co-moments of sample groups [g0, g1) of the packed buffer p (`groups` groups per
// panel, dp units) for rows [i0, i1) (multiples of 4) to the f64 accumulator acc: row i at
// acc + 8 (i - i0) cols, column j at + 8 (j - i0) (cols >= dp - i0). Entries (i, j) with
// floor(i/4) <= floor(j/4) are written, the others left alone; `block` groups are accumulated at
// a time in f32.
export function momentsBlocks(p: usize, groups: i32, dp: i32, g0: i32, g1: i32, block: i32, acc: usize, i0: i32, i1: i32, cols: i32): void {
  const panelBytes = <usize>groups << 6;
  const rowBytes = <usize>cols << 3;
  for (let g = g0; g < g1; g += block) {
    const bytes = <usize>min(block, g1 - g) << 6;
    const base = p + (<usize>g << 6);
    for (let s0 = i0; s0 < i1; s0 += STRIP_ROWS) {
      const s1 = min(i1, s0 + STRIP_ROWS);
      // Column panel j against the strip's row panels i <= j (tiles on or above the diagonal).
      for (let j = s0; j < dp; j += 4) {
        const b = base + <usize>(j >> 2) * panelBytes;
        const last = min(s1, j + 4);
        for (let i = s0; i < last; i += 4) {
          const a = base + <usize>(i >> 2) * panelBytes;
          const accTile = acc + <usize>(i - i0) * rowBytes + (<usize>(j - i0) << 3);
          tile2x4(a, b, bytes, accTile, rowBytes);
          tile2x4(a + 32, b, bytes, accTile + 2 * rowBytes, rowBytes);
        }
      }
    }
  }
}
