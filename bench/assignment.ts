// Linear sum assignment: our WASM solver (src/kernels/assignment) against, on the same matrices
// and in the same run, scipy.optimize.linear_sum_assignment (through python3, when available) and
// the npm packages munkres-js and linear-sum-assignment.
//
// Matrices: dense n x n, entries uniform in [-1, 1] like the correlations of unrelated units,
// solved with maximize (the unit-matching problem). Times are the best of a few runs of the whole
// call (input copy, validation, solve, output) after a warm-up; scipy's likewise include its input
// handling. Packages that would take more than ~30 s at a size (extrapolated as n^3 from their
// last measurement) are skipped and reported as null with a note.
//
// Run alone: `npx tsc -p tsconfig.json && node dist/bench/assignment.js`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linearSumAssignment } from '../src/kernels/assignment/index.js';
import { XorShift32 } from '../src/util/random.js';
import type { BenchRow } from './types.js';

export interface AssignmentBenchOptions {
  sizes?: number[];
  /** Skip an npm package at a size where it is expected to take longer than this (seconds). */
  maxPackageSeconds?: number;
}

/** n x n row-major, uniform in [-1, 1) from a 32-bit xorshift (deterministic). */
function correlationLike(n: number, seed: number): Float64Array {
  const out = new Float64Array(n * n);
  const g = new XorShift32(seed);
  for (let i = 0; i < out.length; i++) out[i] = g.draw() * 2 - 1;
  return out;
}

function repsFor(n: number): number {
  return n <= 1000 ? 5 : n <= 2048 ? 3 : 2;
}

function totalOf(data: Float64Array, n: number, rows: ArrayLike<number>, cols: ArrayLike<number>): number {
  let t = 0;
  for (let k = 0; k < rows.length; k++) t += data[rows[k] * n + cols[k]];
  return t;
}

const SCIPY = `
import json, sys, time
import numpy as np
from scipy.optimize import linear_sum_assignment
path, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = np.fromfile(path, dtype='<f8').reshape(n, n)
best = float('inf')
for _ in range(reps):
    t = time.perf_counter()
    r, k = linear_sum_assignment(c, maximize=True)
    best = min(best, time.perf_counter() - t)
print(json.dumps({'ms': best * 1000, 'rows': r.tolist(), 'cols': k.tolist()}))
`;

function timeScipy(file: string, n: number, reps: number): { ms: number; rows: number[]; cols: number[] } | { error: string } {
  const run = spawnSync('python3', ['-c', SCIPY, file, String(n), String(reps)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) return { error: `python3 unavailable (${run.error.message})` };
  if (run.status !== 0) {
    const last = run.stderr.trim().split('\n').pop() ?? '';
    return { error: `python3/scipy failed: ${last}` };
  }
  return JSON.parse(run.stdout);
}

type Solver = (rows: number[][]) => { rows: number[]; cols: number[] };

/** The npm packages, through dynamic imports (no type declarations needed; null if missing). */
async function loadPackages(): Promise<Record<string, Solver | string>> {
  const out: Record<string, Solver | string> = {};
  const munkresName = 'munkres-js';
  try {
    const mod: any = await import(munkresName);
    const munkres = mod.default ?? mod;
    out[munkresName] = (c) => {
      // munkres-js only minimises: negate.
      const pairs: Array<[number, number]> = munkres(c.map((row) => row.map((x) => -x)));
      pairs.sort((a, b) => a[0] - b[0]);
      return { rows: pairs.map((p) => p[0]), cols: pairs.map((p) => p[1]) };
    };
  } catch (e) {
    out[munkresName] = `not installed (${(e as Error).message})`;
  }
  const lsaName = 'linear-sum-assignment';
  try {
    const mod: any = await import(lsaName);
    const lsa = mod.linearSumAssignment ?? mod.default;
    out[lsaName] = (c) => {
      const res = lsa(c, { maximaze: true }); // (sic)
      const rows: number[] = [];
      const cols: number[] = [];
      res.rowAssignments.forEach((j: number, i: number) => {
        if (j >= 0) {
          rows.push(i);
          cols.push(j);
        }
      });
      return { rows, cols };
    };
  } catch (e) {
    out[lsaName] = `not installed (${(e as Error).message})`;
  }
  return out;
}

export async function benchAssignment(options: AssignmentBenchOptions = {}): Promise<BenchRow[]> {
  const sizes = options.sizes ?? [384, 1000, 2048, 4096];
  const maxPackageMs = (options.maxPackageSeconds ?? 30) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'convergent-lsap-'));
  const packages = await loadPackages();
  // Warm-up: compile and tier up the WASM, grow its memory once.
  for (let k = 0; k < 3; k++) {
    await linearSumAssignment({ data: correlationLike(200, 7 + k), rows: 200, cols: 200 }, { maximize: true });
  }
  // Calibrate the packages at a small size for the n^3 extrapolation.
  const last: Record<string, { n: number; ms: number }> = {};
  const n0 = 96;
  const c0 = correlationLike(n0, 5);
  const rows0 = Array.from({ length: n0 }, (_, i) => Array.from(c0.subarray(i * n0, (i + 1) * n0)));
  for (const [name, solver] of Object.entries(packages)) {
    if (typeof solver === 'string') continue;
    solver(rows0);
    const t = performance.now();
    solver(rows0);
    last[name] = { n: n0, ms: performance.now() - t };
  }

  const results: BenchRow[] = [];
  try {
    for (const n of sizes) {
      const data = correlationLike(n, 1000 + n);
      const reps = repsFor(n);
      const notes: string[] = [];
      let ours = Infinity;
      let res = await linearSumAssignment({ data, rows: n, cols: n }, { maximize: true });
      for (let k = 0; k < reps; k++) {
        const t = performance.now();
        res = await linearSumAssignment({ data, rows: n, cols: n }, { maximize: true });
        ours = Math.min(ours, performance.now() - t);
      }
      const ourTotal = totalOf(data, n, res.rowInd, res.colInd);
      const others: Record<string, number | null> = {};

      const file = join(dir, `cost-${n}.f64`);
      writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      const sp = timeScipy(file, n, reps);
      rmSync(file, { force: true });
      if ('error' in sp) {
        others.scipy = null;
        notes.push(`scipy: ${sp.error}`);
      } else {
        others.scipy = sp.ms;
        const same = sp.cols.every((j, k) => j === res.colInd[k]);
        if (!same) {
          const diff = totalOf(data, n, sp.rows, sp.cols) - ourTotal;
          notes.push(`scipy: different assignment, total differs by ${diff.toExponential(2)}`);
        }
      }

      let rows: number[][] | null = null;
      for (const [name, solver] of Object.entries(packages)) {
        if (typeof solver === 'string') {
          others[name] = null;
          notes.push(`${name}: ${solver}`);
          continue;
        }
        const prev = last[name];
        const estimate = prev.ms * (n / prev.n) ** 3;
        if (estimate > maxPackageMs) {
          others[name] = null;
          notes.push(
            `${name}: skipped, estimated ${(estimate / 1000).toFixed(0)} s (n^3 from ${prev.ms.toFixed(0)} ms at n = ${prev.n})`,
          );
          continue;
        }
        rows ??= Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * n, (i + 1) * n)));
        const t = performance.now();
        const out = solver(rows);
        const ms = performance.now() - t;
        others[name] = ms;
        last[name] = { n, ms };
        const diff = totalOf(data, n, out.rows, out.cols) - ourTotal;
        if (Math.abs(diff) > 1e-9 * n) notes.push(`${name}: total differs from ours by ${diff.toExponential(2)}`);
      }
      results.push({
        name: 'linear sum assignment (dense, maximize)',
        size: `${n} x ${n}`,
        ours_ms: ours,
        others,
        ...(notes.length ? { notes } : {}),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function formatAssignmentTable(rows: BenchRow[]): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.others)))];
  const header = ['size', 'ours (WASM) ms', ...names.map((n) => `${n} ms`), 'scipy / ours'];
  const lines = rows.map((r) => {
    const sp = r.others.scipy;
    return [
      r.size,
      formatMs(r.ours_ms),
      ...names.map((n) => formatMs(r.others[n] ?? null)),
      sp ? `${(sp / r.ours_ms).toFixed(2)}x` : '—',
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells: string[]) => cells.map((x, c) => x.padStart(widths[c])).join('  ');
  const notes = rows.flatMap((r) => (r.notes ?? []).map((n) => `  ${r.size}: ${n}`));
  return [fmt(header), ...lines.map(fmt), ...(notes.length ? ['notes:', ...notes] : [])].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const rows = await benchAssignment();
  console.log(rows[0]?.name ?? 'linear sum assignment');
  console.log(formatAssignmentTable(rows));
}
