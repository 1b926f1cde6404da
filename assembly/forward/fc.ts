// The fully connected layer's product (ONNX Gemm with transB = 1, transA = 0):
//   C (M x N) = alpha * A (M x K) * B^T + beta * C,  B stored N x K (one row per output unit),
// as dot products of A's rows with B's rows. Used by the forward Gemm (src/forward/wasm/gemm.ts)
// instead of sgemm for this layout because the batch M is small (one worker's slice of images)
// while B is large (AlexNet's fc6: 4096 x 9216, 151 MB): sgemm re-packs (transposes) all of B on
// every call, which cost more than the product itself at M = 8. Here B is read once, in place,
// four rows at a time (147 KB at K = 9216, kept in L2 while every row of A passes over it).
//
// Summation order, fixed per output whatever M, N or the tile an output falls in: lane l of a
// vector accumulator sums A[i][k] B[j][k] for k = l, l + 4, ... (k < K & ~3) in increasing k,
// the four lanes are added as (l0 + l1) + (l2 + l3), then the K % 4 trailing products one at a
// time, then alpha and beta. Each lane step is madd.ts's (fused in the relaxed-SIMD build). So a
// batch split across workers gives bit-identical rows.
//
// beta == 0 overwrites C without reading it (NaN in the old C does not leak), as BLAS does.

import { madd } from './madd';

// @ts-ignore: decorator
@inline function finish(s: v128, a: usize, b: usize, k4: i32, K: i32, alpha: f32, beta: f32, c: usize): void {
  let t = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (let k = k4; k < K; k++) t += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  const v = alpha * t;
  store<f32>(c, beta == 0 ? v : v + beta * load<f32>(c));
}

// One output: row a of A with row b of B (the edges: N % 4 columns).
function dot1x1(a: usize, b: usize, k4: i32, K: i32, alpha: f32, beta: f32, c: usize): void {
  let s = f32x4.splat(0);
  const end = <usize>k4 << 2;
  for (let o: usize = 0; o < end; o += 16) s = madd(v128.load(a + o), v128.load(b + o), s);
  finish(s, a, b, k4, K, alpha, beta, c);
}

// Row a of A with four rows of B (b, b + ldbB, ...): the last row of an odd M.
function dot1x4(a: usize, b: usize, ldbB: usize, k4: i32, K: i32, alpha: f32, beta: f32, c: usize): void {
  const b1 = b + ldbB, b2 = b1 + ldbB, b3 = b2 + ldbB;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const end = <usize>k4 << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const x = v128.load(a + o);
    s0 = madd(x, v128.load(b + o), s0);
    s1 = madd(x, v128.load(b1 + o), s1);
    s2 = madd(x, v128.load(b2 + o), s2);
    s3 = madd(x, v128.load(b3 + o), s3);
  }
  finish(s0, a, b, k4, K, alpha, beta, c);
  finish(s1, a, b1, k4, K, alpha, beta, c + 4);
  finish(s2, a, b2, k4, K, alpha, beta, c + 8);
  finish(s3, a, b3, k4, K, alpha, beta, c + 12);
}

// Two rows of A (a0, a0 + ldaB) with four rows of B: 8 accumulators, 6 loads per 8 products.
function dot2x4(a0: usize, ldaB: usize, b: usize, ldbB: usize, k4: i32, K: i32, alpha: f32, beta: f32, c: usize, ldcB: usize): void {
  const a1 = a0 + ldaB;
  const b1 = b + ldbB, b2 = b1 + ldbB, b3 = b2 + ldbB;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  const end = <usize>k4 << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    let y = v128.load(b + o);
    s00 = madd(x0, y, s00);
    s10 = madd(x1, y, s10);
    y = v128.load(b1 + o);
    s01 = madd(x0, y, s01);
    s11 = madd(x1, y, s11);
    y = v128.load(b2 + o);
    s02 = madd(x0, y, s02);
    s12 = madd(x1, y, s12);
    y = v128.load(b3 + o);
    s03 = madd(x0, y, s03);
    s13 = madd(x1, y, s13);
  }
  const c1 = c + ldcB;
  finish(s00, a0, b, k4, K, alpha, beta, c);
  finish(s01, a0, b1, k4, K, alpha, beta, c + 4);
  finish(s02, a0, b2, k4, K, alpha, beta, c + 8);
  finish(s03, a0, b3, k4, K, alpha, beta, c + 12);
  finish(s10, a1, b, k4, K, alpha, beta, c1);
  finish(s11, a1, b1, k4, K, alpha, beta, c1 + 4);
  finish(s12, a1, b2, k4, K, alpha, beta, c1 + 8);
  finish(s13, a1, b3, k4, K, alpha, beta, c1 + 12);
}

export function gemmTransB(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  const k4 = K > 0 ? K & ~3 : 0;
  const Kp = max(K, 0);
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  let j = 0;
  // B's rows in groups of four, each group read from memory once and reused by every row of A.
  for (; j + 4 <= N; j += 4) {
    const b = B + <usize>j * ldbB;
    const cCol = C + (<usize>j << 2);
    let i = 0;
    for (; i + 2 <= M; i += 2) dot2x4(A + <usize>i * ldaB, ldaB, b, ldbB, k4, Kp, alpha, beta, cCol + <usize>i * ldcB, ldcB);
    if (i < M) dot1x4(A + <usize>i * ldaB, b, ldbB, k4, Kp, alpha, beta, cCol + <usize>i * ldcB);
  }
  for (; j < N; j++) {
    const b = B + <usize>j * ldbB;
    for (let i = 0; i < M; i++) dot1x1(A + <usize>i * ldaB, b, k4, Kp, alpha, beta, C + <usize>i * ldcB + (<usize>j << 2));
  }
}
