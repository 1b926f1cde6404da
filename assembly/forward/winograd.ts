// 3 x 3, stride 1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 2 x 2 output tile is A' [(G g G') . (B' d B)] A for its 4 x 4 input tile d. Summed over
// input channels this becomes 16 independent GEMMs (one per position xi of the 4 x 4 transformed
// tile) of (M/group x C/group) by (C/group x tiles), with 16 products instead of 36 per tile and
// channel pair: 1.9x fewer multiplications than im2col for AlexNet's 13 x 13 maps (7 x 7 tiles
// of 2 x 2, the last row and column half used). Used by conv2d (assembly/forward/conv.ts) for
// 3 x 3, stride 1, dilation 1, non-depthwise convolutions with enough channels to repay the
// transforms; the host (src/forward/wasm/kernels.ts) decides. Every output depends only on its
// own image and the weights, whatever the number of images transformed together.
//
//   B' = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   A' = [1 1 1 0; 0 1 -1 -1]
import { sgemm } from './gemm';

// U[xi][m][c] (16 x Mg x Cg) = G g G' for the 3 x 3 filters g = w[m][c] of one group.
function transformFilters(w: usize, Mg: i32, Cg: i32, u: usize): void {
  const plane = <usize>Mg * <usize>Cg;
  for (let m = 0; m < Mg; m++) {
    for (let c = 0; c < Cg; c++) {
      const g = w + ((<usize>(m * Cg + c) * 9) << 2);
      // Rows of G g (4 x 3).
      const a0 = load<f32>(g), a1 = load<f32>(g, 4), a2 = load<f32>(g, 8);
      const b0 = load<f32>(g, 12), b1 = load<f32>(g, 16), b2 = load<f32>(g, 20);
      const c0 = load<f32>(g, 24), c1 = load<f32>(g, 28), c2 = load<f32>(g, 32);
      const r0x = a0, r0y = a1, r0z = a2;
      const r1x = (a0 + b0 + c0) * 0.5, r1y = (a1 + b1 + c1) * 0.5, r1z = (a2 + b2 + c2) * 0.5;
      const r2x = (a0 - b0 + c0) * 0.5, r2y = (a1 - b1 + c1) * 0.5, r2z = (a2 - b2 + c2) * 0.5;
      const r3x = c0, r3y = c1, r3z = c2;
      const o = u + ((<usize>m * <usize>Cg + <usize>c) << 2);
      const s = plane << 2;
      // (G g) G': each row (x, y, z) becomes (x, (x+y+z)/2, (x-y+z)/2, z).
      store<f32>(o, r0x); store<f32>(o + s, (r0x + r0y + r0z) * 0.5); store<f32>(o + 2 * s, (r0x - r0y + r0z) * 0.5); store<f32>(o + 3 * s, r0z);
      store<f32>(o + 4 * s, r1x); store<f32>(o + 5 * s, (r1x + r1y + r1z) * 0.5); store<f32>(o + 6 * s, (r1x - r1y + r1z) * 0.5); store<f32>(o + 7 * s, r1z);
      store<f32>(o + 8 * s, r2x); store<f32>(o + 9 * s, (r2x + r2y + r2z) * 0.5); store<f32>(o + 10 * s, (r2x - r2y + r2z) * 0.5); store<f32>(o + 11 * s, r2z);
      store<f32>(o + 12 * s, r3x); store<f32>(o + 13 * s, (r3x + r3y + r3z) * 0.5); store<f32>(o + 14 * s, (r3x - r3y + r3z) * 0.5); store<f32>(o + 15 * s, r3z);
    }
  }
}

// x[r][col] of one H x W plane, or 0 outside it.
// @ts-ignore: decorator
@inline function px(plane: usize, H: i32, W: i32, r: i32, col: i32): f32 {
  return r >= 0 && r < H && col >= 0 && col < W ? load<f32>(plane + ((<usize>(r * W + col)) << 2)) : 0;
}

// V[xi][c][t0 + tile] = B' d B for every 2 x 2 output tile of one image's Cg planes at x; V rows
// hold `ldv` tiles.
function transformInput(x: usize, Cg: i32, H: i32, W: i32, pt: i32, pl: i32, TH: i32, TW: i32, v: usize, ldv: i32, t0: i32): void {
  const s = (<usize>Cg * <usize>ldv) << 2;
  for (let c = 0; c < Cg; c++) {
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    let o = v + ((<usize>c * <usize>ldv + <usize>t0) << 2);
    for (let ty = 0; ty < TH; ty++) {
      const r = ty * 2 - pt;
      const inside = r >= 0 && r + 3 < H;
      for (let tx = 0; tx < TW; tx++) {
        const col = tx * 2 - pl;
        let d00: f32, d01: f32, d02: f32, d03: f32, d10: f32, d11: f32, d12: f32, d13: f32;
        let d20: f32, d21: f32, d22: f32, d23: f32, d30: f32, d31: f32, d32: f32, d33: f32;
        if (inside && col >= 0 && col + 3 < W) {
          const p0 = plane + ((<usize>(r * W + col)) << 2);
          const p1 = p0 + (<usize>W << 2), p2 = p1 + (<usize>W << 2), p3 = p2 + (<usize>W << 2);
          d00 = load<f32>(p0); d01 = load<f32>(p0, 4); d02 = load<f32>(p0, 8); d03 = load<f32>(p0, 12);
          d10 = load<f32>(p1); d11 = load<f32>(p1, 4); d12 = load<f32>(p1, 8); d13 = load<f32>(p1, 12);
          d20 = load<f32>(p2); d21 = load<f32>(p2, 4); d22 = load<f32>(p2, 8); d23 = load<f32>(p2, 12);
          d30 = load<f32>(p3); d31 = load<f32>(p3, 4); d32 = load<f32>(p3, 8); d33 = load<f32>(p3, 12);
        } else {
          d00 = px(plane, H, W, r, col); d01 = px(plane, H, W, r, col + 1); d02 = px(plane, H, W, r, col + 2); d03 = px(plane, H, W, r, col + 3);
          d10 = px(plane, H, W, r + 1, col); d11 = px(plane, H, W, r + 1, col + 1); d12 = px(plane, H, W, r + 1, col + 2); d13 = px(plane, H, W, r + 1, col + 3);
          d20 = px(plane, H, W, r + 2, col); d21 = px(plane, H, W, r + 2, col + 1); d22 = px(plane, H, W, r + 2, col + 2); d23 = px(plane, H, W, r + 2, col + 3);
          d30 = px(plane, H, W, r + 3, col); d31 = px(plane, H, W, r + 3, col + 1); d32 = px(plane, H, W, r + 3, col + 2); d33 = px(plane, H, W, r + 3, col + 3);
        }
        // B' d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
        const e00 = d00 - d20, e01 = d01 - d21, e02 = d02 - d22, e03 = d03 - d23;
        const e10 = d10 + d20, e11 = d11 + d21, e12 = d12 + d22, e13 = d13 + d23;
        const e20 = d20 - d10, e21 = d21 - d11, e22 = d22 - d12, e23 = d23 - d13;
        const e30 = d10 - d30, e31 = d11 - d31, e32 = d12 - d32, e33 = d13 - d33;
        // (B' d) B: the same on the columns.
        store<f32>(o, e00 - e02); store<f32>(o + s, e01 + e02); store<f32>(o + 2 * s, e02 - e01); store<f32>(o + 3 * s, e01 - e03);
        store<f32>(o + 4 * s, e10 - e12); store<f32>(o + 5 * s, e11 + e12); store<f32>(o + 6 * s, e12 - e11); store<f32>(o + 7 * s, e11 - e13);
        store<f32>(o + 8 * s, e20 - e22); store<f32>(o + 9 * s, e21 + e22); store<f32>(o + 10 * s, e22 - e21); store<f32>(o + 11 * s, e21 - e23);
        store<f32>(o + 12 * s, e30 - e32); store<f32>(o + 13 * s, e31 + e32); store<f32>(o + 14 * s, e32 - e31); store<f32>(o + 15 * s, e31 - e33);
        o += 4;
      }
    }
  }
}

// y planes (Mg of one image, outH x outW) = bias + A' m A for every tile, m read from
// P[xi][mm][t0 + tile] (rows of `ldp` tiles).
function transformOutput(p: usize, Mg: i32, ldp: i32, t0: i32, TH: i32, TW: i32, outH: i32, outW: i32, bias: usize, y: usize): void {
  const s = (<usize>Mg * <usize>ldp) << 2;
  for (let mm = 0; mm < Mg; mm++) {
    const b: f32 = bias ? load<f32>(bias + (<usize>mm << 2)) : 0;
    const plane = y + ((<usize>mm * <usize>outH * <usize>outW) << 2);
    let q = p + ((<usize>mm * <usize>ldp + <usize>t0) << 2);
    for (let ty = 0; ty < TH; ty++) {
      const oy = ty * 2;
      for (let tx = 0; tx < TW; tx++) {
        const m00 = load<f32>(q), m01 = load<f32>(q + s), m02 = load<f32>(q + 2 * s), m03 = load<f32>(q + 3 * s);
        const m10 = load<f32>(q + 4 * s), m11 = load<f32>(q + 5 * s), m12 = load<f32>(q + 6 * s), m13 = load<f32>(q + 7 * s);
        const m20 = load<f32>(q + 8 * s), m21 = load<f32>(q + 9 * s), m22 = load<f32>(q + 10 * s), m23 = load<f32>(q + 11 * s);
        const m30 = load<f32>(q + 12 * s), m31 = load<f32>(q + 13 * s), m32 = load<f32>(q + 14 * s), m33 = load<f32>(q + 15 * s);
        // A' m: rows (m0 + m1 + m2, m1 - m2 - m3).
        const a0 = m00 + m10 + m20, a1 = m01 + m11 + m21, a2 = m02 + m12 + m22, a3 = m03 + m13 + m23;
        const c0 = m10 - m20 - m30, c1 = m11 - m21 - m31, c2 = m12 - m22 - m32, c3 = m13 - m23 - m33;
        const ox = tx * 2;
        const o = plane + ((<usize>(oy * outW + ox)) << 2);
        store<f32>(o, b + (a0 + a1 + a2));
        if (ox + 1 < outW) store<f32>(o, b + (a1 - a2 - a3), 4);
        if (oy + 1 < outH) {
          const o1 = o + (<usize>outW << 2);
          store<f32>(o1, b + (c0 + c1 + c2));
          if (ox + 1 < outW) store<f32>(o1, b + (c1 - c2 - c3), 4);
        }
        q += 4;
      }
    }
  }
}

// The three transforms of one Winograd scheme F(2x2, k x k): filters to U (P x Mg x Cg), input
// tiles of one image to V (P x Cg x ldv, columns from t0), products (P x Mg x ldp) to outputs.
export type WinogradFilters = (w: usize, Mg: i32, Cg: i32, u: usize) => void;
export type WinogradInput = (x: usize, Cg: i32, H: i32, W: i32, pt: i32, pl: i32, TH: i32, TW: i32, v: usize, ldv: i32, t0: i32) => void;
export type WinogradOutput = (p: usize, Mg: i32, ldp: i32, t0: i32, TH: i32, TW: i32, outH: i32, outW: i32, bias: usize, y: usize) => void;

// The driver shared by F(2x2, 3x3) here and F(2x2, 5x5) (winograd5.ts): per group, the filters
// (when `transform` is nonzero), then `batch` images at a time: their input tiles, the
// P = (k + 1)^2 GEMMs, the outputs. The transforms are called indirectly, once per group or
// image, never inside a loop over tiles or channels. The transformed filters are at `u`: group
// blocks of P (M/group)(C/group) f32, written here when `transform` is nonzero, else read as
// they are (the host keeps them for constant weights: the transform cost as much as a batch
// of 8 images' GEMMs at conv3). Scratch at `work`: P (C/group) T + P (M/group) T f32,
// T = batch * tiles per image.
export function winogradConv(
  k: i32, filters: WinogradFilters, input: WinogradInput, output: WinogradOutput,
  x: usize, N: i32, C: i32, H: i32, W: i32, w: usize, M: i32, bias: usize, group: i32,
  pt: i32, pl: i32, outH: i32, outW: i32, y: usize, batch: i32, work: usize, u: usize, transform: i32,
): void {
  const P = (k + 1) * (k + 1);
  const Cg = C / group;
  const Mg = M / group;
  const TH = (outH + 1) >> 1;
  const TW = (outW + 1) >> 1;
  const tiles = TH * TW;
  const T = batch * tiles;
  const v = work;
  const p = v + ((<usize>P * <usize>Cg * <usize>T) << 2);
  const planeB = (<usize>H * <usize>W) << 2;
  const outPlaneB = (<usize>outH * <usize>outW) << 2;
  for (let g = 0; g < group; g++) {
    const ug = u + ((<usize>g * <usize>P * <usize>Mg * <usize>Cg) << 2);
    if (transform) filters(w + ((<usize>g * <usize>Mg * <usize>Cg * <usize>(k * k)) << 2), Mg, Cg, ug);
    for (let n0 = 0; n0 < N; n0 += batch) {
      const count = min(batch, N - n0);
      const cols = count * tiles;
      for (let i = 0; i < count; i++) {
        input(x + <usize>((n0 + i) * C + g * Cg) * planeB, Cg, H, W, pt, pl, TH, TW, v, cols, i * tiles);
      }
      for (let xi = 0; xi < P; xi++) {
        sgemm(
          0, 0, Mg, cols, Cg, 1,
          ug + ((<usize>xi * <usize>Mg * <usize>Cg) << 2), Cg,
          v + ((<usize>xi * <usize>Cg * <usize>cols) << 2), cols,
          0, p + ((<usize>xi * <usize>Mg * <usize>cols) << 2), cols,
        );
      }
      for (let i = 0; i < count; i++) {
        output(
          p, Mg, cols, i * tiles, TH, TW, outH, outW,
          bias ? bias + ((<usize>g * <usize>Mg) << 2) : 0,
          y + <usize>((n0 + i) * M + g * Mg) * outPlaneB,
        );
      }
    }
  }
}

// y (N, M, outH, outW) = conv3x3(x (N, C, H, W), w (M, C/group, 3, 3), stride 1) + bias (or none
// when bias == 0), pads pt / pl at the top / left (outH, outW say where the others end).
// `batch` images are transformed together (16 GEMMs of batch * tiles columns). Scratch at
// `work`: 16 (C/group) T + 16 (M/group) T f32, T = batch * tiles per image; the transformed
// filters at `u` (group x 16 (M/group)(C/group) f32), computed when `transform` is nonzero.
export function convWinograd(
  x: usize, N: i32, C: i32, H: i32, W: i32, w: usize, M: i32, bias: usize, group: i32,
  pt: i32, pl: i32, outH: i32, outW: i32, y: usize, batch: i32, work: usize, u: usize, transform: i32,
): void {
  winogradConv(3, transformFilters, transformInput, transformOutput, x, N, C, H, W, w, M, bias, group, pt, pl, outH, outW, y, batch, work, u, transform);
}
