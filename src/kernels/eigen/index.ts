// Public entry of the symmetric eigensolver: WASM (assembly/eigen.ts: Householder
// tridiagonalisation, divide and conquer, blocked back-transformation; see src/kernels/eigen/wasm.ts).
// The cyclic Jacobi reference (reference.ts) stays the definition the WASM solver is tested against.
//
// Contract (both): values descending; vectors n x n row-major with column k the unit eigenvector of
// values[k], signed so that its largest-magnitude component (the first such) is positive; the input
// is symmetrised as 0.5 (a_ij + a_ji); a non-finite entry is refused with its row and column named.
import { symmetricEigenReference, type SymmetricEigen } from './reference.js';
import { symmetricEigenWasm, type EigenOptions } from './wasm.js';

export type { SymmetricEigen, EigenOptions };
export { symmetricEigenReference, symmetricEigenWasm };

export async function symmetricEigen(matrix: Float64Array, n: number): Promise<SymmetricEigen> {
  return symmetricEigenWasm(matrix, n);
}
