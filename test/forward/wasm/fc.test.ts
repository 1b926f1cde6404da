// The fully connected layer's product (assembly/forward/fc.ts, fwdGemmTransB: C = alpha A B^T +
// beta C with B stored N x K) and the relaxed-SIMD build of sgemm, on both builds of the module
// (src/kernels/wasm-module.ts), against float64 loops: sizes that are not multiples of the
// 2 x 4 tile or of 4 deep, leading dimensions larger than the matrices (padding untouched),
// beta = 0 over NaN, and rows independent of the other rows (a batch split across workers is
// bit-identical), which the forward engine relies on.
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmInstance, relaxedSimdAvailable, wasmModule, type WasmVariant } from '../../../src/kernels/wasm-module.js';
import { Rng } from '../../helpers/rng.js';

const instances = {} as Record<WasmVariant, WasmInstance>;
beforeAll(async () => {
  expect(relaxedSimdAvailable(), 'relaxed SIMD on this Node').toBe(true);
  for (const variant of ['plain', 'relaxed'] as const) instances[variant] = await WasmInstance.create(await wasmModule(variant));
});

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

function place(wasm: WasmInstance, arrays: Float32Array[]): number[] {
  const offsets = wasm.layout(arrays.map((a) => a.byteLength));
  arrays.forEach((a, i) => wasm.f32(offsets[i], a.length).set(a));
  return offsets;
}

/** C = alpha op(A) op(B) + beta C in float64 (beta = 0: C not read). */
function product(M: number, N: number, K: number, alpha: number, at: (i: number, k: number) => number, bt: (k: number, j: number) => number, beta: number, C: Float32Array, ldc: number): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += at(i, k) * bt(k, j);
      out[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * ldc + j]);
    }
  }
  return out;
}

/** Checks got against want inside the M x N block (f32 sums of K products: sqrt(K) eps) and that the padding kept its old contents. */
function expectProduct(got: Float32Array, want: Float64Array, old: Float32Array, M: number, N: number, K: number, ldc: number, label: string): void {
  let scale = 1;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) scale = Math.max(scale, Math.abs(want[i * ldc + j]));
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < ldc; j++) {
      const at = i * ldc + j;
      if (j >= N) expect(Object.is(got[at], old[at]), `${label}: padding at row ${i} col ${j}`).toBe(true);
      else worst = Math.max(worst, Math.abs(got[at] - want[at]));
    }
  }
  expect(worst / scale, label).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(K)));
}

describe.each(['plain', 'relaxed'] as const)('fwdGemmTransB (%s build)', (variant) => {
  // [M, N, K]: single values, odd rows (the 1 x 4 tile), N % 4 columns (1 x 1), K % 4 trailing products.
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [2, 4, 4], [7, 13, 301], [5, 9, 1030], [9, 6, 3], [1, 17, 9]];
  let seed = 1;
  for (const [M, N, K] of shapes) {
    for (const [alpha, beta] of [[1, 0], [-0.75, 1], [1.5, 0.5]]) {
      it(`M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta}`, () => {
        const wasm = instances[variant];
        const rng = new Rng(seed++);
        const [lda, ldb, ldc] = [K + 3, K + 1, N + 2];
        const A = random(rng, M * lda);
        const B = random(rng, N * ldb);
        const C = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : random(rng, M * ldc);
        const [a, b, c] = place(wasm, [A, B, C]);
        wasm.exports.fwdGemmTransB(M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
        const want = product(M, N, K, alpha, (i, k) => A[i * lda + k], (k, j) => B[j * ldb + k], beta, C, ldc);
        expectProduct(wasm.f32(c, C.length), want, C, M, N, K, ldc, `${variant} ${M}x${N}x${K}`);
      });
    }
  }

  it('rows of C do not depend on the other rows (batch splits are bit-identical)', () => {
    const wasm = instances[variant];
    const rng = new Rng(77);
    const [M, N, K] = [23, 19, 603];
    const A = random(rng, M * K);
    const B = random(rng, N * K);
    const [a, b, c] = place(wasm, [A, B, new Float32Array(M * N)]);
    wasm.exports.fwdGemmTransB(M, N, K, 1, a, K, b, K, 0, c, N);
    const whole = wasm.f32(c, M * N).slice();
    for (const [r0, r1] of [[0, 5], [5, 6], [6, 23], [1, 4]]) {
      wasm.exports.fwdGemmTransB(r1 - r0, N, K, 1, a + r0 * K * 4, K, b, K, 0, c, N);
      expect(Array.from(wasm.f32(c, (r1 - r0) * N)), `rows ${r0}..${r1}`).toEqual(Array.from(whole.subarray(r0 * N, r1 * N)));
    }
  });
});

describe('sgemm, relaxed build', () => {
  const shapes: [number, number, number][] = [[3, 5, 7], [13, 17, 300], [33, 70, 513], [9, 1030, 770]];
  let seed = 100;
  for (const [M, N, K] of shapes) {
    for (const [tA, tB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      it(`M=${M} N=${N} K=${K} transA=${tA} transB=${tB}`, () => {
        const wasm = instances.relaxed;
        const rng = new Rng(seed++);
        const [lda, ldb, ldc] = [(tA ? M : K) + 3, (tB ? K : N) + 1, N + 2];
        const A = random(rng, (tA ? K : M) * lda);
        const B = random(rng, (tB ? N : K) * ldb);
        const C = random(rng, M * ldc);
        const [a, b, c] = place(wasm, [A, B, C]);
        wasm.exports.sgemm(tA, tB, M, N, K, 0.5, a, lda, b, ldb, 2, c, ldc);
        const at = (i: number, k: number) => (tA ? A[k * lda + i] : A[i * lda + k]);
        const bt = (k: number, j: number) => (tB ? B[j * ldb + k] : B[k * ldb + j]);
        expectProduct(wasm.f32(c, C.length), product(M, N, K, 0.5, at, bt, 2, C, ldc), C, M, N, K, ldc, `relaxed sgemm ${M}x${N}x${K}`);
      });
    }
  }

  it('rows of C do not depend on the other rows (batch splits are bit-identical)', () => {
    const wasm = instances.relaxed;
    const rng = new Rng(99);
    const [M, N, K] = [23, 19, 600];
    const A = random(rng, M * K);
    const B = random(rng, N * K);
    const [a, b, c] = place(wasm, [A, B, new Float32Array(M * N)]);
    wasm.exports.sgemm(0, 1, M, N, K, 1, a, K, b, K, 0, c, N);
    const whole = wasm.f32(c, M * N).slice();
    for (const [r0, r1] of [[0, 5], [5, 6], [6, 23]]) {
      wasm.exports.sgemm(0, 1, r1 - r0, N, K, 1, a + r0 * K * 4, K, b, K, 0, c, N);
      expect(Array.from(wasm.f32(c, (r1 - r0) * N))).toEqual(Array.from(whole.subarray(r0 * N, r1 * N)));
    }
  });

  it('the relaxed build differs from the plain one only in rounding', () => {
    // Same product on both builds: within rounding (bit-identical or not depends on the CPU:
    // relaxed_madd is fused only where the CPU has FMA).
    const rng = new Rng(5);
    const [M, N, K] = [8, 16, 257];
    const A = random(rng, M * K);
    const B = random(rng, K * N);
    const out = (['plain', 'relaxed'] as const).map((v) => {
      const wasm = instances[v];
      const [a, b, c] = place(wasm, [A, B, new Float32Array(M * N)]);
      wasm.exports.sgemm(0, 0, M, N, K, 1, a, K, b, N, 0, c, N);
      return wasm.f32(c, M * N).slice();
    });
    for (let i = 0; i < M * N; i++) expect(Math.abs(out[0][i] - out[1][i])).toBeLessThan(1e-4);
  });
});
