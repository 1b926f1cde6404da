// Host side of the WASM symmetric eigensolver (assembly/eigen.ts: Householder tridiagonalisation,
// divide and conquer, blocked back-transformation). Same contract as the reference
// (src/kernels/eigen/reference.ts): values descending, vectors n x n row-major with column k the
// unit eigenvector of values[k], signed so that its largest-magnitude component is positive; the
// input is symmetrised as 0.5 (a_ij + a_ji); a non-finite entry is refused with its row and column.
//
// Memory of one call: [matrix n x n f64 (overwritten by the vectors)][values n f64][work area
// (about 3 n^2 f64)], laid out by WasmInstance.layout. An instance whose memory grew past
// KEEP_BYTES is not kept for the next call (a WASM memory never shrinks).
import { WasmInstance } from '../wasm-module.js';
import type { SymmetricEigen } from './reference.js';

export interface EigenOptions {
  /**
   * Tridiagonal subproblems of at most this many rows are solved by QL instead of being split
   * further (default 32). Small values exercise the divide-and-conquer merges in tests.
   */
  leafSize?: number;
}

const KEEP_BYTES = 256 * 2 ** 20;
let instance: Promise<WasmInstance> | undefined;

function eigenInstance(): Promise<WasmInstance> {
  instance ??= WasmInstance.create().catch((err) => {
    instance = undefined;
    throw err;
  });
  return instance;
}

/** The contract's input checks: shape and finiteness (the first bad entry named by row and column). */
export function checkSymmetricInput(matrix: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`matrix size must be a non-negative integer, got ${n}`);
  if (matrix.length !== n * n) throw new Error(`matrix has ${matrix.length} entries, expected ${n} x ${n}`);
  for (let i = 0; i < n * n; i++) {
    const x = matrix[i];
    // x - x is NaN exactly for NaN and infinities.
    if (x - x !== 0) throw new Error(`matrix has ${x} at row ${Math.floor(i / n)}, column ${i % n}`);
  }
}

/** Solves on the given instance (see symmetricEigenWasm). */
export function symmetricEigenOn(w: WasmInstance, matrix: ArrayLike<number>, n: number, options: EigenOptions = {}): SymmetricEigen {
  checkSymmetricInput(matrix, n);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const leaf = Math.max(1, Math.floor(options.leafSize ?? 32));
  const ex = w.exports;
  const sizes = [n * n * 8, n * 8, Number(ex.eigenWorkBytes(n))];
  let offsets: number[];
  try {
    offsets = w.layout(sizes);
  } catch (err) {
    const mib = Math.ceil(sizes.reduce((a, b) => a + b, 0) / 2 ** 20);
    throw new Error(
      `eigen-decomposition of ${n} x ${n} needs ${mib} MiB of WASM memory, which could not be allocated ` +
        `(a WASM instance addresses at most 4 GiB): ${(err as Error).message}`,
    );
  }
  const [aPtr, valuesPtr, workPtr] = offsets;
  w.f64(aPtr, n * n).set(matrix);
  const status = ex.eigenSolve(aPtr, n, valuesPtr, workPtr, leaf) as number;
  if (status !== 0) throw new Error(`eigen-decomposition of ${n} x ${n}: the QL iteration did not converge`);
  return { values: w.f64(valuesPtr, n).slice(), vectors: w.f64(aPtr, n * n).slice() };
}

/** Eigen-decomposition of a symmetric matrix (row-major n x n) in WASM. */
export async function symmetricEigenWasm(matrix: ArrayLike<number>, n: number, options: EigenOptions = {}): Promise<SymmetricEigen> {
  const w = await eigenInstance();
  try {
    return symmetricEigenOn(w, matrix, n, options);
  } finally {
    if (w.memory.buffer.byteLength > KEEP_BYTES) instance = undefined;
  }
}
