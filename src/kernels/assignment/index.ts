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
//
// The solver is WASM (assembly/assignment.ts); linearSumAssignmentReference is the synchronous
// plain TypeScript definition it is tested against. Algorithm and tie-breaks: see reference.ts.
import type { AssignmentOptions, AssignmentResult, CostMatrix } from './reference.js';
import { linearSumAssignmentWasm } from './wasm.js';

export type { AssignmentOptions, AssignmentResult, CostMatrix, CostMatrixObject } from './reference.js';
export { linearSumAssignmentReference } from './reference.js';

/** Optimal assignment (scipy.optimize.linear_sum_assignment semantics), solved in WASM. */
export function linearSumAssignment(cost: CostMatrix, options: AssignmentOptions = {}): Promise<AssignmentResult> {
  return linearSumAssignmentWasm(cost, options);
}
