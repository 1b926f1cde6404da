// `npm run bench`: every benchmark in one run on this machine, with the ratio against the tool a
// user would otherwise pick (numpy for moments, scipy and npm packages for the assignment).
// Prints markdown ready for BENCHMARKS.md. Timing lives here, never in tests.
//
// Each part runs in its own child process (`main.js --part NAME`), so one backend's native state
// (Dawn's threads, worker pools) cannot disturb another part's timing or take the run down.
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAccumulator, formatAccumulatorTable } from './accumulator.js';
import { formatAssignmentTable, benchAssignment } from './assignment.js';
import { benchEigen, formatEigenTable } from './eigen.js';
import { benchLassoTolerances, formatLassoTable } from './lasso.js';
import { benchMomentsAlternated, formatMomentsTable, type AlternatedMoments } from './moments-alternated.js';
import { benchWasmMoments } from './moments-wasm.js';
import { benchWebGpuMoments, type WebGpuMomentBench } from './moments-webgpu.js';
import type { BenchRow } from './types.js';

const parts: Record<string, () => Promise<unknown>> = {
  moments: () => benchMomentsAlternated(),
  'wasm-moments': () => benchWasmMoments(),
  'webgpu-moments': () => benchWebGpuMoments(),
  accumulate: () => benchAccumulator(),
  assignment: () => benchAssignment(),
  eigen: () => benchEigen(),
  lasso: () => benchLassoTolerances(),
  // Forward passes, probe memory and training: imported when their part runs, so each child loads
  // only its own runtime (onnxruntime, Dawn, worker pools).
  'forward-wasm': async () => (await import('./forward-ours.js')).benchOurForward('wasm'),
  'forward-webgpu': async () => (await import('./forward-ours.js')).benchOurForward('webgpu'),
  'forward-ort-web-1': async () => (await import('./forward-ort.js')).benchOrtWebForward(1),
  'forward-ort-web-2': async () => (await import('./forward-ort.js')).benchOrtWebForward(2),
  'forward-ort-node': async () => (await import('./forward-ort.js')).benchOrtNodeForward(),
  'memory-1000': async () => (await import('./memory-probe.js')).benchProbeMemory(1000),
  'memory-10000': async () => (await import('./memory-probe.js')).benchProbeMemory(10000),
  'memory-alexnet-fc6-1000': async () => (await import('./memory-probe.js')).benchAlexnetFc6Memory(1000),
  'memory-alexnet-fc6-3000': async () => (await import('./memory-probe.js')).benchAlexnetFc6Memory(3000),
  'probe-memory-2048': async () => (await import('./probe-memory-state.js')).benchProbeStateMemory(2048),
  'probe-memory-4096': async () => (await import('./probe-memory-state.js')).benchProbeStateMemory(4096),
  'merge-parts': async () => (await import('./merge-shards.js')).benchMerge(),
  'shard-throughput': async () => (await import('./merge-shards.js')).benchShardThroughput(),
  'error-bars-lenet': async () => (await import('./error-bars.js')).benchErrorBarsLenet(),
  'error-bars-alexnet': async () => (await import('./error-bars.js')).benchErrorBarsAlexnet(),
  // Training: one part per setting, so that the section can alternate ours and PyTorch's.
  'train-ours-main': async () => (await import('./train-ours.js')).benchOurTraining('main'),
  'train-ours-pair': async () => (await import('./train-ours.js')).benchOurTraining('pair'),
  'train-ours-four': async () => (await import('./train-ours.js')).benchOurTraining('four'),
  'train-torch-1x1': async () => (await import('./train-ours.js')).benchTorchPart({ threads: 1, processes: 1 }),
  'train-torch-2x1': async () => (await import('./train-ours.js')).benchTorchPart({ threads: 2, processes: 1 }),
  'train-torch-1x2': async () => (await import('./train-ours.js')).benchTorchPart({ threads: 1, processes: 2 }),
  'web-page': async () => (await import('./web-page.js')).benchWebPage(),
  'deconv-views': async () => (await import('./deconv-views.js')).benchDeconvViews(),
  // The study benchmark's in-process parts (bench/study.ts; their config comes through the environment).
  'study-ours-forward': async () => (await import('./study-ours.js')).oursForwardPart(),
  'study-ours-align': async () => (await import('./study-ours.js')).oursAlignPart(),
  'study-ort-forward': async () => (await import('./study-python.js')).ortForwardPart(),
  // Clustering and sparse prediction at AlexNet size (bench/methods-at-scale.ts; the step comes through the environment).
  'methods-scale-step': async () => (await import('./methods-at-scale.js')).methodsScalePart(),
};

const MARK = '@@bench-json@@';
const args = process.argv.slice(2);
const partIndex = args.indexOf('--part');

if (partIndex >= 0) {
  const name = args[partIndex + 1];
  const result = await parts[name]();
  process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
} else {
  await runAll(args);
}

/**
 * What a failed part's stderr says: the first error line (Node prints an uncaught error's message,
 * then its stack and properties, then its version) and the last lines, Dawn's warnings left out.
 */
function failureOf(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/Vulkan|BackendVk|artificially/.test(l));
  const first = lines.find((l) => /^(\w*Error|Uncaught|FATAL)\b|\bE[A-Z]{3,}\b:/.test(l.trim()));
  const tail = lines.slice(-3);
  return [...(first && !tail.includes(first) ? [first, '...'] : []), ...tail].join(' | ');
}

function runPart<T>(name: string): T | { error: string } {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--part', name], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) return { error: `exit ${r.status ?? r.signal}: ${failureOf(r.stderr)}` };
  return JSON.parse(line.slice(MARK.length)) as T;
}

function momentsSection(): string {
  const lines = ['### Moment reduction (centred co-moment of a batch, GFLOP/s counting 2 n d^2)', ''];
  // WebGPU first, in a process of its own (Dawn's threads must not share the alternated rounds).
  const gpu = runPart<WebGpuMomentBench[]>('webgpu-moments');
  const alternated = runPart<AlternatedMoments>('moments');
  if ('error' in alternated) lines.push(`moments: not measured (${alternated.error})`);
  else lines.push(...formatMomentsTable(alternated, 'error' in gpu ? [] : gpu, cpus().length));
  if ('error' in gpu) lines.push(`webgpu-moments: not measured (${gpu.error})`);
  return lines.join('\n');
}

/**
 * One part's section: `### title` over its table, or `### short` and why it was not measured. Parts
 * run in a child process each (runPart), so a crash in one leaves the others measured.
 */
function partSection<T extends object>(part: string, short: string, title: string, body: (rows: T) => string[]): string {
  const r = runPart<T>(part);
  if ('error' in r) return `### ${short}\n\nnot measured (${r.error})`;
  return [`### ${title}`, '', ...body(r)].join('\n');
}

// A declaration, not a const: runAll runs (top-level await above) before a const here is initialised.
function fenced(text: string): string[] {
  return ['```', text, '```'];
}

function accumulateSection(): string {
  return partSection<Parameters<typeof formatAccumulatorTable>[0]>('accumulate', 'Probe accumulation', 'Probe accumulation: shift, range guard and merge around the kernel (WASM, one thread)', (r) => [formatAccumulatorTable(r)]);
}

function assignmentSection(): string {
  return partSection<BenchRow[]>('assignment', 'Linear sum assignment', 'Linear sum assignment (dense, maximize, values in [-1, 1])', (r) => fenced(formatAssignmentTable(r)));
}

function eigenSection(): string {
  return partSection<Parameters<typeof formatEigenTable>[0]>('eigen', 'Symmetric eigensolver', 'Symmetric eigensolver (WASM, one thread) vs numpy.linalg.eigh', (r) => [formatEigenTable(r)]);
}

function lassoSection(): string {
  return partSection<BenchRow[]>('lasso', 'LASSO path', 'LASSO path from moments (WASM, one thread) vs scikit-learn lasso_path', (r) => fenced(formatLassoTable(r)));
}

async function runAll(only: string[]): Promise<void> {
  const want = (name: string) => only.length === 0 || only.includes(name);
  const header = `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`;
  console.log(header + '\n');
  if (want('moments')) console.log(momentsSection() + '\n');
  if (want('accumulate')) console.log(accumulateSection() + '\n');
  if (want('assignment')) console.log(assignmentSection() + '\n');
  if (want('eigen')) console.log(eigenSection() + '\n');
  if (want('lasso')) console.log(lassoSection() + '\n');
  if (want('forward')) console.log((await import('./forward-report.js')).forwardSection(runPart) + '\n');
  if (want('memory')) console.log((await import('./memory-probe.js')).memorySection(runPart) + '\n');
  if (want('probe-memory')) console.log((await import('./probe-memory-state.js')).probeStateMemorySection(runPart) + '\n');
  if (want('merge')) console.log((await import('./merge-shards.js')).mergeShardsSection(runPart) + '\n');
  if (want('error-bars')) console.log((await import('./error-bars.js')).errorBarsSection(runPart) + '\n');
  if (want('train')) console.log((await import('./train-ours.js')).trainSection(runPart) + '\n');
  if (want('web')) console.log((await import('./web-page.js')).webPageSection(runPart) + '\n');
  if (want('views')) console.log((await import('./deconv-views.js')).deconvViewsSection(runPart) + '\n');
  // Long (minutes per size): only when named, `npm run bench -- methods [--sizes 4096,8192] [--full]`.
  if (only[0] === 'methods') console.log((await import('./methods-at-scale.js')).methodsAtScaleSection(runPart, only) + '\n');
  // Long (tens of minutes at its defaults): only when named, `npm run bench -- study [--images N] ...`.
  if (only[0] === 'study') console.log((await (await import('./study.js')).studySection(runPart, only)) + '\n');
}
