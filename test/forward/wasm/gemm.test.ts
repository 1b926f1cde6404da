// The WASM SIMD GEMM and im2col/col2im (assembly/forward/gemm.ts) against plain triple loops in
// float64: every transpose, sizes that are not multiples of the 4 x 8 tile or of the blocks
// (384 deep, 1024 columns), leading dimensions larger than the matrices (the padding must stay
// untouched), beta = 0 over a C full of NaN, and col2im as the exact adjoint of im2col.
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmInstance } from '../../../src/kernels/wasm-module.js';
import { Rng } from '../../helpers/rng.js';

let wasm: WasmInstance;
beforeAll(async () => {
  wasm = await WasmInstance.create();
});

function random(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** Copies arrays into fresh WASM buffers; returns their offsets. */
function place(arrays: Float32Array[]): number[] {
  const offsets = wasm.layout(arrays.map((a) => a.byteLength));
  arrays.forEach((a, i) => wasm.f32(offsets[i], a.length).set(a));
  return offsets;
}

interface GemmCase {
  tA: number;
  tB: number;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
}

function gemmReference(c: GemmCase, A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < c.N; j++) {
      let s = 0;
      for (let k = 0; k < c.K; k++) s += (c.tA ? A[k * lda + i] : A[i * lda + k]) * (c.tB ? B[j * ldb + k] : B[k * ldb + j]);
      out[i * ldc + j] = c.alpha * s + (c.beta === 0 ? 0 : c.beta * C[i * ldc + j]);
    }
  }
  return out;
}

function runGemm(c: GemmCase, seed: number) {
  const rng = new Rng(seed);
  // Leading dimensions a little larger than needed: strided access and untouched padding.
  const lda = (c.tA ? c.M : c.K) + 3;
  const ldb = (c.tB ? c.K : c.N) + 1;
  const ldc = c.N + 2;
  const A = random(rng, (c.tA ? c.K : c.M) * lda);
  const B = random(rng, (c.tB ? c.N : c.K) * ldb);
  const C = c.beta === 0 ? new Float32Array(c.M * ldc).fill(NaN) : random(rng, c.M * ldc);
  const [a, b, cc] = place([A, B, C]);
  wasm.exports.sgemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, a, lda, b, ldb, c.beta, cc, ldc);
  const got = wasm.f32(cc, C.length);
  const want = gemmReference(c, A, lda, B, ldb, C, ldc);
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < c.M; i++) for (let j = 0; j < c.N; j++) scale = Math.max(scale, Math.abs(want[i * ldc + j]));
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < ldc; j++) {
      const at = i * ldc + j;
      if (j >= c.N) {
        // Padding between rows keeps its old contents (NaN when beta = 0).
        expect(Object.is(got[at], C[at]), `padding at row ${i} col ${j}`).toBe(true);
        continue;
      }
      worst = Math.max(worst, Math.abs(got[at] - want[at]));
    }
  }
  // f32 accumulation of K products of magnitude <= 1: error grows like sqrt(K) eps.
  expect(worst / scale, JSON.stringify(c)).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(c.K)));
}

describe('sgemm', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 16],
    [5, 9, 2],
    [13, 17, 300],
    [33, 70, 513],
    [9, 1030, 770],
    [130, 21, 40],
    [2, 2100, 3],
    [67, 35, 257],
  ];
  let seed = 1;
  for (const [M, N, K] of shapes) {
    for (const tA of [0, 1]) {
      for (const tB of [0, 1]) {
        it(`M=${M} N=${N} K=${K} transA=${tA} transB=${tB}`, () => {
          runGemm({ tA, tB, M, N, K, alpha: 1, beta: 0 }, seed++);
          runGemm({ tA, tB, M, N, K, alpha: -0.75, beta: 1 }, seed++);
          runGemm({ tA, tB, M, N, K, alpha: 1.5, beta: 0.5 }, seed++);
        });
      }
    }
  }

  it('K = 0 or alpha = 0 scales C by beta (zeros for beta = 0, even over NaN)', () => {
    for (const K of [0, 5]) {
      const C = new Float32Array([NaN, 2, 3, 4, 5, 6]);
      const A = new Float32Array(Math.max(1, 2 * K)).fill(1);
      const B = new Float32Array(Math.max(1, 3 * K)).fill(1);
      const [a, b, c] = place([A, B, C]);
      wasm.exports.sgemm(0, 0, 2, 3, K, K === 0 ? 1 : 0, a, Math.max(1, K), b, 3, 0, c, 3);
      expect(Array.from(wasm.f32(c, 6))).toEqual([0, 0, 0, 0, 0, 0]);
      wasm.f32(c, 6).set(C);
      wasm.exports.sgemm(0, 0, 2, 3, K, K === 0 ? 1 : 0, a, Math.max(1, K), b, 3, 2, c, 3);
      expect(Array.from(wasm.f32(c, 6)).slice(1)).toEqual([4, 6, 8, 10, 12]);
    }
  });

  it('rows of C do not depend on the other rows (batch splits are bit-identical)', () => {
    const rng = new Rng(99);
    const [M, N, K] = [23, 19, 600];
    const A = random(rng, M * K);
    const B = random(rng, N * K);
    const [a, b, c] = place([A, B, new Float32Array(M * N)]);
    wasm.exports.sgemm(0, 1, M, N, K, 1, a, K, b, K, 0, c, N);
    const whole = wasm.f32(c, M * N).slice();
    for (const [r0, r1] of [[0, 5], [5, 6], [6, 23]]) {
      wasm.exports.sgemm(0, 1, r1 - r0, N, K, 1, a + r0 * K * 4, K, b, K, 0, c, N);
      expect(Array.from(wasm.f32(c, (r1 - r0) * N))).toEqual(Array.from(whole.subarray(r0 * N, r1 * N)));
    }
  });
});

interface ConvGeometry {
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
  dh: number;
  dw: number;
}

function outSize(g: ConvGeometry): [number, number] {
  return [
    Math.floor((g.H + g.pt + g.pb - g.dh * (g.kh - 1) - 1) / g.sh) + 1,
    Math.floor((g.W + g.pl + g.pr - g.dw * (g.kw - 1) - 1) / g.sw) + 1,
  ];
}

/** im2col by definition: each col entry is the input value it reads, 0 for padding. */
function im2colReference(g: ConvGeometry, x: Float32Array): Float32Array {
  return Float32Array.from(im2colIndex(g), (i) => (i >= 0 ? x[i] : 0));
}

describe('im2col / col2im', () => {
  const geometries: ConvGeometry[] = [
    { C: 1, H: 5, W: 5, kh: 3, kw: 3, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 },
    { C: 3, H: 7, W: 9, kh: 3, kw: 2, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 0, dh: 1, dw: 1 },
    { C: 2, H: 11, W: 10, kh: 5, kw: 3, sh: 2, sw: 3, pt: 2, pl: 1, pb: 1, pr: 2, dh: 1, dw: 1 },
    { C: 4, H: 9, W: 13, kh: 3, kw: 3, sh: 1, sw: 2, pt: 2, pl: 3, pb: 2, pr: 3, dh: 2, dw: 3 },
    // Padding wider than the image: whole rows and columns of zeros.
    { C: 1, H: 2, W: 3, kh: 3, kw: 5, sh: 1, sw: 1, pt: 3, pl: 4, pb: 3, pr: 4, dh: 1, dw: 1 },
    { C: 3, H: 15, W: 15, kh: 11, kw: 11, sh: 4, sw: 4, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 },
  ];
  for (const g of geometries) {
    it(JSON.stringify(g), () => {
      const rng = new Rng(g.C * 1000 + g.H * 10 + g.kw);
      const [oh, ow] = outSize(g);
      const x = random(rng, g.C * g.H * g.W);
      const rows = g.C * g.kh * g.kw;
      // NaN-filled output: every entry must be written.
      const [xp, colp] = place([x, new Float32Array(rows * oh * ow).fill(NaN)]);
      wasm.exports.im2col(xp, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, oh, ow, colp);
      const col = wasm.f32(colp, rows * oh * ow).slice();
      expect(Array.from(col)).toEqual(Array.from(im2colReference(g, x)));

      // Adjoint: <im2col(x), y> == <x, col2im(y)>, and col2im accumulates into its output.
      const y = random(rng, rows * oh * ow);
      const base = random(rng, x.length);
      const [yp, outp] = place([y, base]);
      wasm.exports.col2im(yp, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, oh, ow, outp);
      const back = wasm.f32(outp, x.length).slice();
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < col.length; i++) lhs += col[i] * y[i];
      for (let i = 0; i < x.length; i++) rhs += x[i] * (back[i] - base[i]);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      // Each input pixel gathers exactly the col entries that read it.
      const expected = Float64Array.from(base);
      const ref = im2colIndex(g);
      for (let i = 0; i < ref.length; i++) if (ref[i] >= 0) expected[ref[i]] += y[i];
      for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(expected[i], 4);
    });
  }
});

/** For each col entry, the input index it reads (-1: padding). */
function im2colIndex(g: ConvGeometry): Int32Array {
  const [oh, ow] = outSize(g);
  const idx = new Int32Array(g.C * g.kh * g.kw * oh * ow);
  let o = 0;
  for (let c = 0; c < g.C; c++)
    for (let i = 0; i < g.kh; i++)
      for (let j = 0; j < g.kw; j++)
        for (let y = 0; y < oh; y++)
          for (let z = 0; z < ow; z++) {
            const ih = y * g.sh - g.pt + i * g.dh;
            const iw = z * g.sw - g.pl + j * g.dw;
            idx[o++] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? (c * g.H + ih) * g.W + iw : -1;
          }
  return idx;
}
