// Clustering and sparse prediction at AlexNet size (issue 15, "Every method at this size"): a pair
// of fc6 layers is an 8,192-unit joint matrix, four nets' fc6 16,384 units. `npm run bench --
// methods [--sizes 4096,8192,16384] [--parts spectral,hac,sparse-prediction] [--full]` times, per size, each step in a child process of its
// own (so that its peak RSS is its own), ours and the Python tool alternately on the same data:
//
//   spectral  the eigengap rule's 33 smallest eigenpairs of the normalised Laplacian of the r^2
//             affinity and the k eigenvectors it picks (src/align/cluster/affinity.ts: block
//             Lanczos from 1,536 units), then k-means (10 seedings); against
//             scipy.sparse.linalg.eigsh(M, k=33, which='LA') on the same normalised affinity
//             (ARPACK, tol 0), the affinity and normalisation timed on both sides. `--full` also
//             times the full decomposition (before issue 15), at 4,096 units only unless asked;
//   hac       average linkage of 1 - r (src/align/cluster/hac.ts, nearest-neighbour chain) against
//             scipy.cluster.hierarchy.linkage(squareform(1 - r), 'average'), the distances built on
//             both sides; and with the eigengap rule's spectrum (values only), as `hac` runs by default;
//   lasso     sparse prediction's path (alphas 1e-1 .. 1e-5, standardized) at 4,096 predictors, on
//             a sample of targets (the time per target is what scales; the 4,096-target figure is
//             extrapolated and says so), 300 samples (fewer than units: singular Gram) and 5,000,
//             against scikit-learn's lasso_path with the precomputed Gram, both at its default
//             tolerance 1e-4.
//
// Data: a factor model (seeded xorshift): each unit loads on 4 of 64 shared factors with normal
// weights plus noise, so correlations are structured but not clustered into a few blocks; its
// correlation matrix is built exactly (no sampling), written to a temporary file that the Python
// side reads. LASSO's data is bench/lasso-data.ts's. Figures depend on the machine's load: the
// section prints it.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certainEigengapK, eigengapCount, laplacianSpectrum, spectralEmbedding } from '../src/align/cluster/affinity.js';
import { averageLinkage } from '../src/align/cluster/hac.js';
import { kmeans } from '../src/align/cluster/kmeans.js';
import { lassoPath, lassoProblemFromMoments } from '../src/kernels/lasso/index.js';
import { gramInverseWasm } from '../src/kernels/lasso/wasm.js';
import { loadLine } from './alternation.js';
import { correlatedData, momentsOf, Rng } from './lasso-data.js';
import type { RunPart } from './types.js';

const STEP_ENV = 'CONVERGENT_SCALE_STEP';
const LASSO_ALPHAS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
const LASSO_TARGETS = 8;

interface Step {
  method: 'spectral' | 'hac' | 'lasso';
  variant: string;
  n: number;
  /** Samples (lasso) */
  samples?: number;
  dir: string;
}

export interface ScaleResult {
  seconds: number;
  maxRssMiB: number;
  note: string;
}

/** n x n correlations of the factor model (see the header), exactly symmetric, unit diagonal. */
export function factorCorrelation(n: number, seed = 1, factors = 64, perUnit = 4, noise = 0.6): Float64Array {
  const g = new Rng(seed);
  const f = new Float64Array(n * factors);
  for (let i = 0; i < n; i++) for (let k = 0; k < perUnit; k++) f[i * factors + Math.floor(g.uniform() * factors)] += g.normal();
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = noise * noise;
    for (let k = 0; k < factors; k++) s += f[i * factors + k] ** 2;
    scale[i] = 1 / Math.sqrt(s);
  }
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const fi = i * factors;
    for (let j = 0; j < i; j++) {
      let s = 0;
      const fj = j * factors;
      for (let k = 0; k < factors; k++) s += f[fi + k] * f[fj + k];
      c[i * n + j] = c[j * n + i] = s * scale[i] * scale[j];
    }
    c[i * n + i] = 1;
  }
  return c;
}

function corrFile(step: Step): string {
  return join(step.dir, `corr-${step.n}.f64`);
}

/** Node reads and writes at most 2 GiB per call: 16,384^2 float64 take two. */
const IO_CHUNK = 2 ** 30;

/** The correlation matrix of the step's size, from the shared file (written by the first step). */
function correlationFor(step: Step): Float64Array {
  const file = corrFile(step);
  if (existsSync(file)) {
    const c = new Float64Array(step.n * step.n);
    const bytes = new Uint8Array(c.buffer);
    const fd = openSync(file, 'r');
    for (let at = 0; at < bytes.length; at += IO_CHUNK) readSync(fd, bytes, at, Math.min(IO_CHUNK, bytes.length - at), at);
    closeSync(fd);
    return c;
  }
  const c = factorCorrelation(step.n);
  const bytes = new Uint8Array(c.buffer);
  const fd = openSync(file, 'w');
  for (let at = 0; at < bytes.length; at += IO_CHUNK) writeSync(fd, bytes, at, Math.min(IO_CHUNK, bytes.length - at), at);
  closeSync(fd);
  return c;
}

async function oursSpectral(step: Step): Promise<{ seconds: number; note: string }> {
  const n = step.n;
  const corr = correlationFor(step);
  const count = eigengapCount(n, 32);
  const t0 = performance.now();
  const spectrum = await laplacianSpectrum(corr, n, 'square', {
    count,
    solver: step.variant === 'full' ? 'full' : 'auto',
    vectors: (values, errors, final) => certainEigengapK(values, errors, 32, n, final),
  });
  const k = spectrum.vectorCount;
  kmeans(spectralEmbedding(spectrum, n, k), n, k, k, { seed: 0, nInit: 10 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, note: `${spectrum.solver}${spectrum.krylovDimension ? ` (basis ${spectrum.krylovDimension})` : ''}, eigengap k ${k}, lambda_2 ${spectrum.laplacian[1].toFixed(6)}` };
}

async function oursHac(step: Step): Promise<{ seconds: number; note: string }> {
  const n = step.n;
  const corr = correlationFor(step);
  const t0 = performance.now();
  let note = '';
  if (step.variant === 'eigengap') {
    let chosen = 1;
    const spectrum = await laplacianSpectrum(corr, n, 'positive-square', {
      count: eigengapCount(n, 32),
      vectors: (values, errors, final) => {
        const pick = certainEigengapK(values, errors, 32, n, final);
        if (pick !== null) chosen = pick;
        return pick === null ? null : 0;
      },
    });
    note = `eigengap k ${chosen} (${spectrum.solver}), `;
  }
  const dist = corr.slice();
  for (let i = 0; i < n * n; i++) dist[i] = Math.max(0, 1 - dist[i]);
  const z = averageLinkage(dist, n);
  return { seconds: (performance.now() - t0) / 1000, note: `${note}top merge height ${z.height[n - 2].toFixed(6)}` };
}

function lassoData(step: Step) {
  const data = correlatedData(step.samples!, step.n, LASSO_TARGETS, 1);
  const file = join(step.dir, `lasso-${step.n}-${step.samples}.f64`);
  if (!existsSync(file)) writeFileSync(file, new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength));
  return { data, file };
}

async function oursLasso(step: Step): Promise<{ seconds: number; note: string }> {
  const { data } = lassoData(step);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const problem = lassoProblemFromMoments(momentsOf(data), range(0, step.n), range(step.n, step.n + LASSO_TARGETS));
  // G^-1 (O(d^3), for the Newton steps) is computed once per direction for all its targets
  // (src/align/methods/lasso-in-slices.ts): timed apart, not in the per-target time.
  const t0 = performance.now();
  const inverse = await gramInverseWasm(problem.gram, step.n);
  const setup = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const path = await lassoPath(problem, LASSO_ALPHAS, { tol: 1e-4, gramInverse: inverse });
  const seconds = (performance.now() - t1) / 1000;
  let sweeps = 0;
  for (const it of path.iterations) for (const x of it) sweeps += x;
  return { seconds, note: `converged ${path.converged}, ${sweeps} sweeps; G^-1 (once per direction, not in the time) ${setup.toFixed(1)} s${inverse ? '' : ' (G singular: none)'}` };
}

const PYTHON = `
import json, sys, time
import numpy as np
step = json.loads(sys.argv[1])
n = step['n']
if step['method'] == 'spectral':
    from scipy.sparse.linalg import eigsh
    c = np.fromfile(f"{step['dir']}/corr-{n}.f64").reshape(n, n)
    t = time.perf_counter()
    w = c * c
    np.fill_diagonal(w, 0.0)
    d = 1.0 / np.sqrt(w.sum(axis=1))
    w *= d[:, None]
    w *= d[None, :]
    vals, vecs = eigsh(w, k=33, which='LA', v0=np.ones(n))
    s = time.perf_counter() - t
    note = f"eigsh k=33, 1 - lambda_2 {1 - np.sort(vals)[::-1][1]:.6f}"
elif step['method'] == 'hac':
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform
    c = np.fromfile(f"{step['dir']}/corr-{n}.f64").reshape(n, n)
    t = time.perf_counter()
    dist = np.maximum(0.0, 1.0 - c)
    np.fill_diagonal(dist, 0.0)
    z = linkage(squareform(dist, checks=False), method='average')
    s = time.perf_counter() - t
    note = f"top merge height {z[-1, 2]:.6f}"
else:
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import lasso_path
    m, T = step['samples'], step['targets']
    x = np.fromfile(f"{step['dir']}/lasso-{n}-{m}.f64").reshape(n + T, m).T
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    X = np.asfortranarray(z[:, :n]); Y = z[:, n:]
    G = X.T @ X; Xy = X.T @ Y
    warnings.simplefilter('ignore', ConvergenceWarning)
    t = time.perf_counter()
    for j in range(T):
        lasso_path(X, Y[:, j], alphas=np.array(step['alphas']), precompute=G, Xy=Xy[:, j], tol=1e-4, max_iter=100000)
    s = time.perf_counter() - t
    note = 'lasso_path, precomputed Gram, tol 1e-4'
import resource
print(json.dumps({'seconds': s, 'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'note': note}))
`;

/** One step in this (child) process: the step comes through the environment (see methodsAtScaleSection). */
export async function methodsScalePart(): Promise<ScaleResult> {
  const step = JSON.parse(process.env[STEP_ENV] ?? '{}') as Step;
  let r: { seconds: number; note: string };
  if (step.variant === 'python') {
    // Prepare the shared data files first (as the first step would), then time the Python tool.
    if (step.method === 'lasso') lassoData(step);
    else correlationFor(step);
    const py = spawnSync('python3', ['-c', PYTHON, JSON.stringify({ ...step, targets: LASSO_TARGETS, alphas: LASSO_ALPHAS })], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status !== 0) throw new Error(`python: ${py.stderr.split('\n').slice(-3).join(' ')}`);
    return JSON.parse(py.stdout.trim().split('\n').pop()!) as ScaleResult;
  } else if (step.method === 'spectral') r = await oursSpectral(step);
  else if (step.method === 'hac') r = await oursHac(step);
  else r = await oursLasso(step);
  return { ...r, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function sizesFrom(args: string[]): number[] {
  const i = args.indexOf('--sizes');
  return i >= 0 ? args[i + 1].split(',').map(Number) : [4096, 8192, 16384];
}

/** The `methods` section: every step alternated ours / Python per size (one round: minutes each at 16,384). */
export function methodsAtScaleSection(runPart: RunPart, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-scale-'));
  const full = args.includes('--full');
  const partsAt = args.indexOf('--parts');
  const wanted = new Set(partsAt >= 0 ? args[partsAt + 1].split(',') : ['spectral', 'hac', 'sparse-prediction']);
  const lines = [
    '### Clustering and sparse prediction at AlexNet size (one thread, one round each, ours then the Python tool)',
    '',
    `${loadLine()} at the start.`,
    '',
    '| method | units | ours | s | peak RSS | Python | s | peak RSS | ratio (theirs / ours) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const run = (step: Omit<Step, 'dir'>): ScaleResult | { error: string } => {
    process.env[STEP_ENV] = JSON.stringify({ ...step, dir });
    return runPart<ScaleResult>('methods-scale-step');
  };
  const cell = (r: ScaleResult | { error: string }) => ('error' in r ? ['—', '—'] : [r.seconds.toFixed(2), `${(r.maxRssMiB / 1024).toFixed(2)} GB`]);
  const row = (method: string, units: string, ours: ScaleResult | { error: string }, oursLabel: string, theirs: ScaleResult | { error: string } | null, theirsLabel: string) => {
    const ratio = theirs && !('error' in theirs) && !('error' in ours) ? `${(theirs.seconds / ours.seconds).toFixed(2)}x` : '—';
    lines.push(`| ${method} | ${units} | ${oursLabel} | ${cell(ours).join(' | ')} | ${theirs ? theirsLabel : '—'} | ${theirs ? cell(theirs).join(' | ') : '— | —'} | ${ratio} |`);
    for (const [who, r] of [['ours', ours], ['python', theirs]] as const) if (r) notes.push(`${method} ${units} ${who}: ${'error' in r ? `not measured (${r.error})` : r.note}`);
  };
  const notes: string[] = [];
  try {
    for (const n of wanted.has('spectral') || wanted.has('hac') ? sizesFrom(args) : []) {
      if (wanted.has('spectral')) {
        const spectral = run({ method: 'spectral', variant: 'ours', n });
        row('spectral', String(n), spectral, 'block Lanczos + k-means', run({ method: 'spectral', variant: 'python', n }), 'scipy eigsh');
        if (full && (n <= 4096 || args.includes('--full-all'))) row('spectral', String(n), run({ method: 'spectral', variant: 'full', n }), 'full eigensolver (before)', null, '');
      }
      if (wanted.has('hac')) {
        row('hac', String(n), run({ method: 'hac', variant: 'ours', n }), 'NN-chain, given k', run({ method: 'hac', variant: 'python', n }), 'scipy linkage');
        row('hac', String(n), run({ method: 'hac', variant: 'eigengap', n }), 'eigengap k + NN-chain', null, '');
      }
      rmSync(join(dir, `corr-${n}.f64`), { force: true });
    }
    for (const samples of wanted.has('sparse-prediction') ? [300, 5000] : []) {
      const ours = run({ method: 'lasso', variant: 'ours', n: 4096, samples });
      row('sparse-prediction', `4096 x ${LASSO_TARGETS} targets, ${samples} samples`, ours, 'lasso path (WASM)', run({ method: 'lasso', variant: 'python', n: 4096, samples }), 'sklearn lasso_path');
      if (!('error' in ours)) notes.push(`sparse-prediction at ${samples} samples: ${(ours.seconds / LASSO_TARGETS).toFixed(2)} s per target, so about ${((ours.seconds / LASSO_TARGETS) * 4096 * 2 / 3600).toFixed(1)} h for both directions of one fc6 pair on one thread (extrapolated)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  lines.push('', `${loadLine()} at the end.`, '', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
