// Rectangular linear sum assignment: the living definition (plain float64 TypeScript).
//
// Semantics are those of scipy.optimize.linear_sum_assignment. The algorithm is the one of
// assembly/assignment.ts, step for step, with the same float64 operations in the same order and
// the same tie-breaks, so the WASM solver returns exactly the assignment computed here (the tests
// check this on every shape they try):
//
//   1. Working problem. A tall matrix (rows > cols) is transposed so that the working matrix has
//      nr <= nc; with `maximize` it is negated. Every working row is assigned, columns may stay
//      unassigned; +Infinity marks a forbidden pair. Duals u (rows) and v (columns) start at 0.
//
//   2. Initialisation after Jonker & Volgenant ("A shortest augmenting path algorithm for dense
//      and sparse linear assignment problems", Computing 38:325-340, 1987):
//      a. square problems only: column reduction (v_j = min_i c_ij, each column offered to its
//         minimum row) and reduction transfer (a row that is the minimum of exactly one column j1
//         moves its slack onto v_j1). Not for nr < nc: the rectangular dual needs v_j <= 0 with
//         equality on unassigned columns, which column reduction breaks.
//      b. augmenting row reduction (ARR), two passes over the free rows, with a budget of
//         arrBudget(nr) row scans: a free row i finds its two smallest reduced costs
//         w_j = c_ij - v_j, (u1, j1) and u2; lowering v_j1 by u2 - u1 lets i take j1 with the
//         duals still feasible, and the row displaced from j1 is processed next. A column's v only
//         decreases while it is (and stays) assigned, so ARR is valid for rectangular problems too.
//      ARR does most of the work on dense random costs at a fraction of the cost of a search.
//
//   3. Shortest augmenting paths (Crouse, "On implementing 2D rectangular assignment
//      algorithms", IEEE Trans. Aerospace and Electronic Systems 52(4):1679-1696, 2016,
//      doi:10.1109/TAES.2016.140952, pseudocode pp. 1685-1686; names follow it): each row still
//      free is assigned by a Dijkstra search over reduced costs to the nearest unassigned column,
//      followed by Crouse's dual update and the augmentation along the path. This phase alone is
//      the whole algorithm of scipy's rectangular_lsap.cpp; 1 and 2 only give it a warm start
//      (feasible duals, a partial assignment on tight pairs), so the result is optimal all the
//      same (up to float64 rounding in the duals, as in scipy; exact for integer costs).
//
// Tie-breaks (deterministic; all on exact float64 equality):
//   * Column reduction: v_j's row is the lowest row attaining the minimum. Columns are offered in
//     increasing order; a row that is the minimum of several columns keeps the one with the
//     smallest v_j, the lowest column among equal ones.
//   * Reduction transfer and the free rows of ARR go in increasing row order.
//   * ARR: j1 is the lowest column attaining u1; u2 is the second smallest value of the multiset
//     {w_j} (so u2 == u1 when two columns tie). On a tie u1 == u2 with j1 assigned, the row takes
//     the lowest free column with w_j == u1 if there is one, otherwise j2, the lowest other
//     column with w_j == u1 (JV: "j2 may be unassigned"; here preferring one that is).
//   * Dijkstra: the next column is the lexicographic minimum of (d_j, assigned ? 1 : 0, j):
//     among columns at the same distance a free one wins (it ends the search at once, as in
//     scipy; this matters for integer costs with many ties), then the lowest column index.
//   * Dijkstra predecessor: path[j] changes only on a strict improvement, so it is the first
//     scanned row that reached the column's final distance.
//   * Rows left free by ARR are augmented in increasing row order.
// With these rules a matrix of equal costs yields the identity assignment (k -> k for
// k < min(rows, cols)), as scipy does.
//
// The working problem (shape, checks, errors, the result's conversion) is ./working.ts, shared
// with the WASM host; this file is the solver on the working matrix.
import type { AssignmentOptions, AssignmentResult, CostMatrix } from './contract.js';
import {
  FAIL_COLUMN_FORBIDDEN,
  FAIL_NO_PATH,
  FAIL_ROW_FORBIDDEN,
  emptyAssignment,
  finishAssignment,
  infeasibleError,
  workingShape,
  writeWorkingCost,
} from './working.js';

/** ARR may scan at most this many rows in total; rows still free then go to the Dijkstra phase. */
export function arrBudget(nr: number): number {
  return 8 * nr + 64;
}

/** Outcome of the solver on a working matrix: the column of every row, or a failure code. */
export type WorkingSolution = { col4row: Int32Array; failure: 0 } | { col4row: null; failure: number };

/**
 * Solves the working problem: `cost` is nr x nc (nr <= nc) row-major with row stride `stride`,
 * +Infinity marks forbidden pairs, no NaN and no -Infinity. See the header for the algorithm.
 */
export function solveWorkingReference(cost: Float64Array, nr: number, nc: number, stride = nc): WorkingSolution {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);

  // ---- Square problems: column reduction and reduction transfer (Jonker & Volgenant 1987). ----
  if (nr === nc) {
    // v_j = min_i c_ij; imin[j] = its row (strict `<` over increasing i: the lowest row on ties).
    const imin = new Int32Array(nc).fill(-1);
    v.fill(Infinity);
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nc; j++) {
        const c = cost[i * stride + j];
        if (c < v[j]) {
          v[j] = c;
          imin[j] = i;
        }
      }
    }
    // Columns in increasing order: each goes to its minimum row; a row that is the minimum of
    // several columns keeps the one with the smallest v_j (the lowest index on ties).
    const matches = new Int32Array(nr);
    for (let j = 0; j < nc; j++) {
      if (v[j] === Infinity) return { col4row: null, failure: j * 4 + FAIL_COLUMN_FORBIDDEN };
      const i = imin[j];
      matches[i]++;
      const j0 = col4row[i];
      if (j0 < 0 || v[j] < v[j0]) {
        if (j0 >= 0) row4col[j0] = -1;
        col4row[i] = j;
        row4col[j] = i;
      }
    }
    // Reduction transfer, rows in increasing order: a row that is the minimum of exactly one
    // column j1 moves its slack to v_j1 (u_i = min_{j != j1} c_ij - v_j, v_j1 -= u_i).
    for (let i = 0; i < nr; i++) {
      if (matches[i] !== 1) continue;
      const j1 = col4row[i];
      let mu = Infinity;
      for (let j = 0; j < nc; j++) {
        if (j === j1) continue;
        const w = cost[i * stride + j] - v[j];
        if (w < mu) mu = w;
      }
      if (mu < Infinity) v[j1] -= mu; // (only j1 allowed in this row: nothing to transfer)
    }
  }

  // ---- Augmenting row reduction (Jonker & Volgenant 1987), two passes over the free rows. ----
  const free = new Int32Array(nr);
  let numFree = 0;
  for (let i = 0; i < nr; i++) if (col4row[i] < 0) free[numFree++] = i;
  let budget = arrBudget(nr);
  for (let pass = 0; pass < 2 && budget > 0; pass++) {
    let k = 0;
    const prvNumFree = numFree;
    numFree = 0;
    while (k < prvNumFree && budget > 0) {
      const i = free[k++];
      budget--;
      // The two lexicographically smallest (w_j, j), w_j = c_ij - v_j.
      let u1 = Infinity;
      let u2 = Infinity;
      let j1 = -1;
      let j2 = -1;
      for (let j = 0; j < nc; j++) {
        const w = cost[i * stride + j] - v[j];
        if (w < u1) {
          u2 = u1;
          j2 = j1;
          u1 = w;
          j1 = j;
        } else if (w < u2) {
          u2 = w;
          j2 = j;
        }
      }
      if (u1 === Infinity) return { col4row: null, failure: i * 4 + FAIL_ROW_FORBIDDEN };
      let i0 = row4col[j1];
      let reprocess = false;
      if (u1 < u2) {
        if (u2 === Infinity) {
          // Only one allowed column: its reduction cannot be lowered by an infinite amount. Take it
          // if free, otherwise leave the row to the Dijkstra phase.
          if (i0 >= 0) {
            free[numFree++] = i;
            continue;
          }
        } else {
          const vNew = v[j1] - (u2 - u1);
          // Re-process the displaced row at once only if v really decreased: guards against
          // rounding stalling the reduction (v - (u2 - u1) == v) and cycling between two rows.
          reprocess = vNew < v[j1];
          v[j1] = vNew;
        }
      } else if (i0 >= 0) {
        // Tie u1 == u2 with j1 assigned: take the lowest free column with w_j == u1 if there is
        // one (no row is displaced), otherwise j2 (JV: "j2 may be unassigned").
        let jf = -1;
        for (let j = 0; j < nc && jf < 0; j++) if (row4col[j] < 0 && cost[i * stride + j] - v[j] === u1) jf = j;
        j1 = jf >= 0 ? jf : j2;
        i0 = row4col[j1];
      }
      col4row[i] = j1;
      row4col[j1] = i;
      if (i0 >= 0) {
        col4row[i0] = -1;
        if (reprocess) free[--k] = i0;
        else free[numFree++] = i0;
      }
    }
  }
  for (let i = 0; i < nr; i++) {
    const j = col4row[i];
    u[i] = j >= 0 ? cost[i * stride + j] - v[j] : 0;
  }

  // ---- Shortest augmenting paths (Crouse 2016) for the rows still free. ----
  const shortestPathCosts = new Float64Array(nc);
  const path = new Int32Array(nc);
  const SC = new Uint8Array(nc); // columns whose shortest path is final
  const doneCols = new Int32Array(nc); // SC in the order the columns were finalised...
  const doneD = new Float64Array(nc); // ...with their shortest-path costs
  for (let curRow = 0; curRow < nr; curRow++) {
    if (col4row[curRow] >= 0) continue;
    shortestPathCosts.fill(Infinity);
    SC.fill(0);
    let nDone = 0;
    let minVal = 0;
    let i = curRow;
    let sink = -1;
    while (sink < 0) {
      const h = minVal - u[i];
      let lowest = Infinity;
      let index = -1;
      let indexFree = false;
      for (let j = 0; j < nc; j++) {
        if (SC[j]) continue;
        const r = cost[i * stride + j] - v[j] + h;
        if (r < shortestPathCosts[j]) {
          shortestPathCosts[j] = r;
          path[j] = i;
        }
        // Lexicographic minimum of (d_j, assigned ? 1 : 0, j).
        const dj = shortestPathCosts[j];
        const isFree = row4col[j] < 0;
        if (dj < lowest || (dj === lowest && isFree && !indexFree)) {
          lowest = dj;
          index = j;
          indexFree = isFree;
        }
      }
      if (lowest === Infinity) {
        // Nothing reachable: the row itself is all forbidden (first scan), or Hall's condition fails.
        return { col4row: null, failure: curRow * 4 + (nDone === 0 ? FAIL_ROW_FORBIDDEN : FAIL_NO_PATH) };
      }
      minVal = lowest;
      SC[index] = 1;
      doneCols[nDone] = index;
      doneD[nDone] = lowest;
      nDone++;
      if (row4col[index] < 0) sink = index;
      else i = row4col[index];
    }

    // Dual update (Crouse): rows reached through finalised columns and the columns themselves.
    u[curRow] += minVal;
    for (let t = 0; t < nDone; t++) {
      const j = doneCols[t];
      const delta = minVal - doneD[t];
      if (j !== sink) u[row4col[j]] += delta;
      v[j] -= delta;
    }

    // Augment along the path.
    let j = sink;
    for (;;) {
      const pi = path[j];
      row4col[j] = pi;
      const prev = col4row[pi];
      col4row[pi] = j;
      if (pi === curRow) break;
      j = prev;
    }
  }
  return { col4row, failure: 0 };
}

/** Synchronous reference: same contract as `linearSumAssignment`. */
export function linearSumAssignmentReference(cost: CostMatrix, options: AssignmentOptions = {}): AssignmentResult {
  const maximize = options.maximize ?? false;
  const shape = workingShape(cost);
  if (shape.nr === 0) return emptyAssignment();
  const working = new Float64Array(shape.nr * shape.nc);
  writeWorkingCost(cost, shape, maximize, working, shape.nc);
  const sol = solveWorkingReference(working, shape.nr, shape.nc);
  if (sol.col4row === null) throw infeasibleError(shape, sol.failure);
  return finishAssignment(shape, sol.col4row);
}
