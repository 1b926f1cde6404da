// Public entry of the symmetric eigensolver. Async so a faster (WASM) version can replace the
// reference without changing callers.
import { symmetricEigenReference, type SymmetricEigen } from './reference.js';

export type { SymmetricEigen };
export { symmetricEigenReference };

export async function symmetricEigen(matrix: Float64Array, n: number): Promise<SymmetricEigen> {
  return symmetricEigenReference(matrix, n);
}
