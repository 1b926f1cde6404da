// Single-precision GEMM (cblas_sgemm semantics, row-major) and the im2col / col2im pair that
// turns a convolution into one. Used by the forward conv/gemm/matmul kernels
// (src/forward/wasm/conv.ts, gemm.ts) and by training's backward passes. One file (over 400
// lines): the packing routines, the micro-kernel and the edge tiles share the static packing
// buffers and block sizes, and im2col / col2im are the GEMM's two ends.
//
//   C (M x N) = alpha * op(A) op(B) + beta * C,  op(A) M x K, op(B) K x N,
//   A[i][k] = transA ? A[k * lda + i] : A[i * lda + k],  likewise B; C[i][j] = C[i * ldc + j].
//   beta == 0 overwrites C without reading it (NaN in the old C does not leak), as BLAS does.
//
// Structure (BLIS / Goto): loops over blocks of NC columns and KC depths pack op(B) into panels
// of NR = 8 columns (k-major: the 8 values of one k are contiguous), then over blocks of MC rows
// pack alpha * op(A) into panels of MR = 4 rows (the 4 values of one k contiguous). Partial
// panels are zero padded, so the micro-kernel always computes a full 4 x 8 tile; edge tiles go
// through a small buffer. The packing buffers are static (memory.data, below heapBase()), so the
// host's layouts never overlap them and nothing is allocated per call.
//
// Micro-kernel: 4 x 8 accumulators (8 f32x4), per k two vector loads of B and four splat loads of
// A: 8 multiply-adds (madd.ts: fused in the relaxed-SIMD build) per 6 loads, 11 live vector
// registers (V8 on x64 has 15 to give).
//
// Summation order: every C[i][j] is the sum over k in increasing order, one product at a time,
// in one f32 accumulator per KC block, blocks added to C in order. It does not depend on i, j,
// M or N, so splitting a batch (rows of a fully connected layer) across workers gives
// bit-identical results.

import { madd } from './madd';

const MR = 4;
const NR = 8;
// Block sizes, measured on Zen 4 / Node 20 (CPU time, best of 9) over AlexNet's conv and fc
// shapes: KC 384 / MC 128 / NC 1024 gives 36-37 GFLOP/s on the convs and 29 on fc6 (M = 16,
// transB); KC 256 loses 10 % where K is just above 256 (conv1: 363), NC 2048 loses on fc6.
/** Depth of a block: an A panel (6 KB) and a B panel (12 KB) stay in L1 during a tile. */
const KC = 384;
/** Rows of a packed A block (192 KB, L2). */
const MC = 128;
/** Columns of a packed B block (1.5 MB). */
const NC = 1024;

const packA = memory.data(MC * KC * 4, 64);
const packB = memory.data(KC * NC * 4, 64);
/** One 4 x 8 tile for the edges (row stride 32 bytes). */
const edge = memory.data(MR * NR * 4, 64);

// Packs alpha * op(A)[i0 .. i0 + mc, k0 .. k0 + kc] into panels of 4 rows (zero rows past mc).
function packAPanels(transA: i32, A: usize, lda: i32, i0: i32, k0: i32, mc: i32, kc: i32, alpha: f32): void {
  const av = f32x4.splat(alpha);
  const ldaB = <usize>lda << 2;
  let out = packA;
  for (let p = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    if (transA) {
      // A is K x M: the 4 rows of the panel are 4 consecutive values of one stored row.
      let src = A + <usize>k0 * ldaB + (<usize>(i0 + p) << 2);
      if (rows == MR) {
        for (let k = 0; k < kc; k++) {
          v128.store(out, f32x4.mul(v128.load(src), av));
          src += ldaB;
          out += 16;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) store<f32>(out + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) * alpha : 0);
          src += ldaB;
          out += 16;
        }
      }
    } else {
      // A is M x K: read 4 values of each of the 4 rows and transpose 4 x 4.
      const r0 = A + <usize>(i0 + p) * ldaB + (<usize>k0 << 2);
      if (rows == MR) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB;
        const kc4 = kc & ~3;
        let k = 0;
        for (; k < kc4; k += 4) {
          const o = <usize>k << 2;
          const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          v128.store(out, f32x4.mul(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), av));
          v128.store(out, f32x4.mul(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), av), 16);
          v128.store(out, f32x4.mul(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), av), 32);
          v128.store(out, f32x4.mul(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), av), 48);
          out += 64;
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          store<f32>(out, load<f32>(r0 + o) * alpha);
          store<f32>(out, load<f32>(r1 + o) * alpha, 4);
          store<f32>(out, load<f32>(r2 + o) * alpha, 8);
          store<f32>(out, load<f32>(r3 + o) * alpha, 12);
          out += 16;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const o = <usize>k << 2;
          for (let r = 0; r < MR; r++) store<f32>(out + (<usize>r << 2), r < rows ? load<f32>(r0 + <usize>r * ldaB + o) * alpha : 0);
          out += 16;
        }
      }
    }
  }
}

// Packs op(B)[k0 .. k0 + kc, j0 .. j0 + nc] into panels of 8 columns (zero columns past nc).
function packBPanels(transB: i32, B: usize, ldb: i32, k0: i32, j0: i32, kc: i32, nc: i32): void {
  const ldbB = <usize>ldb << 2;
  let out = packB;
  for (let p = 0; p < nc; p += NR) {
    const cols = min(NR, nc - p);
    if (!transB) {
      // B is K x N: the 8 columns of one k are contiguous.
      let src = B + <usize>k0 * ldbB + (<usize>(j0 + p) << 2);
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          src += ldbB;
          out += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) store<f32>(out + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
          src += ldbB;
          out += 32;
        }
      }
    } else {
      // B is N x K: column j of op(B) is stored row j; transpose 4 x 4 blocks of two row groups.
      const r0 = B + <usize>(j0 + p) * ldbB + (<usize>k0 << 2);
      if (cols == NR) {
        const kc4 = kc & ~3;
        let k = 0;
        for (; k < kc4; k += 4) {
          const o = <usize>k << 2;
          for (let h: usize = 0; h < 2; h++) {
            const q = r0 + h * 4 * ldbB + o;
            const x0 = v128.load(q), x1 = v128.load(q + ldbB), x2 = v128.load(q + 2 * ldbB), x3 = v128.load(q + 3 * ldbB);
            const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
            const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
            const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
            const d = out + (h << 4);
            v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
            v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
            v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
            v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
          }
          out += 128;
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          for (let c = 0; c < NR; c++) store<f32>(out + (<usize>c << 2), load<f32>(r0 + <usize>c * ldbB + o));
          out += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const o = <usize>k << 2;
          for (let c = 0; c < NR; c++) store<f32>(out + (<usize>c << 2), c < cols ? load<f32>(r0 + <usize>c * ldbB + o) : 0);
          out += 32;
        }
      }
    }
  }
}

// The 4 x 8 tile of packed panels a (kc x 4) and b (kc x 8), written to c (row stride ldcB bytes):
// mode 0: c = tile; 1: c += tile; 2: c = beta * c + tile.
function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldcB: usize, mode: i32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = a + (<usize>kc << 4);
  while (a < end) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a += 16;
    b += 32;
  }
  const c1 = c + ldcB, c2 = c1 + ldcB, c3 = c2 + ldcB;
  if (mode == 1) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c1)); c11 = f32x4.add(c11, v128.load(c1, 16));
    c20 = f32x4.add(c20, v128.load(c2)); c21 = f32x4.add(c21, v128.load(c2, 16));
    c30 = f32x4.add(c30, v128.load(c3)); c31 = f32x4.add(c31, v128.load(c3, 16));
  } else if (mode == 2) {
    const bv = f32x4.splat(beta);
    c00 = f32x4.add(f32x4.mul(v128.load(c), bv), c00); c01 = f32x4.add(f32x4.mul(v128.load(c, 16), bv), c01);
    c10 = f32x4.add(f32x4.mul(v128.load(c1), bv), c10); c11 = f32x4.add(f32x4.mul(v128.load(c1, 16), bv), c11);
    c20 = f32x4.add(f32x4.mul(v128.load(c2), bv), c20); c21 = f32x4.add(f32x4.mul(v128.load(c2, 16), bv), c21);
    c30 = f32x4.add(f32x4.mul(v128.load(c3), bv), c30); c31 = f32x4.add(f32x4.mul(v128.load(c3, 16), bv), c31);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16);
  v128.store(c3, c30); v128.store(c3, c31, 16);
}

// C[i][j] for i < mr, j < nr from the edge tile, with the same modes as kernel4x8.
function mergeEdge(c: usize, ldcB: usize, mr: i32, nr: i32, mode: i32, beta: f32): void {
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcB;
    const t = edge + (<usize>i << 5);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(t + o);
      if (mode == 0) store<f32>(row + o, v);
      else if (mode == 1) store<f32>(row + o, load<f32>(row + o) + v);
      else store<f32>(row + o, load<f32>(row + o) * beta + v);
    }
  }
}

// C = beta * C (beta == 0: zeros) for the cases where no product is added (K == 0, alpha == 0).
function scaleC(M: i32, N: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    const row = C + ((<usize>i * <usize>ldc) << 2);
    if (beta == 0) memory.fill(row, 0, <usize>N << 2);
    else if (beta != 1) for (let j = 0; j < N; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * beta);
  }
}

export function sgemm(
  transA: i32,
  transB: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f32,
  C: usize,
  ldc: i32,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleC(M, N, beta, C, ldc);
    return;
  }
  const ldcB = <usize>ldc << 2;
  // Depth blocks of equal size (K = 500: 250 + 250, not 384 + 116): fewer passes over C for
  // little work. Depends on K only, so the summation order stays independent of M and N.
  const kBlocks = (K + KC - 1) / KC;
  const kStep = (K + kBlocks - 1) / kBlocks;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += kStep) {
      const kc = min(kStep, K - k0);
      // The first depth block sets C (from beta), the others add to it.
      const mode = k0 > 0 ? 1 : beta == 0 ? 0 : beta == 1 ? 1 : 2;
      packBPanels(transB, B, ldb, k0, j0, kc, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        packAPanels(transA, A, lda, i0, k0, mc, kc, alpha);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const b = packB + <usize>jr * (<usize>kc << 2);
          const cCol = C + (<usize>(j0 + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const a = packA + <usize>ir * (<usize>kc << 2);
            const c = cCol + <usize>(i0 + ir) * ldcB;
            if (mr == MR && nr == NR) kernel4x8(kc, a, b, c, ldcB, mode, beta);
            else {
              kernel4x8(kc, a, b, edge, 32, 0, 0);
              mergeEdge(c, ldcB, mr, nr, mode, beta);
            }
          }
        }
      }
    }
  }
}

// memory.copy / memory.fill call into the engine (tens of ns each): im2col's rows are often only
// 13..55 values long, so short ones are moved with vector loads and stores here.
// @ts-ignore: decorator
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zeroF32(dst: usize, n: i32): void {
  if (n >= 64) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// Unfolds image x (C x H x W) into col ((C kh kw) x (outH outW)): row (c, i, j) holds, for every
// output position (oh, ow), x[c][oh sh - pt + i dh][ow sw - pl + j dw], or 0 where that is padding.
export function im2col(
  x: usize,
  C: i32,
  H: i32,
  W: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  col: usize,
): void {
  im2colRows(x, C, H, W, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, col, outH * outW);
}

// im2col with rows `ldcol` values apart: several images side by side in one col matrix (the
// forward conv puts a few small images into one GEMM).
export function im2colRows(
  x: usize,
  C: i32,
  H: i32,
  W: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  col: usize,
  ldcol: i32,
): void {
  const rowB = <usize>outW << 2;
  const colRowB = <usize>ldcol << 2;
  let rowStart = col;
  for (let c = 0; c < C; c++) {
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pl;
        // Output columns whose input column is inside the image: owLo <= ow < owHi.
        const owLo = dx >= 0 ? 0 : min(outW, (-dx + sw - 1) / sw);
        const owHi = max(owLo, min(outW, W - dx > 0 ? (W - dx + sw - 1) / sw : 0));
        let out = rowStart;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh - pt + i * dh;
          if (ih < 0 || ih >= H) {
            zeroF32(out, outW);
          } else {
            const src = plane + ((<usize>ih * <usize>W) << 2);
            if (owLo > 0) zeroF32(out, owLo);
            if (sw == 1) {
              copyF32(out + (<usize>owLo << 2), src + (<usize>(owLo + dx) << 2), owHi - owLo);
            } else {
              for (let ow = owLo; ow < owHi; ow++) store<f32>(out + (<usize>ow << 2), load<f32>(src + (<usize>(ow * sw + dx) << 2)));
            }
            if (owHi < outW) zeroF32(out + (<usize>owHi << 2), outW - owHi);
          }
          out += rowB;
        }
        rowStart += colRowB;
      }
    }
  }
}

// The adjoint of im2col: x[c][ih][iw] += col[(c, i, j)][(oh, ow)] over every (i, j, oh, ow) that
// reads (ih, iw). x is accumulated into, not cleared.
export function col2im(
  col: usize,
  C: i32,
  H: i32,
  W: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  x: usize,
): void {
  let src = col;
  const rowB = <usize>outW << 2;
  for (let c = 0; c < C; c++) {
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pl;
        const owLo = dx >= 0 ? 0 : min(outW, (-dx + sw - 1) / sw);
        const owHi = max(owLo, min(outW, W - dx > 0 ? (W - dx + sw - 1) / sw : 0));
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh - pt + i * dh;
          if (ih >= 0 && ih < H) {
            const dst = plane + ((<usize>ih * <usize>W) << 2);
            if (sw == 1) {
              const d = dst + (<usize>dx << 2);
              let ow = owLo;
              for (; ow + 4 <= owHi; ow += 4) {
                const o = <usize>ow << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
              }
              for (; ow < owHi; ow++) {
                const o = <usize>ow << 2;
                store<f32>(d + o, load<f32>(d + o) + load<f32>(src + o));
              }
            } else {
              for (let ow = owLo; ow < owHi; ow++) {
                const p = dst + (<usize>(ow * sw + dx) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>ow << 2)));
              }
            }
          }
          src += rowB;
        }
      }
    }
  }
}
