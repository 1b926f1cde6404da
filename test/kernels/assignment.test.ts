// Linear sum assignment (src/kernels/assignment, assembly/assignment.ts):
//   * the reference and the WASM solver against brute force over every injection, for every
//     shape up to 7 x 7 (square, wide and tall), with random, tie-heavy integer, forbidden and
//     maximised costs;
//   * the WASM solver against the reference, bit for bit (same algorithm, same tie-breaks), on
//     sizes that are not multiples of 2 or 4;
//   * both against scipy.optimize.linear_sum_assignment on seeded matrices up to 1000 x 1000
//     (test/fixtures/assignment/scipy.json from scripts/fixtures/make_assignment_fixtures.py;
//     the matrices are regenerated here by the same xorshift32 generator);
//   * every refusal, empty inputs, and determinism on ties.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AssignmentResult,
  type CostMatrix,
  linearSumAssignment,
  linearSumAssignmentReference,
} from '../../src/kernels/assignment/index.js';
import { XorShift32 } from '../../src/util/random.js';

// ---- The fixture generator (see make_assignment_fixtures.py). ----

interface GenSpec {
  rows: number;
  cols: number;
  seed: number;
  kind: 'uniform' | 'int';
  lo?: number;
  hi?: number;
  k?: number;
  forbid?: number;
  maximize: boolean;
}

function generate(spec: GenSpec): Float64Array {
  const { rows, cols, kind } = spec;
  const lo = spec.lo ?? 0;
  const hi = spec.hi ?? 1;
  const k = spec.k ?? 0;
  const forbid = spec.forbid ?? 0;
  const bad = spec.maximize ? -Infinity : Infinity;
  const g = new XorShift32(spec.seed);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    const u = g.draw();
    let x = kind === 'uniform' ? lo + (hi - lo) * u : Math.floor(u * k);
    if (forbid > 0 && g.draw() < forbid) x = bad;
    out[i] = x;
  }
  return out;
}

function toRows(data: Float64Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
}

/** Sum of the assigned costs in rowInd order (as the fixture script sums). */
function totalOf(data: ArrayLike<number>, cols: number, res: AssignmentResult): number {
  let t = 0;
  for (let k = 0; k < res.rowInd.length; k++) t += data[res.rowInd[k] * cols + res.colInd[k]];
  return t;
}

/** Structural checks every result must pass: lengths, ascending rows, distinct in-range columns. */
function checkShape(res: AssignmentResult, rows: number, cols: number): void {
  const n = Math.min(rows, cols);
  expect(res.rowInd).toBeInstanceOf(Int32Array);
  expect(res.colInd).toBeInstanceOf(Int32Array);
  expect(res.rowInd.length).toBe(n);
  expect(res.colInd.length).toBe(n);
  const seen = new Set<number>();
  for (let k = 0; k < n; k++) {
    if (k > 0) expect(res.rowInd[k]).toBeGreaterThan(res.rowInd[k - 1]);
    expect(res.rowInd[k]).toBeGreaterThanOrEqual(0);
    expect(res.rowInd[k]).toBeLessThan(rows);
    expect(res.colInd[k]).toBeGreaterThanOrEqual(0);
    expect(res.colInd[k]).toBeLessThan(cols);
    seen.add(res.colInd[k]);
  }
  expect(seen.size).toBe(n);
}

function same(a: AssignmentResult, b: AssignmentResult): boolean {
  return a.rowInd.join() === b.rowInd.join() && a.colInd.join() === b.colInd.join();
}

async function outcome(cost: CostMatrix, maximize: boolean) {
  let ref: AssignmentResult | Error;
  let wasm: AssignmentResult | Error;
  try {
    ref = linearSumAssignmentReference(cost, { maximize });
  } catch (e) {
    ref = e as Error;
  }
  try {
    wasm = await linearSumAssignment(cost, { maximize });
  } catch (e) {
    wasm = e as Error;
  }
  return { ref, wasm };
}

// ---- Brute force over every injection of the smaller side into the larger. ----

interface Brute {
  best: number; // +-Infinity when infeasible
  optima: Array<[number[], number[]]>; // (rowInd, colInd) of every assignment within tol of best
}

function bruteForce(c: number[][], maximize: boolean): Brute {
  const rows = c.length;
  const cols = c[0].length;
  const tall = rows > cols;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const at = (a: number, b: number) => (tall ? c[b][a] : c[a][b]); // a: smaller side
  const sums: Array<[number, number[]]> = [];
  const used = new Array(m).fill(false);
  const pick: number[] = [];
  const rec = (a: number, acc: number) => {
    if (a === n) {
      sums.push([acc, pick.slice()]);
      return;
    }
    for (let b = 0; b < m; b++) {
      if (used[b]) continue;
      used[b] = true;
      pick.push(b);
      rec(a + 1, acc + at(a, b));
      pick.pop();
      used[b] = false;
    }
  };
  rec(0, 0);
  const sign = maximize ? -1 : 1;
  let best = Infinity;
  for (const [s] of sums) if (sign * s < best) best = sign * s;
  const optima: Array<[number[], number[]]> = [];
  if (Number.isFinite(best)) {
    const tol = 1e-9 * Math.max(1, Math.abs(best));
    for (const [s, p] of sums) {
      if (Math.abs(sign * s - best) > tol) continue;
      const pairs = p.map((b, a) => (tall ? [b, a] : [a, b])).sort((x, y) => x[0] - y[0]);
      optima.push([pairs.map((q) => q[0]), pairs.map((q) => q[1])]);
    }
  }
  return { best: sign * best, optima };
}

type Family = 'float' | 'int3' | 'int2-forbid' | 'float-forbid-max' | 'int4-max' | 'all-equal' | 'float-forbid-heavy';
const families: Family[] = ['float', 'int3', 'int2-forbid', 'float-forbid-max', 'int4-max', 'all-equal', 'float-forbid-heavy'];
const bruteCounts = { feasible: 0, infeasible: 0, uniqueOptimum: 0 };

function familyMatrix(f: Family, rows: number, cols: number, seed: number): { cost: number[][]; maximize: boolean } {
  const spec: Record<Family, GenSpec> = {
    float: { rows, cols, seed, kind: 'uniform', lo: -1, hi: 1, maximize: false },
    int3: { rows, cols, seed, kind: 'int', k: 3, maximize: false },
    'int2-forbid': { rows, cols, seed, kind: 'int', k: 2, forbid: 0.35, maximize: false },
    'float-forbid-max': { rows, cols, seed, kind: 'uniform', forbid: 0.3, maximize: true },
    'int4-max': { rows, cols, seed, kind: 'int', k: 4, maximize: true },
    'all-equal': { rows, cols, seed, kind: 'int', k: 1, lo: 0, maximize: false },
    'float-forbid-heavy': { rows, cols, seed, kind: 'uniform', forbid: 0.6, maximize: false },
  };
  const s = spec[f];
  return { cost: toRows(generate(s), rows, cols), maximize: s.maximize };
}

describe('brute force, every shape up to 7 x 7', () => {
  for (let rows = 1; rows <= 7; rows++) {
    for (let cols = 1; cols <= 7; cols++) {
      it(`${rows} x ${cols}`, async () => {
        for (const f of families) {
          for (let rep = 0; rep < 3; rep++) {
            const seed = 1000 * rows + 100 * cols + 10 * families.indexOf(f) + rep + 1;
            const { cost, maximize } = familyMatrix(f, rows, cols, seed);
            const brute = bruteForce(cost, maximize);
            const { ref, wasm } = await outcome(cost, maximize);
            if (brute.optima.length === 0) {
              bruteCounts.infeasible++;
              expect(ref).toBeInstanceOf(Error);
              expect(wasm).toBeInstanceOf(Error);
              expect((ref as Error).message).toMatch(/^cost matrix is infeasible/);
              expect((wasm as Error).message).toBe((ref as Error).message);
              continue;
            }
            bruteCounts.feasible++;
            if (brute.optima.length === 1) bruteCounts.uniqueOptimum++;
            if (ref instanceof Error) throw ref;
            if (wasm instanceof Error) throw wasm;
            checkShape(ref, rows, cols);
            // WASM and reference run the same algorithm: identical assignments, even on ties.
            expect(same(wasm, ref)).toBe(true);
            const flat = cost.flat();
            const t = totalOf(flat, cols, ref);
            expect(Math.abs(t - brute.best)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(brute.best)));
            // A forbidden pair is never used.
            for (let k = 0; k < ref.rowInd.length; k++) expect(Number.isFinite(cost[ref.rowInd[k]][ref.colInd[k]])).toBe(true);
            // The assignment is one of the optima; when the optimum is unique it is that one.
            expect(brute.optima.some(([r, c]) => r.join() === ref.rowInd.join() && c.join() === ref.colInd.join())).toBe(
              true,
            );
          }
        }
      });
    }
  }
  it('covered feasible, infeasible and uniquely optimal cases', () => {
    expect(bruteCounts.feasible).toBeGreaterThan(700);
    expect(bruteCounts.infeasible).toBeGreaterThan(50);
    expect(bruteCounts.uniqueOptimum).toBeGreaterThan(300);
  });
});

describe('WASM against the reference (identical assignments)', () => {
  const shapes: Array<[number, number]> = [
    [1, 9],
    [9, 1],
    [3, 3],
    [5, 7],
    [7, 5],
    [13, 11],
    [31, 33],
    [33, 33],
    [63, 65],
    [101, 99],
    [127, 129],
    [255, 257],
    [333, 517],
    [517, 333],
    [401, 401],
  ];
  const specs: Array<Omit<GenSpec, 'rows' | 'cols' | 'seed'>> = [
    { kind: 'uniform', lo: -1, hi: 1, maximize: true },
    { kind: 'uniform', lo: 0, hi: 1, forbid: 0.4, maximize: false },
    { kind: 'int', k: 3, maximize: false },
    { kind: 'int', k: 50, forbid: 0.2, maximize: true },
    { kind: 'int', k: 1, maximize: false },
  ];
  for (const [rows, cols] of shapes) {
    it(`${rows} x ${cols}`, async () => {
      for (let s = 0; s < specs.length; s++) {
        const spec: GenSpec = { ...specs[s], rows, cols, seed: rows * 7919 + cols * 31 + s };
        const data = generate(spec);
        const { ref, wasm } = await outcome({ data, rows, cols }, spec.maximize);
        if (ref instanceof Error) {
          expect(wasm).toBeInstanceOf(Error);
          expect((wasm as Error).message).toBe(ref.message);
          continue;
        }
        if (wasm instanceof Error) throw wasm;
        checkShape(wasm, rows, cols);
        expect(same(wasm, ref)).toBe(true);
      }
    });
  }

  it('number[][], Float64Array and Float32Array inputs agree', async () => {
    const rows = 37;
    const cols = 41;
    const data = generate({ rows, cols, seed: 99, kind: 'uniform', lo: -3, hi: 3, maximize: false });
    const f32 = Float32Array.from(data);
    const a = await linearSumAssignment(toRows(Float64Array.from(f32), rows, cols));
    const b = await linearSumAssignment({ data: f32, rows, cols });
    const c = linearSumAssignmentReference({ data: Float64Array.from(f32), rows, cols });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(true);
  });

  it('reuses the instance across sizes (memory grows, smaller problems after larger)', async () => {
    for (const n of [300, 7, 450, 2, 61]) {
      const data = generate({ rows: n, cols: n + 3, seed: n, kind: 'uniform', maximize: false });
      const wasm = await linearSumAssignment({ data, rows: n, cols: n + 3 });
      expect(same(wasm, linearSumAssignmentReference({ data, rows: n, cols: n + 3 }))).toBe(true);
    }
  });
});

// ---- scipy fixtures. ----

interface ScipyCase extends GenSpec {
  name: string;
  unique: boolean;
  error?: 'infeasible' | 'invalid';
  total?: number;
  row_ind?: number[];
  col_ind?: number[];
}
const fixture: { cases: ScipyCase[] } = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'assignment', 'scipy.json'), 'utf8'),
);

describe('against scipy.optimize.linear_sum_assignment', () => {
  it('has the fixtures', () => {
    expect(fixture.cases.length).toBeGreaterThan(20);
    expect(fixture.cases.some((c) => c.rows === 1000 && c.cols === 800)).toBe(true);
  });
  for (const c of fixture.cases) {
    it(`${c.name} (${c.rows} x ${c.cols}${c.maximize ? ', maximize' : ''})`, async () => {
      const data = generate(c);
      const cost = { data, rows: c.rows, cols: c.cols };
      const { ref, wasm } = await outcome(cost, c.maximize);
      if (c.error) {
        expect(ref).toBeInstanceOf(Error);
        expect(wasm).toBeInstanceOf(Error);
        expect((ref as Error).message).toMatch(/^cost matrix is infeasible/);
        expect((wasm as Error).message).toBe((ref as Error).message);
        return;
      }
      if (ref instanceof Error) throw ref;
      if (wasm instanceof Error) throw wasm;
      checkShape(wasm, c.rows, c.cols);
      expect(same(wasm, ref)).toBe(true);
      if (c.unique) {
        // Float costs: the optimum is unique, so the assignment and its total are scipy's exactly.
        expect(Array.from(wasm.rowInd)).toEqual(c.row_ind);
        expect(Array.from(wasm.colInd)).toEqual(c.col_ind);
        expect(totalOf(data, c.cols, wasm)).toBe(c.total);
      } else {
        // Integer costs with ties: possibly another optimal assignment, the same exact total.
        expect(totalOf(data, c.cols, wasm)).toBe(c.total);
      }
    });
  }
});

// ---- Refusals and special inputs. ----

describe('errors', () => {
  const bothThrow = async (cost: unknown, maximize: boolean, message: string | RegExp) => {
    expect(() => linearSumAssignmentReference(cost as CostMatrix, { maximize })).toThrow(message);
    await expect(linearSumAssignment(cost as CostMatrix, { maximize })).rejects.toThrow(message);
  };

  it('NaN, named by row and column', async () => {
    const c = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, NaN],
    ];
    await bothThrow(c, false, 'cost matrix has NaN at row 2, column 2');
    await bothThrow(c, true, 'cost matrix has NaN at row 2, column 2');
    const data = new Float64Array(8 * 11);
    data[3 * 11 + 7] = NaN;
    await bothThrow({ data, rows: 8, cols: 11 }, false, 'cost matrix has NaN at row 3, column 7');
    // tall: still in the input's coordinates
    await bothThrow({ data, rows: 11, cols: 8 }, false, 'cost matrix has NaN at row 5, column 0');
    await bothThrow({ data: Float32Array.from(data), rows: 8, cols: 11 }, false, 'cost matrix has NaN at row 3, column 7');
  });

  it('the first invalid entry in row-major order is reported', async () => {
    const c = [
      [0, 1, -Infinity],
      [NaN, 1, 2],
    ];
    await bothThrow(c, false, /^cost matrix has -Infinity at row 0, column 2/);
  });

  it('-Infinity when minimising, +Infinity when maximising', async () => {
    await bothThrow([[0, -Infinity]], false, /^cost matrix has -Infinity at row 0, column 1 \(forbidden pairs are marked with \+Infinity when minimizing\)$/);
    await bothThrow(
      [
        [0, 1],
        [Infinity, 2],
      ],
      true,
      /^cost matrix has \+Infinity at row 1, column 0 \(forbidden pairs are marked with -Infinity when maximizing\)$/,
    );
    // and the other infinity is simply forbidden
    expect(linearSumAssignmentReference([[0, Infinity], [Infinity, 5]])).toEqual({
      rowInd: Int32Array.from([0, 1]),
      colInd: Int32Array.from([0, 1]),
    });
    const r = await linearSumAssignment([[0, -Infinity], [-Infinity, 5]], { maximize: true });
    expect(Array.from(r.colInd)).toEqual([0, 1]);
  });

  it('non-numbers in number[][]', async () => {
    await bothThrow([[1, 'a', 3]], false, 'cost matrix has a non-number (string) at row 0, column 1');
    await bothThrow([[1, 2], [null, 3]], false, 'cost matrix has a non-number (null) at row 1, column 0');
    await bothThrow([[1, 2], [3, undefined]], false, 'cost matrix has a non-number (undefined) at row 1, column 1');
  });

  it('ragged rows, named', async () => {
    await bothThrow([[1, 2, 3], [4, 5, 6], [7, 8]], false, 'cost matrix is ragged: row 2 has 2 entries, expected 3 (as row 0)');
    await bothThrow([[1], [2, 3]], false, 'cost matrix is ragged: row 1 has 2 entries, expected 1 (as row 0)');
    await bothThrow([[1, 2], 5], false, 'cost matrix row 1 is not an array');
  });

  it('bad typed-array matrices', async () => {
    await bothThrow({ data: new Float64Array(5), rows: 2, cols: 3 }, false, 'cost matrix data has 5 values, expected rows x cols = 2 x 3 = 6');
    await bothThrow({ data: new Float64Array(0), rows: -1, cols: 0 }, false, /rows and cols must be non-negative integers/);
    await bothThrow({ data: new Float64Array(3), rows: 1.5, cols: 2 }, false, /rows and cols must be non-negative integers/);
    await bothThrow({ data: new Int32Array(4), rows: 2, cols: 2 }, false, 'cost matrix data must be a Float64Array or a Float32Array');
    await bothThrow(42, false, /^cost matrix must be a number\[\]\[\] or/);
  });

  it('infeasible: a row with only forbidden entries', async () => {
    await bothThrow([[1, 2, 3], [Infinity, Infinity, Infinity]], false, 'cost matrix is infeasible: row 1 has only forbidden (infinite) entries');
    // tall: the solver works on the transpose, the message still speaks of the input
    await bothThrow(
      [[1, Infinity], [2, Infinity], [3, Infinity]],
      false,
      'cost matrix is infeasible: column 1 has only forbidden (infinite) entries',
    );
    await bothThrow([[-Infinity, -Infinity]], true, 'cost matrix is infeasible: row 0 has only forbidden (infinite) entries');
  });

  it('infeasible: a column of a square matrix with only forbidden entries', async () => {
    await bothThrow(
      [
        [1, Infinity, 3],
        [4, Infinity, 6],
        [7, Infinity, 9],
      ],
      false,
      'cost matrix is infeasible: column 1 has only forbidden (infinite) entries',
    );
  });

  it('infeasible: Hall condition fails', async () => {
    // rows 0 and 1 can only use column 0
    await bothThrow(
      [
        [1, Infinity, Infinity],
        [2, Infinity, Infinity],
        [3, 4, 5],
      ],
      false,
      /^cost matrix is infeasible: every complete assignment uses a forbidden \(infinite\) entry \(no augmenting path when assigning row \d\)$/,
    );
    await bothThrow(
      [
        [1, 2, Infinity, Infinity],
        [3, 4, Infinity, Infinity],
        [5, 6, Infinity, Infinity],
      ],
      false,
      /^cost matrix is infeasible: every complete assignment/,
    );
    // a forbidden column is fine when the matrix is wide
    const r = await linearSumAssignment([
      [1, Infinity, 3],
      [4, Infinity, 2],
    ]);
    expect(Array.from(r.colInd)).toEqual([0, 2]);
  });
});

describe('special inputs', () => {
  it('empty matrices give empty arrays', async () => {
    const empties: CostMatrix[] = [
      [],
      [[]],
      [[], [], []],
      { data: new Float64Array(0), rows: 0, cols: 5 },
      { data: new Float32Array(0), rows: 4, cols: 0 },
      { data: new Float64Array(0), rows: 0, cols: 0 },
    ];
    for (const e of empties) {
      for (const maximize of [false, true]) {
        for (const r of [linearSumAssignmentReference(e, { maximize }), await linearSumAssignment(e, { maximize })]) {
          expect(r.rowInd).toEqual(new Int32Array(0));
          expect(r.colInd).toEqual(new Int32Array(0));
        }
      }
    }
  });

  it('1 x 1, 1 x n, n x 1', async () => {
    expect(Array.from((await linearSumAssignment([[5]])).colInd)).toEqual([0]);
    const wide = await linearSumAssignment([[3, 1, 2, 1]]);
    expect([Array.from(wide.rowInd), Array.from(wide.colInd)]).toEqual([[0], [1]]);
    const tall = await linearSumAssignment([[3], [1], [2], [1]], { maximize: true });
    expect([Array.from(tall.rowInd), Array.from(tall.colInd)]).toEqual([[0], [0]]);
  });

  it('large magnitudes', async () => {
    const c = [
      [1e300, 1e300 + 1e290],
      [1e300 - 1e290, 1e300],
    ];
    const r = await linearSumAssignment(c);
    expect(Array.from(r.colInd)).toEqual([1, 0]);
  });
});

describe('determinism on ties', () => {
  it('an all-equal matrix gives the identity (like scipy), square, wide and tall', async () => {
    for (const [rows, cols] of [
      [6, 6],
      [4, 9],
      [9, 4],
      [100, 100],
    ]) {
      const data = new Float64Array(rows * cols).fill(2.5);
      const n = Math.min(rows, cols);
      const id = Int32Array.from({ length: n }, (_, k) => k);
      for (const maximize of [false, true]) {
        const w = await linearSumAssignment({ data, rows, cols }, { maximize });
        const r = linearSumAssignmentReference({ data, rows, cols }, { maximize });
        expect(w.rowInd).toEqual(id);
        expect(w.colInd).toEqual(id);
        expect(same(w, r)).toBe(true);
      }
    }
  });

  it('the same output twice on tie-heavy costs', async () => {
    for (const [rows, cols] of [
      [50, 50],
      [37, 80],
      [80, 37],
    ]) {
      const data = generate({ rows, cols, seed: rows + cols, kind: 'int', k: 2, maximize: false });
      const a = await linearSumAssignment({ data, rows, cols });
      const b = await linearSumAssignment({ data: data.slice(), rows, cols });
      const c = linearSumAssignmentReference({ data, rows, cols });
      expect(same(a, b)).toBe(true);
      expect(same(a, c)).toBe(true);
    }
  });

  it('does not modify the input', async () => {
    const data = generate({ rows: 20, cols: 30, seed: 5, kind: 'uniform', maximize: true });
    const copy = data.slice();
    const rows = toRows(data, 20, 30);
    await linearSumAssignment({ data, rows: 20, cols: 30 }, { maximize: true });
    linearSumAssignmentReference(rows, { maximize: true });
    await linearSumAssignment(rows, { maximize: true });
    expect(data).toEqual(copy);
    expect(rows).toEqual(toRows(copy, 20, 30));
  });
});
