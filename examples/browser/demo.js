// What both browser examples run: the joint moments of two small nets (./two-nets.js) on WASM
// SIMD workers, and on WebGPU when the browser gives an adapter; from them the correlations
// between the nets' units; then the best one-to-one matching of units (a linear sum assignment).
// The only import of the library is the bare specifier `convergent/kernels`: a bundler resolves
// it from node_modules (./bundler/), an import map names its file (./import-map/).
import { acquireGpu, createWasmMomentKernel, createWebGpuMomentKernel, linearSumAssignment } from 'convergent/kernels';
import { SAMPLES, UNITS_A, UNITS_B, crossCorrelation, matchedPairs, twoNets } from './two-nets.js';

/** Moments on one kernel, its correlations and its matching; the kernel is disposed after. */
async function alignOn(backend, kernel, nets) {
  try {
    const moments = await kernel.batchMoments(nets.data, nets.d, nets.n);
    const correlation = crossCorrelation(moments);
    const assignment = await linearSumAssignment({ data: correlation, rows: UNITS_A, cols: UNITS_B }, { maximize: true });
    return { backend, kernel: kernel.name, correlation: Array.from(correlation), pairs: matchedPairs(correlation, assignment) };
  } finally {
    await kernel.dispose();
  }
}

/** The WASM kernel on the browser's cores (at least 2 workers, to show them). */
async function onWasm(nets) {
  const threads = Math.max(2, navigator.hardwareConcurrency || 1);
  // A batch this small would stay on the page's own thread by default (workers repay only
  // n d^2 of about 2^25); ask for the workers anyway, as a large layer would use them.
  const kernel = await createWasmMomentKernel({ threads, parallelThreshold: 0, parallelMinSamples: 0 });
  return alignOn('wasm', kernel, nets);
}

/** The WebGPU kernel, or why there is none (no navigator.gpu, or no adapter). */
async function onWebGpu(nets) {
  if (!navigator.gpu) return { backend: 'webgpu', unavailable: 'this browser has no navigator.gpu' };
  const gpu = await acquireGpu();
  if (!gpu) return { backend: 'webgpu', unavailable: 'navigator.gpu gave no adapter' };
  try {
    return await alignOn('webgpu', createWebGpuMomentKernel(gpu), nets);
  } finally {
    gpu.release();
  }
}

/** Runs the example on every backend the browser has. */
export async function runDemo() {
  const nets = twoNets();
  const results = [await onWasm(nets), await onWebGpu(nets)];
  return { samples: SAMPLES, unitsA: UNITS_A, unitsB: UNITS_B, featureA: nets.featureA, featureB: nets.featureB, results };
}

function element(tag, text, attributes = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  return e;
}

/** One backend's matched pairs as a table; a pair is "planted" when both units follow the same hidden feature. */
function pairsTable(result, demo) {
  const table = element('table', undefined, { 'data-backend': result.backend });
  const head = table.appendChild(element('tr'));
  for (const title of ['net A unit', 'net B unit', 'correlation', 'planted']) head.appendChild(element('th', title));
  for (const { a, b, r } of result.pairs) {
    const row = table.appendChild(element('tr'));
    const planted = demo.featureA[a] === demo.featureB[b] ? 'yes' : '';
    for (const cell of [a, b, r.toFixed(6), planted]) row.appendChild(element('td', String(cell)));
  }
  return table;
}

/** Writes the result into `target`: a table per backend, and the whole result as JSON (full precision). */
export function showResult(demo, target) {
  target.appendChild(element('p', `${demo.unitsA} units of net A against ${demo.unitsB} of net B, ${demo.samples} samples.`));
  for (const result of demo.results) {
    target.appendChild(element('h2', result.backend === 'wasm' ? 'WASM SIMD workers' : 'WebGPU'));
    if (result.unavailable) {
      target.appendChild(element('p', `Skipped: ${result.unavailable}.`));
      continue;
    }
    target.appendChild(element('p', `Kernel: ${result.kernel}.`));
    target.appendChild(pairsTable(result, demo));
  }
  target.appendChild(element('h2', 'Result (JSON)'));
  target.appendChild(element('pre', JSON.stringify(demo, null, 1), { id: 'result-json' }));
  document.documentElement.dataset.ready = 'true';
}

/** Shows an error on the page (and in the console) instead of a result. */
export function showError(error, target) {
  console.error(error);
  target.appendChild(element('pre', `Failed: ${error?.stack ?? error}`, { id: 'error' }));
  document.documentElement.dataset.ready = 'error';
}
