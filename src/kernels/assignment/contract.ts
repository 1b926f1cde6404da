// The contract of the assignment kernel (reference.ts: the plain TypeScript definition, step for
// step the algorithm of assembly/assignment.ts; wasm.ts: the solver the index runs).
//
// Rectangular linear sum assignment with the semantics of scipy.optimize.linear_sum_assignment.
//
//   const { rowInd, colInd } = await linearSumAssignment(cost, { maximize: true });
//
// `cost` is a number[][] or { data: Float64Array | Float32Array, rows, cols } (row-major).
// Minimises the total by default; +Infinity marks a forbidden pair (-Infinity when maximising).
// rowInd is ascending and has min(rows, cols) entries; colInd[k] is the column of row rowInd[k].
// Refused with an Error naming the problem: NaN, -Infinity when minimising (+Infinity when
// maximising), a non-number, a ragged row, data of the wrong length, or an infeasible matrix
// (every complete assignment uses a forbidden pair). Empty matrices give empty arrays.

export interface CostMatrixObject {
  /** Row-major costs, `data[r * cols + c]`. */
  data: Float64Array | Float32Array;
  rows: number;
  cols: number;
}
export type CostMatrix = number[][] | CostMatrixObject;

export interface AssignmentOptions {
  /** Maximise the total instead of minimising it (then -Infinity marks a forbidden pair). */
  maximize?: boolean;
}

export interface AssignmentResult {
  /** Row indices, ascending. */
  rowInd: Int32Array;
  /** colInd[k] is the column assigned to row rowInd[k]. */
  colInd: Int32Array;
}
