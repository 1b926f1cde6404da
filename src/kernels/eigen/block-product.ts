// Y = M X for a dense row-major n x n matrix M and a block X of b columns (each column contiguous,
// b a multiple of 4): the product behind the block Lanczos solver (./block-lanczos.ts), in plain
// TypeScript (the definition, and the fallback past WASM's 4 GiB) and in WASM SIMD. Four columns
// per pass over a row of M, so M is read b / 4 times from memory per block.
import { WasmInstance } from '../wasm-module.js';

export function blockProduct(m: Float64Array, n: number, x: Float64Array, b: number, y: Float64Array): void {
  for (let c = 0; c < b; c += 4) {
    const o0 = c * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < n; j++) {
        const a = m[row + j];
        s0 += a * x[o0 + j];
        s1 += a * x[o1 + j];
        s2 += a * x[o2 + j];
        s3 += a * x[o3 + j];
      }
      y[o0 + i] = s0;
      y[o1 + i] = s1;
      y[o2 + i] = s2;
      y[o3 + i] = s3;
    }
  }
}

/** Y = M X for blocks of at most `columns` columns, M fixed (the solver's operator). */
export type BlockProduct = (x: Float64Array, b: number, y: Float64Array) => void;

/**
 * The product in WASM SIMD (assembly/eigen-product.ts; about three times the plain TypeScript
 * above), on an instance of its own holding a copy of M: 8 n^2 bytes of WASM memory (2 GiB at
 * n = 16,384), released with the instance when the solver is done. Where M does not fit in the 4
 * GiB a WASM instance addresses, the plain TypeScript product on M itself.
 */
export async function blockProductOf(m: Float64Array, n: number, columns: number): Promise<BlockProduct> {
  const plain: BlockProduct = (x, b, y) => blockProduct(m, n, x, b, y);
  if (8 * n * (n + 2 * columns) + 2 ** 20 > 2 ** 32 - 2 ** 26) return plain;
  const w = await WasmInstance.create();
  const [mPtr, xPtr, yPtr] = w.layout([8 * n * n, 8 * n * columns, 8 * n * columns], `the eigensolver's copy of a ${n} x ${n} matrix`);
  w.f64(mPtr, n * n).set(m);
  return (x, b, y) => {
    if (b > columns || b % 4 !== 0) throw new Error(`block product: ${b} columns, at most ${columns} in multiples of 4`);
    w.f64(xPtr, n * b).set(x.subarray(0, n * b));
    w.exports.eigenBlockProduct(mPtr, n, xPtr, b, yPtr);
    y.set(w.f64(yPtr, n * b));
  };
}
