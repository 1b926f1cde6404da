// Host side of the WASM assignment solver (assembly/assignment.ts).
//
// Memory of one call: [working cost nr x stride f64][work area][col4row nr i32], laid out by
// WasmInstance.layout (which grows the memory when needed). The working matrix has nr <= nc
// (tall inputs are transposed here) and a row stride rounded up to 4 columns, padded with +inf.
import { SharedWasmInstance, type WasmInstance } from '../wasm-module.js';
import type { AssignmentOptions, AssignmentResult, CostMatrix } from './contract.js';
import {
  type WorkingShape,
  emptyAssignment,
  findInvalidEntry,
  finishAssignment,
  infeasibleError,
  workingShape,
} from './working.js';

/** The process-wide WASM instance used by the solver. */
const shared = new SharedWasmInstance();

/** Copies the input into the working matrix (transposed when tall); no checks, NaN stays NaN. */
function copyWorkingCost(cost: CostMatrix, shape: WorkingShape, dest: Float64Array, stride: number): void {
  const { rows, cols, transposed } = shape;
  if (Array.isArray(cost)) {
    for (let r = 0; r < rows; r++) {
      const row = cost[r];
      for (let c = 0; c < cols; c++) {
        const x = row[c];
        // Non-numbers become NaN so that lsapPrepare reports them.
        dest[transposed ? c * stride + r : r * stride + c] = typeof x === 'number' ? x : NaN;
      }
    }
    return;
  }
  const data = cost.data;
  if (!transposed) {
    if (stride === cols) dest.set(data);
    else for (let r = 0; r < rows; r++) dest.set(data.subarray(r * cols, (r + 1) * cols), r * stride);
    return;
  }
  // Transpose in tiles of 32 x 32 to stay cache-friendly.
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let c = c0; c < c1; c++) {
        const o = c * stride;
        for (let r = r0; r < r1; r++) dest[o + r] = data[r * cols + c];
      }
    }
  }
}

/** Solves on the given instance (see linearSumAssignment for the contract). */
export function linearSumAssignmentOn(w: WasmInstance, cost: CostMatrix, options: AssignmentOptions = {}): AssignmentResult {
  const maximize = options.maximize ?? false;
  const shape = workingShape(cost);
  const { nr, nc } = shape;
  if (nr === 0) return emptyAssignment();
  const stride = (nc + 3) & ~3;
  const ex = w.exports;
  const workBytes = Number(ex.lsapWorkBytes(nr, nc, stride));
  const [costPtr, workPtr, outPtr] = w.layout([nr * stride * 8, workBytes, nr * 4], `cost matrix of ${shape.rows} x ${shape.cols}`);
  copyWorkingCost(cost, shape, w.f64(costPtr, nr * stride), stride);
  const bad = ex.lsapPrepare(costPtr, nr, nc, stride, maximize ? 1 : 0);
  if (bad >= 0) throw findInvalidEntry(cost, shape, maximize) ?? new Error('cost matrix has an invalid entry');
  const failure = ex.lsapSolve(costPtr, nr, nc, stride, workPtr, outPtr);
  if (failure !== 0) throw infeasibleError(shape, failure);
  return finishAssignment(shape, w.i32(outPtr, nr).slice());
}

/** Solves with the process-wide WASM instance. */
export async function linearSumAssignmentWasm(cost: CostMatrix, options: AssignmentOptions = {}): Promise<AssignmentResult> {
  const w = await shared.get();
  return linearSumAssignmentOn(w, cost, options);
}
