// `npm run bench`: every benchmark in one run on this machine, with the ratio against the tool a
// user would otherwise pick (numpy for moments, scipy and npm packages for the assignment).
// Prints markdown tables ready for BENCHMARKS.md. Timing lives here, never in tests.
import { cpus, totalmem } from 'node:os';
import { formatAssignmentTable, benchAssignment } from './assignment.js';
import { benchNumpyMoments } from './moments-numpy.js';
import { benchWasmMoments } from './moments-wasm.js';
import { benchWebGpuMoments } from './moments-webgpu.js';
import { acquireGpu } from '../src/platform/webgpu.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

async function momentsSection(): Promise<string> {
  const lines = ['### Moment reduction (centred co-moment of a batch, GFLOP/s counting 2 n d^2)', ''];
  const rows: { name: string; d: number; n: number; gflops: number }[] = [];
  rows.push(...(await benchWasmMoments()));
  const gpu = await acquireGpu({ allowSoftware: true });
  let device = 'none';
  if (gpu) {
    device = gpu.label;
    gpu.release();
    rows.push(...(await benchWebGpuMoments()));
  }
  const sizes = [...new Map(rows.map((r) => [r.d, { d: r.d, n: Math.min(r.n, 65536) }])).values()];
  const numpy = benchNumpyMoments(sizes);
  lines.push(`WebGPU adapter: ${device}`, '');
  lines.push('| kernel | d | n | GFLOP/s | vs numpy float32 | vs numpy float64 |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  const ref = (d: number, dtype: string) => numpy?.find((r) => r.d === d && r.dtype === dtype)?.gflops;
  for (const r of rows) {
    const f32 = ref(r.d, 'float32');
    const f64 = ref(r.d, 'float64');
    lines.push(`| ${r.name} | ${r.d} | ${r.n} | ${r.gflops.toFixed(1)} | ${f32 ? `${(r.gflops / f32).toFixed(2)}x` : '-'} | ${f64 ? `${(r.gflops / f64).toFixed(2)}x` : '-'} |`);
  }
  if (numpy) for (const r of numpy) lines.push(`| numpy ${r.dtype} (x - mean).T @ (x - mean) | ${r.d} | ${r.n} | ${r.gflops.toFixed(1)} | | |`);
  else lines.push('', 'numpy: not available (python3 with numpy not found), no ratio measured');
  return lines.join('\n');
}

async function assignmentSection(): Promise<string> {
  const rows = await benchAssignment();
  return ['### Linear sum assignment (dense, maximize, values in [-1, 1])', '', '```', formatAssignmentTable(rows), '```'].join('\n');
}

const header = `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`;
console.log(header + '\n');
if (want('moments')) console.log((await momentsSection()) + '\n');
if (want('assignment')) console.log((await assignmentSection()) + '\n');
