// Mutual information at the paper's fc size (issue 15): the `mi-histograms` reducer counting a
// 4,096-unit layer of 2 or 4 nets (src/probe/reducers/mi-tiles.ts: from binned columns where they
// fit, else in tiles of unit pairs, or as --counting says), through the real activation-file probe
// (src/probe/probe.ts) on the WASM backend, then `align --method mi`. Reports the plan (passes),
// the time of pass 0 and of the counting (the counting passes and finish(), where columns count
// every pair and tiles reduce the last), the counting rate in pair-samples per second (unit pairs x
// samples / the counting time), the process's CPU seconds (user + system: under load the wall
// time says more about the other processes), the peak resident set and the align time. Also the
// joint histogram kernel alone on one tile (pair-samples per second).
//
//   node dist/bench/mi-tiles.js [--nets 2] [--units 4096] [--samples 300] [--limit-mb 2048] [--counting auto|columns|tiles] [--align]
//   node dist/bench/mi-tiles.js --kernel [--units 4096] [--rows 256] [--samples 300]
//
// One configuration per process, so that the peak resident set is that run's alone.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { align } from '../src/align/align.js';
import { builtinPlugin } from '../src/align/methods/builtin/index.js';
import { createBackend } from '../src/backend/select.js';
import { createWasmJointHistogramKernel } from '../src/kernels/joint-histogram/index.js';
import { PluginRegistry } from '../src/plugins/registry.js';
import { probe } from '../src/probe/probe.js';
import { miHistogramsReducer } from '../src/probe/reducers/mi-histograms.js';
import { writeLayer } from './probe-memory-state.js';


const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const counting = (() => {
  const i = args.indexOf('--counting');
  return i >= 0 ? args[i + 1] : 'auto';
})();

async function benchProbe(): Promise<void> {
  const [netCount, units, samples, limitMb, bins] = [arg('nets', 2), arg('units', 4096), arg('samples', 300), arg('limit-mb', 2048), arg('bins', 10)];
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-mi-'));
  const backend = await createBackend('wasm', { cpuName: cpus()[0]?.model?.trim() });
  try {
    const nets = Array.from({ length: netCount }, (_, k) => ({ name: `net${k + 1}`, path: join(dir, `net${k + 1}`) }));
    for (const [k, net] of nets.entries()) {
      await mkdir(net.path);
      await writeLayer(join(net.path, 'fc6.npy'), samples, units, 2000 + k);
    }
    console.log(`mi-tiles: ${netCount} nets x ${units} units, ${samples} samples, ${bins} bins, max-memory-mb ${limitMb}, counting ${counting}, WASM; load ${load()} on ${cpus().length} cores`);
    // Each pass ends at its last batch's progress (the tile reduction between passes falls in the next pass).
    const passEnds: number[] = [];
    const started = performance.now();
    const cpuStarted = cpuSeconds();
    await probe({
      nets,
      out: join(dir, 'run'),
      backend,
      topK: 0,
      reducers: [miHistogramsReducer],
      reducerOptions: { 'mi-histograms': { bins, 'max-memory-mb': limitMb, counting } },
      log: (line) => console.log(`  ${line}`),
      onProgress: (p) => {
        passEnds[p.pass ?? 0] = performance.now();
      },
    } as Parameters<typeof probe>[0]);
    const probeSeconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds() - cpuStarted;
    const passSeconds = passEnds.map((t, k) => (t - (k === 0 ? started : passEnds[k - 1])) / 1000);
    const unitPairs = (units * units * netCount * (netCount - 1)) / 2;
    // Everything after pass 0: the counting passes and finish() (columns count every pair there, tiles reduce the last).
    const countingSeconds = probeSeconds - passSeconds[0];
    const rate = (unitPairs * samples) / countingSeconds;
    console.log(
      `probe: ${probeSeconds.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, ${passEnds.length} passes (pass 0 ${passSeconds[0].toFixed(2)} s incl. the moments; counting ${countingSeconds.toFixed(1)} s: ` +
        `${passEnds.length - 1} counting passes of ${median(passSeconds.slice(1)).toFixed(2)} s median, then finish); ` +
        `${(unitPairs * samples).toExponential(2)} pair-samples at ${(rate / 1e9).toFixed(2)} G pair-samples/s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load ${load()}`,
    );
    if (args.includes('--align')) {
      const registry = new PluginRegistry();
      registry.add(builtinPlugin, 'built-in');
      const t = performance.now();
      await align({ run: join(dir, 'run'), backend, registry: registry.methods, methods: ['mi'], log: (line: string) => console.log(`  ${line}`) } as Parameters<typeof align>[0]);
      console.log(`align --method mi: ${((performance.now() - t) / 1000).toFixed(1)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load ${load()}`);
    }
  } finally {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The WASM kernel alone: `rows` units of net A against `units` of net B, ReLU-like data (a third in the zero bin). */
async function benchKernel(): Promise<void> {
  const [units, rows, samples, bins] = [arg('units', 4096), arg('rows', 256), arg('samples', 300), arg('bins', 10)];
  let state = 12345;
  const uniform = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const data = (d: number) => Float32Array.from({ length: d * samples }, () => Math.max(0, uniform() * 3 - 1));
  const edges = (d: number) => {
    const e = new Float64Array(d * (bins - 1));
    for (let u = 0; u < d; u++) for (let k = 0; k < bins - 1; k++) e[u * (bins - 1) + k] = k === 0 ? 0 : (2 * k) / (bins - 1);
    return e;
  };
  const kernel = await createWasmJointHistogramKernel({ bins, units: [rows, units], edges: [edges(rows), edges(units)], pairs: [[0, 1]] });
  const [a, b] = [data(rows), data(units)];
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    await kernel.add([a, b], samples);
    times.push((performance.now() - t) / 1000);
  }
  kernel.dispose();
  const best = Math.min(...times);
  console.log(
    `kernel (wasm, 1 thread): ${rows} x ${units} unit pairs x ${samples} samples, ${bins} bins: median ${median(times).toFixed(3)} s, best ${best.toFixed(3)} s of 5; ` +
      `${((rows * units * samples) / best / 1e9).toFixed(2)} G pair-samples/s (best), ${((rows * units * samples) / median(times) / 1e9).toFixed(2)} (median); load ${load()}`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (args.includes('--kernel')) await benchKernel();
else await benchProbe();

