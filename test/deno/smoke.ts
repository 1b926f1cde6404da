// Deno smoke test: the compiled kernels (dist/, from `tsc -p tsconfig.json`) load and run in Deno
// as they do in Node. Run by test/deno/deno-smoke.test.ts; by hand:
//   npx deno run --allow-read --allow-env test/deno/smoke.ts
// Prints one JSON line and exits non-zero on any failure.
import { batchMomentsReference, createReferenceMomentKernel } from '../../dist/src/kernels/moments/reference.js';
import { createWebGpuMomentKernel } from '../../dist/src/kernels/moments/webgpu.js';
import { wasmModule } from '../../dist/src/kernels/wasm-module.js';
import { acquireGpu, withGpuErrorScope } from '../../dist/src/platform/webgpu.js';

interface BatchMoments {
  d: number;
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

function batch(d: number, n: number): Float32Array {
  const data = new Float32Array(d * n);
  let state = 2024;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // Units share a common component so that co-moments are not all near zero.
    data[i] = (state / 4294967296 - 0.5) + 0.5 * Math.sin((i % n) * 0.37) + (i / n) * 0.1;
  }
  return data;
}

function worstRelativeError(got: BatchMoments, want: BatchMoments): number {
  const { d } = want;
  let worst = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt(want.m2[i * d + i] * want.m2[j * d + j]) || 1;
      worst = Math.max(worst, Math.abs(got.m2[i * d + j] - want.m2[i * d + j]) / scale);
    }
    worst = Math.max(worst, Math.abs(got.mean[i] - want.mean[i]) / (Math.abs(want.mean[i]) + 1));
  }
  return worst;
}

const report: Record<string, unknown> = { runtime: `deno ${Deno.version.deno}` };
let failed = false;

// The reference kernel.
const d = 33;
const n = 300;
const data = batch(d, n);
const want = batchMomentsReference(data, d, n);
const reference = createReferenceMomentKernel();
const viaKernel = await reference.batchMoments(data, d, n);
report.reference = { name: reference.name, error: worstRelativeError(viaKernel, want) };
if (worstRelativeError(viaKernel, want) !== 0) failed = true;

// The embedded WASM module compiles.
const module = await wasmModule();
const exports = WebAssembly.Module.exports(module).map((e) => e.name);
report.wasm = { exports: exports.length, hasMemory: exports.includes('memory') };
if (!exports.includes('memory')) failed = true;

// The WebGPU moment kernel, when Deno finds an adapter.
const gpu = await acquireGpu({ allowSoftware: true });
if (gpu) {
  try {
    const kernel = createWebGpuMomentKernel(gpu);
    try {
      const got = await withGpuErrorScope(gpu.device, () => kernel.batchMoments(data, d, n));
      const error = worstRelativeError(got, want);
      report.webgpu = { label: gpu.label, kernel: kernel.name, error };
      if (!(error < 1e-5)) failed = true;
    } finally {
      await kernel.dispose();
    }
  } catch (e) {
    report.webgpu = { label: gpu.label, error: String(e) };
    failed = true;
  } finally {
    gpu.release();
  }
} else {
  report.webgpu = null;
}

report.ok = !failed;
console.log(JSON.stringify(report));
if (failed) Deno.exit(1);
