// The contract of the symmetric eigensolver (reference.ts: cyclic Jacobi, the definition;
// wasm.ts: Householder, divide and conquer, the solver the index runs).
//
// Values descending; vectors n x n row-major with column k the unit eigenvector of values[k],
// signed so that its largest-magnitude component (the first such) is positive; the input is
// symmetrised as 0.5 (a_ij + a_ji); a non-finite entry is refused with its row and column named.

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n x n row-major; column k is the unit eigenvector of values[k]. */
  vectors: Float64Array;
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
