// Host side of the WASM symmetric eigensolver (assembly/eigen.ts: Householder tridiagonalisation,
// divide and conquer, blocked back-transformation), to the contract of ./contract.ts.
//
// Memory of one call: [matrix n x n f64 (overwritten by the vectors)][values n f64][work area
// (about 3 n^2 f64)], laid out by WasmInstance.layout. An instance whose memory grew past
// KEEP_BYTES is not kept for the next call (a WASM memory never shrinks).
import { SharedWasmInstance, type WasmInstance } from '../wasm-module.js';
import { checkSymmetricInput, type SymmetricEigen } from './contract.js';

export interface EigenOptions {
  /**
   * Tridiagonal subproblems of at most this many rows are solved by QL instead of being split
   * further (default 32). Small values exercise the divide-and-conquer merges in tests.
   */
  leafSize?: number;
}

const KEEP_BYTES = 256 * 2 ** 20;
const shared = new SharedWasmInstance();

/** Solves on the given instance (see symmetricEigenWasm). */
export function symmetricEigenOn(w: WasmInstance, matrix: ArrayLike<number>, n: number, options: EigenOptions = {}): SymmetricEigen {
  checkSymmetricInput(matrix, n);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const leaf = Math.max(1, Math.floor(options.leafSize ?? 32));
  const ex = w.exports;
  const [aPtr, valuesPtr, workPtr] = w.layout([n * n * 8, n * 8, Number(ex.eigenWorkBytes(n))], `eigen-decomposition of ${n} x ${n}`);
  w.f64(aPtr, n * n).set(matrix);
  const status = ex.eigenSolve(aPtr, n, valuesPtr, workPtr, leaf);
  if (status !== 0) throw new Error(`eigen-decomposition of ${n} x ${n}: the QL iteration did not converge`);
  return { values: w.f64(valuesPtr, n).slice(), vectors: w.f64(aPtr, n * n).slice() };
}

/** Eigen-decomposition of a symmetric matrix (row-major n x n) in WASM. */
export async function symmetricEigenWasm(matrix: ArrayLike<number>, n: number, options: EigenOptions = {}): Promise<SymmetricEigen> {
  const w = await shared.get();
  try {
    return symmetricEigenOn(w, matrix, n, options);
  } finally {
    if (w.memory.buffer.byteLength > KEEP_BYTES) shared.drop();
  }
}
