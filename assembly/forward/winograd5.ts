// 5 x 5, stride 1 convolution by Winograd's F(2x2, 5x5): each 2 x 2 output tile is
// A' [(G g G') . (B' d B)] A for its 6 x 6 input tile d, so that summing over input channels
// becomes 36 GEMMs (one per position xi of the transformed tile) of (M/group x C/group) by
// (C/group x tiles): 9 products per output instead of 25 (AlexNet's conv2, 27 x 27 maps in
// 14 x 14 tiles: 2.6x fewer). The same scheme as winograd.ts (F(2x2, 3x3)); the matrices, for
// the points 0, 1, -1, 2, -2 and infinity (Toom-Cook), are
//   B' = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G  = [1/4 0 0 0 0; -1/6 -1/6 -1/6 -1/6 -1/6; -1/6 1/6 -1/6 1/6 -1/6;
//         1/24 1/12 1/6 1/3 2/3; 1/24 -1/12 1/6 -1/3 2/3; 0 0 0 0 1]
//   A' = [1 1 1 1 1 0; 0 1 -1 2 -2 1]
// In float32 its error stays near 3e-6 of the largest output for unit-scale data (measured in
// numpy against float64 direct convolution over 48 channels), well inside the 1e-4 the forward
// kernels promise. Input and output transforms run on four horizontally adjacent tiles at a
// time (one f32x4 lane each); the tile columns, 2 apart, are picked out of the input rows with
// shuffles.
import { winogradConv } from './winograd';

// Staging for one group of four tiles: 36 vectors of the input tile, 36 after the row pass.
const D = memory.data(36 * 16, 16);
const E = memory.data(36 * 16, 16);
// Lanes of a partial group, gathered one value at a time.
const lanes = memory.data(16, 16);
// One input plane with its zero padding around it, so that every group of four tiles, at the
// borders too, is gathered with vector loads (AlexNet's conv2, 27 x 27 with pads of 2: 61% of
// the groups used to be gathered one bounds-checked value at a time, as long as the GEMMs).
// Planes that need more than this take the bounds-checked gather.
const PADDED_FLOATS = 16384;
const padded = memory.data(PADDED_FLOATS * 4, 16);

// U[xi][m][c] (36 x Mg x Cg) = G g G' for the 5 x 5 filters of one group.
function transformFilters5(w: usize, Mg: i32, Cg: i32, u: usize): void {
  const s = (<usize>Mg * <usize>Cg) << 2;
  const t = memory.data(30 * 4, 16); // G g: 6 rows of 5
  for (let m = 0; m < Mg; m++) {
    for (let c = 0; c < Cg; c++) {
      const g = w + ((<usize>(m * Cg + c) * 25) << 2);
      for (let j = 0; j < 5; j++) {
        // Column j of g through G.
        const g0 = load<f32>(g + (<usize>j << 2)), g1 = load<f32>(g + (<usize>(5 + j) << 2)), g2 = load<f32>(g + (<usize>(10 + j) << 2));
        const g3 = load<f32>(g + (<usize>(15 + j) << 2)), g4 = load<f32>(g + (<usize>(20 + j) << 2));
        store<f32>(t + (<usize>j << 2), g0 * 0.25);
        store<f32>(t + (<usize>(5 + j) << 2), -(g0 + g1 + g2 + g3 + g4) / 6);
        store<f32>(t + (<usize>(10 + j) << 2), -(g0 - g1 + g2 - g3 + g4) / 6);
        store<f32>(t + (<usize>(15 + j) << 2), (g0 + 2 * g1 + 4 * g2 + 8 * g3 + 16 * g4) / 24);
        store<f32>(t + (<usize>(20 + j) << 2), (g0 - 2 * g1 + 4 * g2 - 8 * g3 + 16 * g4) / 24);
        store<f32>(t + (<usize>(25 + j) << 2), g4);
      }
      const o = u + ((<usize>m * <usize>Cg + <usize>c) << 2);
      for (let k = 0; k < 6; k++) {
        // Row k of G g through G'.
        const r = t + (<usize>(k * 5) << 2);
        const g0 = load<f32>(r), g1 = load<f32>(r, 4), g2 = load<f32>(r, 8), g3 = load<f32>(r, 12), g4 = load<f32>(r, 16);
        const q = o + <usize>(k * 6) * s;
        store<f32>(q, g0 * 0.25);
        store<f32>(q + s, -(g0 + g1 + g2 + g3 + g4) / 6);
        store<f32>(q + 2 * s, -(g0 - g1 + g2 - g3 + g4) / 6);
        store<f32>(q + 3 * s, (g0 + 2 * g1 + 4 * g2 + 8 * g3 + 16 * g4) / 24);
        store<f32>(q + 4 * s, (g0 - 2 * g1 + 4 * g2 - 8 * g3 + 16 * g4) / 24);
        store<f32>(q + 5 * s, g4);
      }
    }
  }
}

// B' applied to six vectors at src (stride ss bytes), results to dst (stride ds bytes).
// @ts-ignore: decorator
@inline function bt6(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(src), d1 = v128.load(src + ss), d2 = v128.load(src + 2 * ss);
  const d3 = v128.load(src + 3 * ss), d4 = v128.load(src + 4 * ss), d5 = v128.load(src + 5 * ss);
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  const p = f32x4.add(d3, d4), q = f32x4.add(d1, d2);
  v128.store(dst + ds, f32x4.sub(p, f32x4.mul(four, q)));
  const p2 = f32x4.sub(d4, d3), q2 = f32x4.sub(d1, d2);
  v128.store(dst + 2 * ds, f32x4.add(p2, f32x4.mul(four, q2)));
  const p3 = f32x4.sub(d4, d2), q3 = f32x4.sub(d3, d1);
  v128.store(dst + 3 * ds, f32x4.add(p3, f32x4.mul(two, q3)));
  v128.store(dst + 4 * ds, f32x4.sub(p3, f32x4.mul(two, q3)));
  v128.store(dst + 5 * ds, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

// x[r][col] of one H x W plane, or 0 outside it.
// @ts-ignore: decorator
@inline function px(plane: usize, H: i32, W: i32, r: i32, col: i32): f32 {
  return r >= 0 && r < H && col >= 0 && col < W ? load<f32>(plane + ((<usize>(r * W + col)) << 2)) : 0;
}

// D[i][j] (lanes: `count` tiles from column c0, 2 apart) for input rows r0 + i of one plane.
// Lanes past `count` are gathered too where the plane has them (their values are not used).
function gatherTiles(plane: usize, H: i32, W: i32, r0: i32, c0: i32, count: i32): void {
  const fast = r0 >= 0 && r0 + 5 < H && c0 >= 0 && c0 + 11 < W;
  for (let i = 0; i < 6; i++) {
    const di = D + (<usize>(i * 6) << 4);
    if (fast) {
      const p = plane + ((<usize>((r0 + i) * W + c0)) << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32);
      const w0 = v128.load(p, 8), w1 = v128.load(p, 24);
      v128.store(di, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
      v128.store(di, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7), 16);
      v128.store(di, v128.shuffle<f32>(w0, w1, 0, 2, 4, 6), 32);
      v128.store(di, v128.shuffle<f32>(w0, w1, 1, 3, 5, 7), 48);
      v128.store(di, v128.shuffle<f32>(v1, v2, 0, 2, 4, 6), 64);
      v128.store(di, v128.shuffle<f32>(v1, v2, 1, 3, 5, 7), 80);
    } else {
      for (let j = 0; j < 6; j++) {
        for (let t = 0; t < 4; t++) store<f32>(lanes + (<usize>t << 2), t < count ? px(plane, H, W, r0 + i, c0 + 2 * t + j) : 0);
        v128.store(di + (<usize>j << 4), v128.load(lanes));
      }
    }
  }
}

// dst[0 .. n) = src[0 .. n) (f32).
function copyRow(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// V[xi][c][t0 + tile] = B' d B for every tile of one image's Cg planes; V rows hold ldv tiles.
function transformInput5(x: usize, Cg: i32, H: i32, W: i32, pt: i32, pl: i32, TH: i32, TW: i32, v: usize, ldv: i32, t0: i32): void {
  const s = (<usize>Cg * <usize>ldv) << 2;
  // The padded plane: the rows and columns every tile group reads (rows 2 ty - pt + 0..5,
  // columns 2 tx - pl + 0..11 for groups of four tiles), the image at (pt, pl), zeros around.
  const Hp = 2 * TH + 4;
  const Wp = 8 * ((TW + 3) >> 2) + 4;
  const usePadded = Hp * Wp <= PADDED_FLOATS;
  const copyRows = min(H, Hp - pt);
  const copyCols = min(W, Wp - pl);
  if (usePadded) memory.fill(padded, 0, <usize>(Hp * Wp) << 2);
  for (let c = 0; c < Cg; c++) {
    let plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    let pH = H, pW = W, top = pt, left = pl;
    if (usePadded) {
      // The image's part of the padded plane is the same for every channel: the zeros stay.
      for (let r = 0; r < copyRows; r++) copyRow(padded + ((<usize>((r + pt) * Wp + pl)) << 2), plane + ((<usize>(r * W)) << 2), copyCols);
      plane = padded;
      pH = Hp;
      pW = Wp;
      top = 0;
      left = 0;
    }
    const row = v + ((<usize>c * <usize>ldv + <usize>t0) << 2);
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx += 4) {
        const count = min(4, TW - tx);
        gatherTiles(plane, pH, pW, ty * 2 - top, tx * 2 - left, count);
        // Columns through B' (E[k][j] = sum_i B'[k][i] D[i][j]), then rows.
        for (let j = 0; j < 6; j++) bt6(D + (<usize>j << 4), 96, E + (<usize>j << 4), 96);
        const o = row + ((<usize>(ty * TW + tx)) << 2);
        if (count == 4) {
          for (let k = 0; k < 6; k++) bt6(E + (<usize>(k * 6) << 4), 16, o + <usize>(k * 6) * s, s);
        } else {
          // A partial group: transform in place, store the valid lanes only.
          for (let k = 0; k < 6; k++) bt6(E + (<usize>(k * 6) << 4), 16, D + (<usize>(k * 6) << 4), 16);
          for (let xi = 0; xi < 36; xi++) {
            for (let t = 0; t < count; t++) store<f32>(o + <usize>xi * s + (<usize>t << 2), load<f32>(D + (<usize>xi << 4) + (<usize>t << 2)));
          }
        }
      }
    }
  }
}

// y planes (Mg of one image) = bias + A' m A per tile, m from P[xi][mm][t0 + tile] (ldp tiles a row).
function transformOutput5(p: usize, Mg: i32, ldp: i32, t0: i32, TH: i32, TW: i32, outH: i32, outW: i32, bias: usize, y: usize): void {
  const s = (<usize>Mg * <usize>ldp) << 2;
  const two = f32x4.splat(2);
  for (let mm = 0; mm < Mg; mm++) {
    const b = f32x4.splat(bias ? load<f32>(bias + (<usize>mm << 2)) : 0);
    const plane = y + ((<usize>mm * <usize>outH * <usize>outW) << 2);
    const row = p + ((<usize>mm * <usize>ldp + <usize>t0) << 2);
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx += 4) {
        const count = min(4, TW - tx);
        let q = row + ((<usize>(ty * TW + tx)) << 2);
        // A' on the columns: a (top output row) and c (bottom) for each of the 6 columns j.
        let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        let c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        if (count == 4) {
          for (let j = 0; j < 6; j++) {
            const m0 = v128.load(q), m1 = v128.load(q + 6 * s), m2 = v128.load(q + 12 * s);
            const m3 = v128.load(q + 18 * s), m4 = v128.load(q + 24 * s), m5 = v128.load(q + 30 * s);
            const top = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), m4);
            const bot = f32x4.add(f32x4.add(f32x4.sub(m1, m2), f32x4.mul(two, f32x4.sub(m3, m4))), m5);
            if (j == 0) { a0 = top; c0 = bot; } else if (j == 1) { a1 = top; c1 = bot; } else if (j == 2) { a2 = top; c2 = bot; }
            else if (j == 3) { a3 = top; c3 = bot; } else if (j == 4) { a4 = top; c4 = bot; } else { a5 = top; c5 = bot; }
            q += s;
          }
        } else {
          for (let j = 0; j < 6; j++) {
            for (let k = 0; k < 6; k++) {
              for (let t = 0; t < 4; t++) store<f32>(lanes + (<usize>t << 2), t < count ? load<f32>(q + <usize>(k * 6) * s + (<usize>t << 2)) : 0);
              v128.store(D + (<usize>(k * 6 + j) << 4), v128.load(lanes));
            }
            q += s;
          }
          for (let j = 0; j < 6; j++) {
            const m0 = v128.load(D + (<usize>j << 4)), m1 = v128.load(D + (<usize>(6 + j) << 4)), m2 = v128.load(D + (<usize>(12 + j) << 4));
            const m3 = v128.load(D + (<usize>(18 + j) << 4)), m4 = v128.load(D + (<usize>(24 + j) << 4)), m5 = v128.load(D + (<usize>(30 + j) << 4));
            const top = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), m4);
            const bot = f32x4.add(f32x4.add(f32x4.sub(m1, m2), f32x4.mul(two, f32x4.sub(m3, m4))), m5);
            if (j == 0) { a0 = top; c0 = bot; } else if (j == 1) { a1 = top; c1 = bot; } else if (j == 2) { a2 = top; c2 = bot; }
            else if (j == 3) { a3 = top; c3 = bot; } else if (j == 4) { a4 = top; c4 = bot; } else { a5 = top; c5 = bot; }
          }
        }
        // ... and on the rows.
        const y00 = f32x4.add(b, f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), a4));
        const y01 = f32x4.add(b, f32x4.add(f32x4.add(f32x4.sub(a1, a2), f32x4.mul(two, f32x4.sub(a3, a4))), a5));
        const y10 = f32x4.add(b, f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), c4));
        const y11 = f32x4.add(b, f32x4.add(f32x4.add(f32x4.sub(c1, c2), f32x4.mul(two, f32x4.sub(c3, c4))), c5));
        const oy = ty * 2;
        const ox = tx * 2;
        storeRow(plane + ((<usize>(oy * outW + ox)) << 2), y00, y01, outW - ox);
        if (oy + 1 < outH) storeRow(plane + ((<usize>((oy + 1) * outW + ox)) << 2), y10, y11, outW - ox);
      }
    }
  }
}

// Outputs (e0 f0 e1 f1 e2 f2 e3 f3) at o, the first `room` of them.
// @ts-ignore: decorator
@inline function storeRow(o: usize, e: v128, f: v128, room: i32): void {
  const lo = v128.shuffle<f32>(e, f, 0, 4, 1, 5);
  const hi = v128.shuffle<f32>(e, f, 2, 6, 3, 7);
  if (room >= 8) {
    v128.store(o, lo);
    v128.store(o, hi, 16);
  } else {
    v128.store(lanes, lo);
    for (let i = 0; i < min(room, 4); i++) store<f32>(o + (<usize>i << 2), load<f32>(lanes + (<usize>i << 2)));
    v128.store(lanes, hi);
    for (let i = 4; i < room; i++) store<f32>(o + (<usize>i << 2), load<f32>(lanes + (<usize>(i - 4) << 2)));
  }
}

// As convWinograd (winograd.ts) for 5 x 5 filters: scratch at `work` holds 36 (C/group) T +
// 36 (M/group) T f32, T = batch * tiles per image; the transformed filters at `u` (group x 36
// (M/group)(C/group) f32), computed when `transform` is nonzero.
export function convWinograd5(
  x: usize, N: i32, C: i32, H: i32, W: i32, w: usize, M: i32, bias: usize, group: i32,
  pt: i32, pl: i32, outH: i32, outW: i32, y: usize, batch: i32, work: usize, u: usize, transform: i32,
): void {
  winogradConv(5, transformFilters5, transformInput5, transformOutput5, x, N, C, H, W, w, M, bias, group, pt, pl, outH, outW, y, batch, work, u, transform);
}
