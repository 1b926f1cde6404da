// LASSO paths from moments: our WASM solver (src/kernels/lasso) against scikit-learn's lasso_path
// with a precomputed Gram matrix (its fastest mode when samples outnumber features), on the same
// data, in the same run.
//
// Data: two "nets" of 384 units over 2000 samples with a shared latent space, private factors and
// noise (bench/lasso-data.ts), so that units are correlated within and across nets. Every unit of
// B (384 targets) is regressed on all units of A (384 predictors), standardized, over 10 penalties
// log-spaced from 1e-1 to 1e-5, at the same relative duality-gap tolerance for both (the bench
// part runs scikit-learn's default, 1e-4, and 1e-8): scikit-learn stops when gap < tol * ||y||^2,
// as we do (gap <= tol * v on the same 1/n scale).
//
// Ours: the whole lassoPath call from the moments (checks, G^-1, copies, the path of every
// target) after a warm-up; also with Newton steps off (plain coordinate descent with active sets
// and Anderson extrapolation). scikit-learn: lasso_path(X, y_j, alphas, precompute=X'X,
// Xy=X'y_j) for each target, timed around the loop (the Gram matrix and Xy are computed before
// the timer, as our moments are). The two run alternately, `reps` rounds, and each side's time is
// the median of its rounds (issue 15: the same statistic for both). The coefficients are compared.
//
// Run alone: `npx tsc -p tsconfig.json && node dist/bench/lasso.js`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lassoPath, lassoProblemFromMoments, type LassoPathResult } from '../src/kernels/lasso/index.js';
import { benchRounds, loadLine, median } from './alternation.js';
import { correlatedData, momentsOf } from './lasso-data.js';
import type { BenchRow } from './types.js';

export interface LassoBenchOptions {
  samples?: number;
  predictors?: number;
  targets?: number;
  penalties?: number;
  tol?: number;
  reps?: number;
  /** Also time plain coordinate descent (Newton steps off). Default true. */
  plain?: boolean;
  /** Python interpreter with scikit-learn. Default /usr/bin/python3, then python3. */
  python?: string;
}

const SKLEARN = `
import json, sys, time, warnings
import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path
path, n, da, db, tol, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
alphas = np.array(json.loads(sys.argv[7]))
x = np.fromfile(path, dtype='<f8').reshape(da + db, n).T
z = (x - x.mean(axis=0)) / x.std(axis=0)
X = np.asfortranarray(z[:, :da])
Y = np.ascontiguousarray(z[:, da:])
G = X.T @ X
Xy = X.T @ Y
coefs = np.empty((len(alphas), da, db))
worst = 0.0
sweeps = 0
warnings.simplefilter('ignore', ConvergenceWarning)
t = time.perf_counter()
for j in range(db):
    _, c, gaps, nit = lasso_path(X, Y[:, j], alphas=alphas, precompute=G, Xy=Xy[:, j], tol=tol, max_iter=100000, return_n_iter=True)
    coefs[:, :, j] = c.T
    worst = max(worst, float(np.max(gaps)))
    sweeps += int(np.sum(nit))
ms = (time.perf_counter() - t) * 1000
coefs.tofile(out)
print(json.dumps({'ms': ms, 'worst_gap': worst, 'sweeps': sweeps, 'version': sklearn.__version__}))
`;

interface SklearnRun {
  ms: number;
  worst_gap: number;
  sweeps: number;
  version: string;
}

function runSklearn(python: string[], file: string, out: string, n: number, da: number, db: number, tol: number, alphas: number[]): SklearnRun | { error: string } {
  let last = 'not found';
  for (const py of python) {
    const run = spawnSync(py, ['-c', SKLEARN, file, String(n), String(da), String(db), String(tol), out, JSON.stringify(alphas)], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (run.error) {
      last = `${py} unavailable (${run.error.message})`;
      continue;
    }
    if (run.status !== 0) {
      last = `${py}: ${run.stderr.trim().split('\n').pop() ?? 'failed'}`;
      continue;
    }
    return JSON.parse(run.stdout.trim().split('\n').pop()!);
  }
  return { error: last };
}

function sum(arrays: Int32Array[]): number {
  let s = 0;
  for (const a of arrays) for (const x of a) s += x;
  return s;
}

export async function benchLasso(options: LassoBenchOptions = {}): Promise<BenchRow[]> {
  const n = options.samples ?? 2000;
  const da = options.predictors ?? 384;
  const db = options.targets ?? 384;
  const m = options.penalties ?? 10;
  const tol = options.tol ?? 1e-8;
  const reps = options.reps ?? 2;
  const python = options.python ? [options.python] : ['/usr/bin/python3', 'python3'];
  const alphas = Array.from({ length: m }, (_, k) => 10 ** (-1 - (4 * k) / Math.max(1, m - 1)));

  const data = correlatedData(n, da, db, 1);
  const moments = momentsOf(data);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const problem = lassoProblemFromMoments(moments, range(0, da), range(da, da + db));
  const size = `${db} targets x ${da} predictors x ${m} penalties (${n} samples)`;

  // Warm-up (tier-up of the WASM, the solver's buffers) on one target, with and without Newton steps.
  for (const newton of [true, false]) await lassoPath({ ...problem, cross: problem.cross.slice(0, da * 1), t: 1, targetVar: problem.targetVar.slice(0, 1) }, alphas, { tol, newton });
  const timeOurs = async (newton: boolean): Promise<{ ms: number; path: LassoPathResult }> => {
    const t0 = performance.now();
    const path = await lassoPath(problem, alphas, { tol, newton });
    return { ms: performance.now() - t0, path };
  };

  const dir = mkdtempSync(join(tmpdir(), 'convergent-lasso-'));
  const file = join(dir, 'data.f64');
  const out = join(dir, 'coef.f64');
  writeFileSync(file, new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength));
  const ourMs: number[] = [];
  const plainMs: number[] = [];
  const theirMs: number[] = [];
  let ours: LassoPathResult | undefined;
  let plain: LassoPathResult | undefined;
  let theirs: SklearnRun | { error: string } | undefined;
  try {
    // Alternated rounds: ours, (ours without Newton steps,) scikit-learn; the median of each.
    for (let r = 0; r < reps; r++) {
      const a = await timeOurs(true);
      ourMs.push(a.ms);
      ours = a.path;
      if (options.plain !== false) {
        const b = await timeOurs(false);
        plainMs.push(b.ms);
        plain = b.path;
      }
      if (theirs && 'error' in theirs) continue;
      theirs = runSklearn(python, file, out, n, da, db, tol, alphas);
      if (!('error' in theirs)) theirMs.push(theirs.ms);
    }
    const others: Record<string, number | null> = {};
    const notes: string[] = [];
    const sk = 'scikit-learn lasso_path (precomputed Gram)';
    if (!theirs || 'error' in theirs) {
      others[sk] = null;
      notes.push(`scikit-learn: ${theirs?.error ?? 'not run'}`);
    } else {
      others[sk] = median(theirMs);
      const coef = new Float64Array(readFileSync(out).buffer.slice(0));
      let diff = 0;
      for (let k = 0; k < m; k++) for (let i = 0; i < da * db; i++) diff = Math.max(diff, Math.abs(ours!.coef[k][i] - coef[k * da * db + i]));
      notes.push(
        `scikit-learn ${theirs.version}: ${theirs.sweeps} sweeps, largest duality gap ${theirs.worst_gap.toExponential(2)} (tol ${tol.toExponential()}), ` +
          `max |coef difference| from ours ${diff.toExponential(2)}`,
      );
    }
    const describe = (p: LassoPathResult) => {
      let worst = 0;
      p.gap.forEach((g) => g.forEach((x) => (worst = Math.max(worst, x))));
      return `converged ${p.converged}, largest duality gap ${worst.toExponential(2)}, ${sum(p.iterations)} sweeps, ${sum(p.newtonSteps)} Newton solves`;
    };
    notes.unshift(`ours: ${describe(ours!)}`);
    if (plain) {
      others['ours, Newton steps off'] = median(plainMs);
      notes.push(`ours with Newton steps off: ${describe(plain)}`);
    }
    const runs = (label: string, ms: number[]) => `${label} ${ms.map((x) => (x / 1000).toFixed(2)).join(', ')} s`;
    notes.push(`times are medians of ${reps} alternated round${reps === 1 ? '' : 's'} (${[runs('ours', ourMs), ...(plain ? [runs('Newton off', plainMs)] : []), runs('scikit-learn', theirMs)].join('; ')})`);
    return [{ name: `lasso path (standardized, tol ${tol.toExponential()})`, size, ours_ms: median(ourMs), others, notes }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The `lasso` part: at scikit-learn's default tolerance (1e-4; BENCH_ROUNDS rounds, default 3)
 * and at 1e-8 (one round: scikit-learn takes over a minute there), both sides at the same one.
 */
export async function benchLassoTolerances(): Promise<BenchRow[]> {
  const loadBefore = loadLine();
  const rows = [...(await benchLasso({ plain: false, tol: 1e-4, reps: benchRounds(3) })), ...(await benchLasso({ plain: false, tol: 1e-8, reps: 1 }))];
  rows[0].notes?.push(`${loadBefore} before; ${loadLine()} after both tolerances`);
  return rows;
}

export function formatLassoTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.name}, ${r.size}`);
    lines.push(`  ours (WASM): ${(r.ours_ms / 1000).toFixed(2)} s`);
    for (const [name, ms] of Object.entries(r.others)) {
      lines.push(`  ${name}: ${ms === null ? '—' : `${(ms / 1000).toFixed(2)} s (${(ms / r.ours_ms).toFixed(1)}x ours)`}`);
    }
    for (const note of r.notes ?? []) lines.push(`  ${note}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(formatLassoTable(await benchLasso()));
}
