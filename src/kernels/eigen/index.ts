// Public entry of the symmetric eigensolver (contract: ./contract.ts). WASM (assembly/eigen.ts:
// Householder tridiagonalisation, divide and conquer, blocked back-transformation; ./wasm.ts) on
// every backend; the cyclic Jacobi reference (./reference.ts) stays the definition the WASM solver
// is tested against.
import type { SymmetricEigen } from './contract.js';
import { symmetricEigenReference } from './reference.js';
import { symmetricEigenWasm, type EigenOptions } from './wasm.js';

export type { SymmetricEigen, EigenOptions };
export { symmetricEigenReference, symmetricEigenWasm };

export async function symmetricEigen(matrix: Float64Array, n: number): Promise<SymmetricEigen> {
  return symmetricEigenWasm(matrix, n);
}
export { largestEigenpairs, type PartialEigenOptions, type PartialSymmetricEigen } from './block-lanczos.js';
