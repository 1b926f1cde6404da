// Rectangular linear sum assignment (the problem of scipy.optimize.linear_sum_assignment) on a
// float64 cost matrix in linear memory, laid out by the host (src/kernels/assignment/wasm.ts).
//
// Algorithm: shortest augmenting paths after
//
//   D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
//   IEEE Transactions on Aerospace and Electronic Systems 52(4):1679-1696, 2016,
//   doi:10.1109/TAES.2016.140952 (pseudocode pp. 1685-1686; names u, v, minVal, SC, path,
//   row4col, col4row, shortestPathCosts = d follow it),
//
// started from the initialisation of
//
//   R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for dense and sparse
//   linear assignment problems", Computing 38:325-340, 1987:
//   column reduction and reduction transfer (square problems only), then augmenting row
//   reduction (ARR) with a budget of row scans,
//
// which assigns almost every row cheaply before the Dijkstra searches of Crouse's algorithm.
// One file (over 400 lines): the phases share the work area's module-level offsets (V, D, U, ...,
// set by the layout step), which splitting would have to export across modules.
// The plain TypeScript version in src/kernels/assignment/reference.ts is the definition: same
// steps, same float64 operations in the same order, same tie-breaks, hence the same assignment
// (the tests check this). Read its header for the algorithm and the tie-breaks; this file is about
// doing it fast:
//
//   * The working matrix is nr x nc with nr <= nc (the host transposes tall inputs and negates
//     for maximisation), row stride `stride` (a multiple of 4) whose padding columns hold +inf.
//   * Every row loop handles 4 columns per iteration as two f64x2 vectors, with a running
//     minimum per lane (lane l of iteration k is column 4k + l). A lane keeps the first column
//     reaching its minimum (strict `<`), the lanes are merged in (value, column) order, so the
//     result is the scalar scan's. Exact ties, which the tie-breaks have to look at (and which
//     ARR itself creates: it leaves a row indifferent between j1 and j2), are flagged per lane
//     and resolved on the list of free columns, which is short once a square problem has been
//     initialised; the few remaining cases take a scalar pass over the row.
//   * In a Dijkstra search, a finalised column (Crouse's SC) is not skipped by index: its v_j is
//     parked at -inf and its d_j at +inf, so it can neither improve nor be selected and the loop
//     stays branch-free and contiguous. Its true v_j is kept on a list and restored in the dual
//     update.
//   * The search keeps no predecessor array (Crouse's `path`): after the search the predecessor
//     of each column on the augmenting path is recomputed as the first scanned row whose
//     (c_ij - v_j) + h equals the column's final d_j, bit for bit the value the scan computed.
//     That is exactly the row the reference's `r < d` update records, at a cost of a few
//     entries per path column instead of two memory streams per scanned column.
//
// Host contract: no NaN and no -inf in the cost (lsapPrepare checks), +inf marks a forbidden pair.
// No managed allocation: all state lives in the work area whose size lsapWorkBytes returns.

import { align16 } from './pointers';

// Failure codes (index * 4 + kind), as FAIL_* in reference.ts.
const FAIL_ROW_FORBIDDEN: i32 = 1;
const FAIL_COLUMN_FORBIDDEN: i32 = 2;
const FAIL_NO_PATH: i32 = 3;

// Work area layout (byte offsets, set by carve()).
let V: usize = 0; // v_j, column duals (stride f64)
let D: usize = 0; // d_j, shortest path costs of the current search (stride f64)
let U: usize = 0; // u_i, row duals (nr f64)
let ROW4COL: usize = 0; // row assigned to each column or -1 (nc i32)
let FREE: usize = 0; // ARR list of free rows (nr i32)
let DONEJ: usize = 0; // finalised columns of the current search, in order (nc i32)
let DONED: usize = 0; // their d_j = minVal when finalised (nc f64)
let DONEV: usize = 0; // their v_j, parked while the column's V slot holds -inf (nc f64)
let SROW: usize = 0; // rows scanned by the current search, in order (nr i32)
let FREECOL: usize = 0; // the unassigned columns, in no particular order (nc i32)...
let FPOS: usize = 0; // ...and each column's position there, or -1 when assigned (nc i32)
let nFreeCol: i32 = 0;

function carve(work: usize, nr: i32, nc: i32, stride: i32): usize {
  let p = align16(work);
  V = p;
  p = align16(p + (<usize>stride << 3));
  D = p;
  p = align16(p + (<usize>stride << 3));
  U = p;
  p = align16(p + (<usize>nr << 3));
  ROW4COL = p;
  p = align16(p + (<usize>nc << 2));
  FREE = p;
  p = align16(p + (<usize>nr << 2));
  DONEJ = p;
  p = align16(p + (<usize>nc << 2));
  DONED = p;
  p = align16(p + (<usize>nc << 3));
  DONEV = p;
  p = align16(p + (<usize>nc << 3));
  SROW = p;
  p = align16(p + (<usize>nr << 2));
  FREECOL = p;
  p = align16(p + (<usize>nc << 2));
  FPOS = p;
  p = align16(p + (<usize>nc << 2));
  return p;
}

/** Bytes of work area that lsapSolve needs (beyond the cost matrix and the output). */
export function lsapWorkBytes(nr: i32, nc: i32, stride: i32): usize {
  return carve(0, nr, nc, stride) + 16;
}

/**
 * Validates and finalises the working cost matrix in place: negates it when `negate`, fills the
 * padding columns nc..stride-1 with +inf. Returns the working index i * nc + j of the first entry
 * that is NaN or -inf after negation, or -1 when all are valid.
 */
export function lsapPrepare(cost: usize, nr: i32, nc: i32, stride: i32, negate: i32): i32 {
  const sign = negate ? -1.0 : 1.0;
  const signv = f64x2.splat(sign);
  const ninf = f64x2.splat(-Infinity);
  const nc2 = nc & ~1;
  for (let i = 0; i < nr; i++) {
    const row = cost + ((<usize>i * <usize>stride) << 3);
    // Two columns at a time: x != x (NaN) or x == -inf.
    for (let j = 0; j < nc2; j += 2) {
      const p = row + (<usize>j << 3);
      const x = f64x2.mul(v128.load(p), signv);
      if (v128.any_true(v128.or(f64x2.ne(x, x), f64x2.eq(x, ninf)))) {
        const x0 = f64x2.extract_lane(x, 0);
        return i * nc + j + (x0 != x0 || x0 == -Infinity ? 0 : 1);
      }
      v128.store(p, x);
    }
    for (let j = nc2; j < nc; j++) {
      const p = row + (<usize>j << 3);
      const x = load<f64>(p) * sign;
      if (x != x || x == -Infinity) return i * nc + j;
      store<f64>(p, x);
    }
    for (let j = nc; j < stride; j++) store<f64>(row + (<usize>j << 3), Infinity);
  }
  return -1;
}

@inline
function rowPtr(cost: usize, i: i32, stride: i32): usize {
  return cost + ((<usize>i * <usize>stride) << 3);
}

@inline
function r4c(j: i32): i32 {
  return load<i32>(ROW4COL + (<usize>j << 2));
}

// Assigns column j to row i (-1: unassigns it), keeping the list of free columns up to date.
function setR4c(j: i32, i: i32): void {
  const old = load<i32>(ROW4COL + (<usize>j << 2));
  store<i32>(ROW4COL + (<usize>j << 2), i);
  if (old < 0 && i >= 0) {
    // swap-remove j from FREECOL
    const pos = load<i32>(FPOS + (<usize>j << 2));
    nFreeCol--;
    const last = load<i32>(FREECOL + (<usize>nFreeCol << 2));
    store<i32>(FREECOL + (<usize>pos << 2), last);
    store<i32>(FPOS + (<usize>last << 2), pos);
    store<i32>(FPOS + (<usize>j << 2), -1);
  } else if (old >= 0 && i < 0) {
    store<i32>(FREECOL + (<usize>nFreeCol << 2), j);
    store<i32>(FPOS + (<usize>j << 2), nFreeCol);
    nFreeCol++;
  }
}

@inline
function ldf(base: usize, k: i32): f64 {
  return load<f64>(base + (<usize>k << 3));
}

@inline
function stf(base: usize, k: i32, x: f64): void {
  store<f64>(base + (<usize>k << 3), x);
}

@inline
function ldi(base: usize, k: i32): i32 {
  return load<i32>(base + (<usize>k << 2));
}

@inline
function sti(base: usize, k: i32, x: i32): void {
  store<i32>(base + (<usize>k << 2), x);
}

// ---------------------------------------------------------------------------------------------
// Row scans. Results come back through globals (no allocation).

let gU1: f64 = 0; // smallest value
let gJ1: i32 = -1; // its column (lowest index among equal values)
let gU2: f64 = 0; // second smallest value of the multiset (== gU1 on a tie)
let gTie: bool = false; // Dijkstra: another column has d_j == gU1

// Merges lane minima: (m, column, tie flag) candidates in (value, column) order.
// Tie-break: between lanes with equal minima the lower column wins, and the tie is recorded.
@inline
function mergeMin(m: f64, j: i32, tie: bool): void {
  if (m < gU1 || (m == gU1 && j < gJ1)) {
    gTie = m == gU1 || tie;
    gU2 = gU1;
    gU1 = m;
    gJ1 = j;
  } else {
    if (m == gU1) gTie = true;
    if (m < gU2) gU2 = m;
  }
}

/**
 * min_j (c_ij - v_j) over the row, with v parked at -inf where a column is to be excluded.
 * Only the value (reduction transfer).
 */
function rowMin(row: usize, stride: i32): f64 {
  const Vp = V;
  let ma = f64x2.splat(Infinity);
  let mb = ma;
  const end = <usize>stride << 3;
  for (let o: usize = 0; o < end; o += 32) {
    ma = f64x2.pmin(ma, f64x2.sub(v128.load(row + o), v128.load(Vp + o)));
    mb = f64x2.pmin(mb, f64x2.sub(v128.load(row + o, 16), v128.load(Vp + o, 16)));
  }
  const m = f64x2.pmin(ma, mb);
  const m0 = f64x2.extract_lane(m, 0);
  const m1 = f64x2.extract_lane(m, 1);
  return m1 < m0 ? m1 : m0;
}

/**
 * ARR scan of row i: the smallest w_j = c_ij - v_j with its lowest column (gU1, gJ1) and the
 * second smallest value of the multiset of w (gU2). Per lane: m2 = min(m2, max(m1, w)),
 * m1 = min(m1, w), column updated on strict `<`.
 */
function twoSmallest(row: usize, stride: i32): void {
  const Vp = V;
  const inf = f64x2.splat(Infinity);
  const one = f64x2.splat(1.0);
  let m1a = inf, m2a = inf, m1b = inf, m2b = inf;
  let k1a = f64x2.splat(-1.0), k1b = k1a;
  let kv = f64x2.splat(0.0); // iteration number, as f64 lanes
  const end = <usize>stride << 3;
  for (let o: usize = 0; o < end; o += 32) {
    const wa = f64x2.sub(v128.load(row + o), v128.load(Vp + o));
    const wb = f64x2.sub(v128.load(row + o, 16), v128.load(Vp + o, 16));
    const lta = f64x2.lt(wa, m1a);
    const ltb = f64x2.lt(wb, m1b);
    m2a = f64x2.pmin(m2a, f64x2.pmax(m1a, wa));
    m2b = f64x2.pmin(m2b, f64x2.pmax(m1b, wb));
    m1a = f64x2.pmin(m1a, wa);
    m1b = f64x2.pmin(m1b, wb);
    // Tie-break: strict `<`, so a lane keeps the lowest column reaching its minimum.
    k1a = v128.bitselect(kv, k1a, lta);
    k1b = v128.bitselect(kv, k1b, ltb);
    kv = f64x2.add(kv, one);
  }
  gU1 = Infinity;
  gJ1 = 0x7fffffff;
  gU2 = Infinity;
  gTie = false;
  mergeMin(f64x2.extract_lane(m1a, 0), (<i32>f64x2.extract_lane(k1a, 0) << 2) + 0, false);
  mergeMin(f64x2.extract_lane(m1a, 1), (<i32>f64x2.extract_lane(k1a, 1) << 2) + 1, false);
  mergeMin(f64x2.extract_lane(m1b, 0), (<i32>f64x2.extract_lane(k1b, 0) << 2) + 2, false);
  mergeMin(f64x2.extract_lane(m1b, 1), (<i32>f64x2.extract_lane(k1b, 1) << 2) + 3, false);
  // The winning lane's own second value competes with the other lanes' minima.
  const w = gJ1 & 3;
  const m2 = w == 0 ? f64x2.extract_lane(m2a, 0) : w == 1 ? f64x2.extract_lane(m2a, 1) : w == 2 ? f64x2.extract_lane(m2b, 0) : f64x2.extract_lane(m2b, 1);
  if (m2 < gU2) gU2 = m2;
}

/**
 * One Dijkstra step: scan row i (base `row`) with h = minVal - u_i, relaxing
 * d_j = min(d_j, (c_ij - v_j) + h) (`first`: d_j = (c_ij - v_j) + h), and find the smallest d_j
 * with its lowest column (gU1, gJ1) and whether another column ties with it (gTie).
 */
function scanRow(row: usize, stride: i32, h: f64, first: bool): void {
  const Vp = V;
  const Dp = D;
  const hv = f64x2.splat(h);
  const inf = f64x2.splat(Infinity);
  const one = f64x2.splat(1.0);
  const zero = f64x2.splat(0.0);
  let ma = inf, mb = inf; // lane minima of d
  let ka = f64x2.splat(-1.0), kb = ka; // iteration of the first column reaching them
  let ta = zero, tb = zero; // all ones where a later column equals the lane minimum
  let kv = zero;
  const end = <usize>stride << 3;
  if (first) {
    for (let o: usize = 0; o < end; o += 32) {
      const da = f64x2.add(f64x2.sub(v128.load(row + o), v128.load(Vp + o)), hv);
      const db = f64x2.add(f64x2.sub(v128.load(row + o, 16), v128.load(Vp + o, 16)), hv);
      v128.store(Dp + o, da);
      v128.store(Dp + o, db, 16);
      const lta = f64x2.lt(da, ma);
      const ltb = f64x2.lt(db, mb);
      ta = v128.or(v128.andnot(ta, lta), f64x2.eq(da, ma));
      tb = v128.or(v128.andnot(tb, ltb), f64x2.eq(db, mb));
      ma = f64x2.pmin(ma, da);
      mb = f64x2.pmin(mb, db);
      // Tie-break: strict `<`, so a lane keeps the lowest column reaching its minimum.
      ka = v128.bitselect(kv, ka, lta);
      kb = v128.bitselect(kv, kb, ltb);
      kv = f64x2.add(kv, one);
    }
  } else {
    for (let o: usize = 0; o < end; o += 32) {
      const ra = f64x2.add(f64x2.sub(v128.load(row + o), v128.load(Vp + o)), hv);
      const rb = f64x2.add(f64x2.sub(v128.load(row + o, 16), v128.load(Vp + o, 16)), hv);
      // d = r < d ? r : d
      const da = f64x2.pmin(v128.load(Dp + o), ra);
      const db = f64x2.pmin(v128.load(Dp + o, 16), rb);
      v128.store(Dp + o, da);
      v128.store(Dp + o, db, 16);
      const lta = f64x2.lt(da, ma);
      const ltb = f64x2.lt(db, mb);
      ta = v128.or(v128.andnot(ta, lta), f64x2.eq(da, ma));
      tb = v128.or(v128.andnot(tb, ltb), f64x2.eq(db, mb));
      ma = f64x2.pmin(ma, da);
      mb = f64x2.pmin(mb, db);
      // Tie-break: strict `<`, so a lane keeps the lowest column reaching its minimum.
      ka = v128.bitselect(kv, ka, lta);
      kb = v128.bitselect(kv, kb, ltb);
      kv = f64x2.add(kv, one);
    }
  }
  gU1 = Infinity;
  gJ1 = 0x7fffffff;
  gU2 = Infinity;
  gTie = false;
  mergeMin(f64x2.extract_lane(ma, 0), (<i32>f64x2.extract_lane(ka, 0) << 2) + 0, i64x2.extract_lane(ta, 0) != 0);
  mergeMin(f64x2.extract_lane(ma, 1), (<i32>f64x2.extract_lane(ka, 1) << 2) + 1, i64x2.extract_lane(ta, 1) != 0);
  mergeMin(f64x2.extract_lane(mb, 0), (<i32>f64x2.extract_lane(kb, 0) << 2) + 2, i64x2.extract_lane(tb, 0) != 0);
  mergeMin(f64x2.extract_lane(mb, 1), (<i32>f64x2.extract_lane(kb, 1) << 2) + 3, i64x2.extract_lane(tb, 1) != 0);
}

// ---------------------------------------------------------------------------------------------

/**
 * Solves the working problem: `cost` nr x nc (nr <= nc), row stride `stride` (multiple of 4,
 * padding +inf), `work` of lsapWorkBytes(nr, nc, stride) bytes (16-byte aligned), `col4row`
 * nr i32 outputs. Returns 0 on success, otherwise a failure code (index * 4 + kind, see
 * FAIL_* in reference.ts). Same steps as solveWorkingReference.
 */
export function lsapSolve(cost: usize, nr: i32, nc: i32, stride: i32, work: usize, col4row: usize): i32 {
  carve(work, nr, nc, stride);
  for (let j = 0; j < stride; j++) stf(V, j, 0.0);
  for (let j = 0; j < nc; j++) {
    store<i32>(ROW4COL + (<usize>j << 2), -1);
    sti(FREECOL, j, j);
    sti(FPOS, j, j);
  }
  nFreeCol = nc;
  for (let i = 0; i < nr; i++) sti(col4row, i, -1);

  // ---- Square problems: column reduction and reduction transfer (Jonker & Volgenant). ----
  if (nr == nc) {
    // v_j = min_i c_ij, its row (first on ties: strict `<` over increasing i) kept in D as f64.
    for (let j = 0; j < stride; j++) {
      stf(V, j, Infinity);
      stf(D, j, -1.0);
    }
    const Vp = V;
    const Dp = D;
    const end = <usize>stride << 3;
    for (let i = 0; i < nr; i++) {
      const row = rowPtr(cost, i, stride);
      const iv = f64x2.splat(<f64>i);
      for (let o: usize = 0; o < end; o += 16) {
        const c = v128.load(row + o);
        const vm = v128.load(Vp + o);
        v128.store(Vp + o, f64x2.pmin(vm, c));
        // Tie-break: strict `<` over increasing i keeps the lowest row.
        v128.store(Dp + o, v128.bitselect(iv, v128.load(Dp + o), f64x2.lt(c, vm)));
      }
    }
    for (let j = nc; j < stride; j++) stf(V, j, 0.0); // padding columns: +inf - 0 stays +inf
    // Columns in increasing order go to their minimum row; a row keeps the column with the
    // smallest v_j (the lowest column on ties). DONEJ counts the matches of each row.
    const MATCHES = DONEJ;
    for (let i = 0; i < nr; i++) sti(MATCHES, i, 0);
    for (let j = 0; j < nc; j++) {
      const vj = ldf(V, j);
      if (vj == Infinity) return j * 4 + FAIL_COLUMN_FORBIDDEN;
      const i = <i32>ldf(D, j);
      sti(MATCHES, i, ldi(MATCHES, i) + 1);
      const j0 = ldi(col4row, i);
      if (j0 < 0 || vj < ldf(V, j0)) {
        if (j0 >= 0) setR4c(j0, -1);
        sti(col4row, i, j);
        setR4c(j, i);
      }
    }
    // Reduction transfer, rows in increasing order: v_j1 -= min_{j != j1} (c_ij - v_j).
    for (let i = 0; i < nr; i++) {
      if (ldi(MATCHES, i) != 1) continue;
      const j1 = ldi(col4row, i);
      const v1 = ldf(V, j1);
      stf(V, j1, -Infinity); // excludes j1: c - (-inf) = +inf
      const mu = rowMin(rowPtr(cost, i, stride), stride);
      stf(V, j1, mu < Infinity ? v1 - mu : v1);
    }
  }

  // ---- Augmenting row reduction (Jonker & Volgenant), two passes over the free rows. ----
  let numFree = 0;
  for (let i = 0; i < nr; i++) {
    if (ldi(col4row, i) < 0) {
      sti(FREE, numFree, i);
      numFree++;
    }
  }
  let budget = 8 * nr + 64; // arrBudget() in the reference
  for (let pass = 0; pass < 2 && budget > 0; pass++) {
    let k = 0;
    const prvNumFree = numFree;
    numFree = 0;
    while (k < prvNumFree && budget > 0) {
      const i = ldi(FREE, k);
      k++;
      budget--;
      const row = rowPtr(cost, i, stride);
      twoSmallest(row, stride);
      const u1 = gU1;
      const u2 = gU2;
      let j1 = gJ1;
      if (u1 == Infinity) return i * 4 + FAIL_ROW_FORBIDDEN;
      let i0 = r4c(j1);
      let reprocess = false;
      if (u1 < u2) {
        if (u2 == Infinity) {
          // Only one allowed column: take it if free, else leave the row to the Dijkstra phase.
          if (i0 >= 0) {
            sti(FREE, numFree, i);
            numFree++;
            continue;
          }
        } else {
          const vOld = ldf(V, j1);
          const vNew = vOld - (u2 - u1);
          // Re-process the displaced row at once only on real progress (rounding may stall).
          reprocess = vNew < vOld;
          stf(V, j1, vNew);
        }
      } else if (i0 >= 0) {
        // Tie u1 == u2 with j1 assigned: take the lowest free column with w_j == u1 if there is
        // one, otherwise j2, the lowest other column with w_j == u1 (scalar passes, the same
        // float operation as the scan).
        let jf = 0x7fffffff;
        for (let k = 0; k < nFreeCol; k++) {
          const j = ldi(FREECOL, k);
          if (j < jf && load<f64>(row + (<usize>j << 3)) - ldf(V, j) == u1) jf = j;
        }
        if (jf == 0x7fffffff) {
          // u2 == u1 says that another column has w_j == u1.
          jf = 0;
          while (jf < nc && (jf == j1 || load<f64>(row + (<usize>jf << 3)) - ldf(V, jf) != u1)) jf++;
          if (jf == nc) unreachable();
        }
        j1 = jf;
        i0 = r4c(j1);
      }
      sti(col4row, i, j1);
      setR4c(j1, i);
      if (i0 >= 0) {
        sti(col4row, i0, -1);
        if (reprocess) {
          k--;
          sti(FREE, k, i0);
        } else {
          sti(FREE, numFree, i0);
          numFree++;
        }
      }
    }
  }
  for (let i = 0; i < nr; i++) {
    const j = ldi(col4row, i);
    stf(U, i, j >= 0 ? load<f64>(rowPtr(cost, i, stride) + (<usize>j << 3)) - ldf(V, j) : 0.0);
  }

  // ---- Shortest augmenting paths (Crouse 2016) for the rows still free, in row order. ----
  for (let curRow = 0; curRow < nr; curRow++) {
    if (ldi(col4row, curRow) >= 0) continue;
    let nDone = 0;
    let minVal = 0.0;
    let i = curRow;
    let sink = -1;
    while (sink < 0) {
      sti(SROW, nDone, i);
      const h = minVal - ldf(U, i);
      scanRow(rowPtr(cost, i, stride), stride, h, nDone == 0);
      const lowest = gU1;
      if (lowest == Infinity) return curRow * 4 + (nDone == 0 ? FAIL_ROW_FORBIDDEN : FAIL_NO_PATH);
      let j = gJ1;
      // Tie-break: among columns at the same distance a free one wins (the lowest such).
      if (gTie && r4c(j) >= 0) {
        let jf = 0x7fffffff;
        for (let k = 0; k < nFreeCol; k++) {
          const jj = ldi(FREECOL, k);
          if (jj < jf && ldf(D, jj) == lowest) jf = jj;
        }
        if (jf != 0x7fffffff) j = jf;
      }
      minVal = lowest;
      // Finalise column j (SC <- SC + {j}): park v_j and d_j.
      sti(DONEJ, nDone, j);
      stf(DONED, nDone, lowest);
      stf(DONEV, nDone, ldf(V, j));
      nDone++;
      stf(V, j, -Infinity);
      stf(D, j, Infinity);
      const owner = r4c(j);
      if (owner < 0) sink = j;
      else i = owner;
    }

    // Augment along the path, from the sink back to curRow. The predecessor of the column
    // finalised at step t is the first scanned row s <= t with (c_sj - v_j) + h_s == d_j,
    // h_s = minVal_s - u_s, minVal_0 = 0, minVal_s = d of the column finalised at step s - 1.
    let t = nDone - 1;
    let j = sink;
    while (true) {
      const dj = ldf(DONED, t);
      const vj = ldf(DONEV, t);
      let s = 0;
      let pi = 0;
      for (; s <= t; s++) {
        pi = ldi(SROW, s);
        const hs = (s == 0 ? 0.0 : ldf(DONED, s - 1)) - ldf(U, pi);
        if (load<f64>(rowPtr(cost, pi, stride) + (<usize>j << 3)) - vj + hs == dj) break;
      }
      if (s > t) unreachable(); // d_j is one of these values, recomputed bit for bit
      setR4c(j, pi);
      const prev = ldi(col4row, pi);
      sti(col4row, pi, j);
      if (s == 0) break; // pi == curRow
      j = prev; // the column through which row pi was reached, finalised at step s - 1
      t = s - 1;
    }

    // Dual update (Crouse), restoring the parked v_j. Row SROW[t + 1] was reached through the
    // column finalised at step t.
    stf(U, curRow, ldf(U, curRow) + minVal);
    for (let t = 0; t < nDone; t++) {
      const j = ldi(DONEJ, t);
      const delta = minVal - ldf(DONED, t);
      if (t + 1 < nDone) {
        const r = ldi(SROW, t + 1);
        stf(U, r, ldf(U, r) + delta);
      }
      stf(V, j, ldf(DONEV, t) - delta);
    }
  }
  return 0;
}
