// Symmetric eigen-decomposition (values and all vectors): our WASM solver (src/kernels/eigen:
// Householder tridiagonalisation, divide and conquer, blocked back-transformation, one thread)
// against numpy.linalg.eigh (LAPACK syevd through its BLAS: with all its threads, and with one,
// OPENBLAS_NUM_THREADS=1) on the same matrices in the same run, when python3 with numpy is present.
//
// Matrices: n x n symmetric, entries uniform in [-1, 1) from a 32-bit xorshift (deterministic),
// like a correlation matrix without structure (little deflation: the hard case for divide and
// conquer). Times are the best of a few runs of the whole call (input check and copy, solve,
// output) after a warm-up; numpy's include its input handling. Each row also reports the largest
// |A V - V diag(values)| entry relative to max |values| and the largest |V'V - I| entry, and the
// largest eigenvalue difference from numpy. `ratio` is ours / numpy's time (below 1: faster).
//
// Run alone: `npx tsc -p tsconfig.json && node dist/bench/eigen.js [n ...]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { symmetricEigen } from '../src/kernels/eigen/index.js';
import type { BenchRow } from './types.js';
import { XorShift32 } from '../src/util/random.js';

const NUMPY_ALL = 'numpy.linalg.eigh';
const NUMPY_ONE = 'numpy.linalg.eigh (1 thread)';

export interface EigenBenchOptions {
  sizes?: number[];
}

/** n x n symmetric, uniform in [-1, 1) from a 32-bit xorshift, upper triangle drawn row by row. */
function symmetricUniform(n: number, seed: number): Float64Array {
  const out = new Float64Array(n * n);
  const g = new XorShift32(seed);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) out[i * n + j] = out[j * n + i] = g.draw() * 2 - 1;
  }
  return out;
}

function repsFor(n: number): number {
  return n <= 512 ? 5 : n <= 1024 ? 3 : 1;
}

const NUMPY = `
import json, sys, time
import numpy as np
path, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = np.fromfile(path, dtype='<f8').reshape(n, n)
np.linalg.eigh(a[:8, :8])
best = float('inf')
for _ in range(reps):
    t = time.perf_counter()
    w, v = np.linalg.eigh(a)
    best = min(best, time.perf_counter() - t)
print(json.dumps({'ms': best * 1000, 'values': w[::-1].tolist()}))
`;

function timeNumpy(file: string, n: number, reps: number, oneThread: boolean): { ms: number; values: number[] } | { error: string } {
  const threads = oneThread ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } : {};
  const run = spawnSync('python3', ['-c', NUMPY, file, String(n), String(reps)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...threads },
  });
  if (run.error) return { error: `python3 unavailable (${run.error.message})` };
  if (run.status !== 0) return { error: `python3/numpy failed: ${run.stderr.trim().split('\n').pop() ?? ''}` };
  return JSON.parse(run.stdout);
}

/** max |A V - V diag(values)| / max |values| and max |V'V - I| (O(n^3): sampled columns when large). */
function accuracy(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): { residual: number; orthogonality: number } {
  const step = Math.max(1, Math.floor(n / 64));
  const scale = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]), Number.MIN_VALUE);
  let residual = 0;
  let orthogonality = 0;
  const col = new Float64Array(n);
  for (let k = 0; k < n; k += step) {
    for (let r = 0; r < n; r++) col[r] = vectors[r * n + k];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * col[j];
      residual = Math.max(residual, Math.abs(s - values[k] * col[i]) / scale);
    }
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += vectors[r * n + l] * col[r];
      orthogonality = Math.max(orthogonality, Math.abs(s - (l === k ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

export async function benchEigen(options: EigenBenchOptions = {}): Promise<BenchRow[]> {
  const sizes = options.sizes ?? [256, 1024, 2048];
  const dir = mkdtempSync(join(tmpdir(), 'convergent-eigen-'));
  // Warm-up: compile and tier up the WASM.
  for (let k = 0; k < 3; k++) await symmetricEigen(symmetricUniform(160, 3 + k), 160);
  const rows: BenchRow[] = [];
  try {
    for (const n of sizes) {
      const a = symmetricUniform(n, 1000 + n);
      const reps = repsFor(n);
      let ours = Infinity;
      let res = await symmetricEigen(a, n);
      for (let k = 0; k < reps; k++) {
        const t = performance.now();
        res = await symmetricEigen(a, n);
        ours = Math.min(ours, performance.now() - t);
      }
      const notes: string[] = [];
      const acc = accuracy(a, n, res.values, res.vectors);
      notes.push(`residual ${acc.residual.toExponential(1)}, orthogonality ${acc.orthogonality.toExponential(1)}`);
      const file = join(dir, `a-${n}.f64`);
      writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const others: Record<string, number | null> = {};
      for (const [key, oneThread] of [[NUMPY_ALL, false], [NUMPY_ONE, true]] as const) {
        const np = timeNumpy(file, n, reps, oneThread);
        if ('error' in np) {
          others[key] = null;
          notes.push(`numpy: ${np.error}`);
          continue;
        }
        others[key] = np.ms;
        if (oneThread) continue;
        let diff = 0;
        for (let k = 0; k < n; k++) diff = Math.max(diff, Math.abs(np.values[k] - res.values[k]));
        notes.push(`max |eigenvalue - numpy's| ${diff.toExponential(1)}`);
      }
      rmSync(file, { force: true });
      rows.push({ name: 'symmetric eigen-decomposition (values and vectors)', size: `${n} x ${n}`, ours_ms: ours, others, notes });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A markdown table of the rows. */
export function formatEigenTable(rows: BenchRow[]): string {
  const lines = [
    '| n | ours (WASM, 1 thread) ms | numpy.linalg.eigh ms | ratio | numpy, 1 BLAS thread ms | ratio | notes |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const ms = (x: number | null | undefined) => (x == null ? '-' : x.toFixed(1));
  const ratio = (ours: number, x: number | null | undefined) => (x == null ? '-' : `${(ours / x).toFixed(2)}x`);
  for (const r of rows) {
    const all = r.others[NUMPY_ALL];
    const one = r.others[NUMPY_ONE];
    lines.push(`| ${r.size} | ${ms(r.ours_ms)} | ${ms(all)} | ${ratio(r.ours_ms, all)} | ${ms(one)} | ${ratio(r.ours_ms, one)} | ${(r.notes ?? []).join('; ')} |`);
  }
  return lines.join('\n');
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  console.log(formatEigenTable(await benchEigen(sizes.length > 0 ? { sizes } : {})));
}
