// 2-D convolution (ONNX Conv) on NCHW f32 tensors, the WASM SIMD twin of
// src/forward/reference/conv.ts. Three paths, chosen from the geometry only (never from the batch
// size, so a batch split over workers computes every image exactly as the whole batch would):
//   * depthwise (group == C > 1): direct, one output plane at a time, taps accumulated in order;
//   * 1 x 1 kernel, stride 1, no padding: the input planes already are the GEMM's B matrix;
//   * otherwise: im2col of each image and group into `col`, then one sgemm;
//   * small outputs (the host's `batch` > 1): the im2col of `batch` images side by side in one
//     col matrix and one sgemm for them all into scratch `cbuf`, scattered to the NCHW output.
//     The weights are packed once per `batch` images instead of once per image, and the GEMM's
//     N (outH outW = 169 in AlexNet's conv3-5) is long enough to fill its column panels. Every
//     output column still sums over k in the same order, so results are those of one image at a
//     time, whatever the batch.
// The bias is written into the output first and the GEMM adds to it (beta = 1).
import { im2col, im2colRows, sgemm } from './gemm';

// Ceiling of a / b for b > 0 and any sign of a.
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

// Floor of a / b for b > 0 and any sign of a.
// @ts-ignore: decorator
@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// Fills `rows` rows of `len` f32 at dst with bias[m] for row m (or zeros when bias == 0).
function fillRows(dst: usize, rows: i32, len: i32, bias: usize): void {
  for (let m = 0; m < rows; m++) {
    const row = dst + ((<usize>m * <usize>len) << 2);
    const v = bias ? load<f32>(bias + (<usize>m << 2)) : <f32>0;
    const vv = f32x4.splat(v);
    let i = 0;
    for (; i + 4 <= len; i += 4) v128.store(row + (<usize>i << 2), vv);
    for (; i < len; i++) store<f32>(row + (<usize>i << 2), v);
  }
}

// One output plane of a depthwise convolution: y (outH x outW) = bias + sum over taps of
// w[ky][kx] * x shifted; x is one H x W plane. Taps outside the input add nothing.
function depthwisePlane(
  x: usize, H: i32, W: i32, w: usize, kh: i32, kw: i32, bias: f32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32, outH: i32, outW: i32, y: usize,
): void {
  const P = outH * outW;
  const bv = f32x4.splat(bias);
  let i = 0;
  for (; i + 4 <= P; i += 4) v128.store(y + (<usize>i << 2), bv);
  for (; i < P; i++) store<f32>(y + (<usize>i << 2), bias);
  for (let ky = 0; ky < kh; ky++) {
    // Output rows whose input row oy*sh - pt + ky*dh lies inside [0, H).
    const oyLo = max(0, ceilDiv(pt - ky * dh, sh));
    const oyHi = min(outH - 1, floorDiv(H - 1 + pt - ky * dh, sh));
    for (let kx = 0; kx < kw; kx++) {
      const wv = load<f32>(w + (<usize>(ky * kw + kx) << 2));
      const wvv = f32x4.splat(wv);
      const oxLo = max(0, ceilDiv(pl - kx * dw, sw));
      const oxHi = min(outW - 1, floorDiv(W - 1 + pl - kx * dw, sw));
      if (oxLo > oxHi) continue;
      for (let oy = oyLo; oy <= oyHi; oy++) {
        const ih = oy * sh - pt + ky * dh;
        // Input element of output column ox: xRow + ox*sw (in elements).
        const xRow = x + ((<usize>ih * <usize>W) << 2) + (<usize>(kx * dw - pl) << 2);
        const yRow = y + ((<usize>oy * <usize>outW) << 2);
        let ox = oxLo;
        if (sw == 1) {
          for (; ox + 4 <= oxHi + 1; ox += 4) {
            const o = <usize>ox << 2;
            v128.store(yRow + o, f32x4.add(v128.load(yRow + o), f32x4.mul(wvv, v128.load(xRow + o))));
          }
        }
        for (; ox <= oxHi; ox++) {
          const o = <usize>ox << 2;
          store<f32>(yRow + o, load<f32>(yRow + o) + wv * load<f32>(xRow + (<usize>(ox * sw) << 2)));
        }
      }
    }
  }
}

// y (N, M, outH, outW) = conv(x (N, C, H, W), w (M, C/group, kh, kw)) + bias (M values at
// `bias`, or none when bias == 0). `batch`: images per GEMM (1, or more for small outputs).
// Scratch: `col` at least (C/group)*kh*kw*outH*outW*batch f32 (unused by the depthwise path and
// by the 1 x 1 path when batch is 1), `cbuf` (M/group)*outH*outW*batch f32 when batch > 1.
export function conv2d(
  x: usize, N: i32, C: i32, H: i32, W: i32,
  w: usize, M: i32, kh: i32, kw: i32, bias: usize, group: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, y: usize, col: usize, batch: i32, cbuf: usize,
): void {
  const Cg = C / group;
  const Mg = M / group;
  const Kg = Cg * kh * kw;
  const P = outH * outW;
  const planeB = (<usize>H * <usize>W) << 2;
  const outPlaneB = <usize>P << 2;
  if (group == C && group > 1) {
    // Output channel m reads input channel m / Mg only.
    for (let n = 0; n < N; n++) {
      for (let m = 0; m < M; m++) {
        const g = m / Mg;
        depthwisePlane(
          x + <usize>(n * C + g) * planeB, H, W, w + ((<usize>m * <usize>(kh * kw)) << 2), kh, kw,
          bias ? load<f32>(bias + (<usize>m << 2)) : 0,
          sh, sw, pt, pl, dh, dw, outH, outW, y + <usize>(n * M + m) * outPlaneB,
        );
      }
    }
    return;
  }
  if (batch > 1) {
    convBatched(x, N, C, H, W, w, M, kh, kw, bias, group, sh, sw, pt, pl, dh, dw, outH, outW, y, col, batch, cbuf);
    return;
  }
  const direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && outH == H && outW == W;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      const xg = x + <usize>(n * C + g * Cg) * planeB;
      const wg = w + ((<usize>g * <usize>Mg * <usize>Kg) << 2);
      const yg = y + <usize>(n * M + g * Mg) * outPlaneB;
      let beta: f32 = 0;
      if (bias) {
        fillRows(yg, Mg, P, bias + ((<usize>g * <usize>Mg) << 2));
        beta = 1;
      }
      let b = xg;
      if (!direct) {
        im2col(xg, Cg, H, W, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, col);
        b = col;
      }
      sgemm(0, 0, Mg, P, Kg, 1, wg, Kg, b, P, beta, yg, P);
    }
  }
}

// The batch > 1 path of conv2d (see the file comment).
function convBatched(
  x: usize, N: i32, C: i32, H: i32, W: i32,
  w: usize, M: i32, kh: i32, kw: i32, bias: usize, group: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, y: usize, col: usize, batch: i32, cbuf: usize,
): void {
  const Cg = C / group;
  const Mg = M / group;
  const Kg = Cg * kh * kw;
  const P = outH * outW;
  const planeB = (<usize>H * <usize>W) << 2;
  const outPlaneB = <usize>P << 2;
  for (let n0 = 0; n0 < N; n0 += batch) {
    const count = min(batch, N - n0);
    const cols = count * P;
    const colsB = <usize>cols << 2;
    for (let g = 0; g < group; g++) {
      for (let i = 0; i < count; i++) {
        const xg = x + <usize>((n0 + i) * C + g * Cg) * planeB;
        im2colRows(xg, Cg, H, W, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, col + <usize>i * outPlaneB, cols);
      }
      let beta: f32 = 0;
      if (bias) {
        fillRows(cbuf, Mg, cols, bias + ((<usize>g * <usize>Mg) << 2));
        beta = 1;
      }
      sgemm(0, 0, Mg, cols, Kg, 1, w + ((<usize>g * <usize>Mg * <usize>Kg) << 2), Kg, col, cols, beta, cbuf, cols);
      // Row m of cbuf holds output channel g*Mg + m of the `count` images one after another.
      for (let m = 0; m < Mg; m++) {
        const src = cbuf + <usize>m * colsB;
        for (let i = 0; i < count; i++) {
          memory.copy(y + <usize>((n0 + i) * M + g * Mg + m) * outPlaneB, src + <usize>i * outPlaneB, outPlaneB);
        }
      }
    }
  }
}
