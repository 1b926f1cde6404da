// The working problem of an assignment, shared by the reference and the WASM host: the input's
// shape and checks, the nr <= nc working matrix (transposed when tall, negated when maximising),
// the infeasibility error in the input's terms, and the conversion of the working solution into
// scipy's (rowInd, colInd). The algorithm on the working matrix: reference.ts.
import type { AssignmentResult, CostMatrix } from './contract.js';

/** The working problem derived from the input: nr <= nc rows of a possibly transposed matrix. */
export interface WorkingShape {
  rows: number;
  cols: number;
  /** true when rows > cols: working row k is input column k. */
  transposed: boolean;
  nr: number;
  nc: number;
}

/** Checks the input's shape (ragged rows, data length) and returns the working shape. */
export function workingShape(cost: CostMatrix): WorkingShape {
  let rows: number;
  let cols: number;
  if (Array.isArray(cost)) {
    rows = cost.length;
    cols = rows > 0 ? rowLength(cost, 0) : 0;
    for (let r = 1; r < rows; r++) {
      const len = rowLength(cost, r);
      if (len !== cols) {
        throw new Error(`cost matrix is ragged: row ${r} has ${len} entries, expected ${cols} (as row 0)`);
      }
    }
  } else if (cost !== null && typeof cost === 'object' && 'data' in cost) {
    ({ rows, cols } = cost);
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
      throw new Error(`cost matrix rows and cols must be non-negative integers, got rows=${rows}, cols=${cols}`);
    }
    if (!(cost.data instanceof Float64Array || cost.data instanceof Float32Array)) {
      throw new Error('cost matrix data must be a Float64Array or a Float32Array');
    }
    if (cost.data.length !== rows * cols) {
      throw new Error(
        `cost matrix data has ${cost.data.length} values, expected rows x cols = ${rows} x ${cols} = ${rows * cols}`,
      );
    }
  } else {
    throw new Error('cost matrix must be a number[][] or { data: Float64Array | Float32Array, rows, cols }');
  }
  const transposed = rows > cols;
  return { rows, cols, transposed, nr: transposed ? cols : rows, nc: transposed ? rows : cols };
}

function rowLength(cost: number[][], r: number): number {
  const row: unknown = cost[r];
  if (!Array.isArray(row) && !(ArrayBuffer.isView(row) && !(row instanceof DataView))) {
    throw new Error(`cost matrix row ${r} is not an array`);
  }
  return (row as ArrayLike<number>).length;
}

/** The entry at input row r, column c (no checks). */
function entry(cost: CostMatrix, shape: WorkingShape, r: number, c: number): unknown {
  return Array.isArray(cost) ? cost[r][c] : cost.data[r * shape.cols + c];
}

/**
 * The error for the first invalid entry in row-major order of the input, or null: a non-number,
 * NaN, -Infinity when minimising, +Infinity when maximising.
 */
export function findInvalidEntry(cost: CostMatrix, shape: WorkingShape, maximize: boolean): Error | null {
  for (let r = 0; r < shape.rows; r++) {
    for (let c = 0; c < shape.cols; c++) {
      const x = entry(cost, shape, r, c);
      let what: string | null = null;
      let note = '';
      if (typeof x !== 'number') what = `a non-number (${x === null ? 'null' : typeof x})`;
      else if (Number.isNaN(x)) what = 'NaN';
      else if (!maximize && x === -Infinity) {
        what = '-Infinity';
        note = ' (forbidden pairs are marked with +Infinity when minimizing)';
      } else if (maximize && x === Infinity) {
        what = '+Infinity';
        note = ' (forbidden pairs are marked with -Infinity when maximizing)';
      }
      if (what !== null) return new Error(`cost matrix has ${what} at row ${r}, column ${c}${note}`);
    }
  }
  return null;
}

/**
 * Writes the working cost matrix (transposed if the input is tall, negated if maximising) into
 * `dest` with row stride `stride >= nc`; columns nc..stride-1 are padded with +Infinity (forbidden).
 * Throws on the first invalid entry (row-major order of the input).
 */
export function writeWorkingCost(
  cost: CostMatrix,
  shape: WorkingShape,
  maximize: boolean,
  dest: Float64Array,
  stride: number,
): void {
  const { rows, cols, transposed, nr, nc } = shape;
  const sign = maximize ? -1 : 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = entry(cost, shape, r, c) as number;
      if (typeof x !== 'number' || x !== x || x === -Infinity * sign) {
        throw findInvalidEntry(cost, shape, maximize) ?? new Error('cost matrix has an invalid entry');
      }
      dest[transposed ? c * stride + r : r * stride + c] = sign * x;
    }
  }
  for (let i = 0; i < nr; i++) for (let j = nc; j < stride; j++) dest[i * stride + j] = Infinity;
}

/** Failure codes of the solver: index * 4 + kind (the WASM solver returns the same codes). */
export const FAIL_ROW_FORBIDDEN = 1; // working row `index` has only forbidden entries
export const FAIL_COLUMN_FORBIDDEN = 2; // working column `index` of a square problem has only forbidden entries
export const FAIL_NO_PATH = 3; // no augmenting path from working row `index`

/** The error for an infeasible problem, in terms of the input's rows and columns. */
export function infeasibleError(shape: WorkingShape, failure: number): Error {
  const kind = failure & 3;
  const index = failure >>> 2;
  const rowWord = shape.transposed ? 'column' : 'row';
  const colWord = shape.transposed ? 'row' : 'column';
  const detail =
    kind === FAIL_ROW_FORBIDDEN
      ? `${rowWord} ${index} has only forbidden (infinite) entries`
      : kind === FAIL_COLUMN_FORBIDDEN
        ? `${colWord} ${index} has only forbidden (infinite) entries`
        : `every complete assignment uses a forbidden (infinite) entry (no augmenting path when assigning ${rowWord} ${index})`;
  return new Error(`cost matrix is infeasible: ${detail}`);
}

/** Converts the working solution (column of each working row) into scipy's (rowInd, colInd). */
export function finishAssignment(shape: WorkingShape, col4row: Int32Array): AssignmentResult {
  const { nr } = shape;
  const rowInd = new Int32Array(nr);
  const colInd = new Int32Array(nr);
  if (!shape.transposed) {
    for (let i = 0; i < nr; i++) {
      rowInd[i] = i;
      colInd[i] = col4row[i];
    }
    return { rowInd, colInd };
  }
  // Working row k is input column k, assigned to input row col4row[k]; sort by input row. The
  // input rows are distinct, so this is a permutation sort by bucket.
  const colOfRow = new Int32Array(shape.rows).fill(-1);
  for (let k = 0; k < nr; k++) colOfRow[col4row[k]] = k;
  let n = 0;
  for (let r = 0; r < shape.rows; r++) {
    if (colOfRow[r] >= 0) {
      rowInd[n] = r;
      colInd[n] = colOfRow[r];
      n++;
    }
  }
  return { rowInd, colInd };
}

/** Empty result for matrices with no rows or no columns. */
export function emptyAssignment(): AssignmentResult {
  return { rowInd: new Int32Array(0), colInd: new Int32Array(0) };
}
