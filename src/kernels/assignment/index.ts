// Rectangular linear sum assignment (scipy.optimize.linear_sum_assignment semantics; the contract
// in words and types: ./contract.ts).
//
//   const { rowInd, colInd } = await linearSumAssignment(cost, { maximize: true });
//
// The solver is WASM (assembly/assignment.ts) on every backend; linearSumAssignmentReference is
// the synchronous plain TypeScript definition it is tested against. Algorithm and tie-breaks:
// see reference.ts.
import type { AssignmentOptions, AssignmentResult, CostMatrix } from './contract.js';
import { linearSumAssignmentWasm } from './wasm.js';

export type { AssignmentOptions, AssignmentResult, CostMatrix, CostMatrixObject } from './contract.js';
export { linearSumAssignmentReference } from './reference.js';

/** Optimal assignment (scipy.optimize.linear_sum_assignment semantics), solved in WASM. */
export function linearSumAssignment(cost: CostMatrix, options: AssignmentOptions = {}): Promise<AssignmentResult> {
  return linearSumAssignmentWasm(cost, options);
}
