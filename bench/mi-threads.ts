// The `mi-histograms` reducer's joint histograms counted on 1 thread against 2 (issue 15, "every
// method at this size": src/kernels/joint-histogram/parallel.ts), through the real activation-file
// probe (src/probe/probe.ts) on the WASM backend, alternated (bench/alternation.ts): a layer of
// AlexNet conv3's shape by default (384 units per net; 60 images x 13 x 13 positions = 10,140
// samples), counted whole. Per run: pass 0 (the moments and the reservoirs that place the edges,
// on the same threads) and the counting (everything after pass 0: pass 1 and finish), the counting
// rate in pair-samples per second, and the process's CPU seconds in the counting (every thread:
// under load the wall time says how much of a second core was free); medians of the rounds, with
// the load average beside them.
// `--counting columns` counts the layer from binned columns instead (the pairs counted at the end,
// on the same threads: src/kernels/joint-histogram/parallel-columns.ts), e.g. fc6's shape with
// --units 4096 --samples 300.
//
//   node dist/bench/mi-threads.js [--nets 2] [--units 384] [--samples 10140] [--bins 10] [--rounds 3] [--counting whole|columns]
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/backend/select.js';
import { probe } from '../src/probe/probe.js';
import { miHistogramsReducer } from '../src/probe/reducers/mi-histograms.js';
import { alternate, benchRounds, loadLine, median } from './alternation.js';
import { writeLayer } from './probe-memory-state.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const [netCount, units, samples, bins] = [arg('nets', 2), arg('units', 384), arg('samples', 10140), arg('bins', 10)];
const rounds = arg('rounds', benchRounds(3));
const counting = args.includes('--counting') ? args[args.indexOf('--counting') + 1] : 'whole';

/** The joint histogram kernel a run's mi-histograms result.json names (checks that the threads were used). */
async function kernelName(run: string): Promise<string> {
  for (const entry of await readdir(run, { recursive: true })) {
    if (!entry.endsWith('result.json')) continue;
    const kernel = /"kernel":\s*"([^"]*)"/.exec(await readFile(join(run, entry), 'utf8'))?.[1];
    if (kernel) return kernel;
  }
  return 'unknown';
}

/** One probe of the layer on `threads` threads: seconds of pass 0 and of the counting, and the kernel's name. */
async function probeOn(dir: string, nets: { name: string; path: string }[], threads: number, run: number): Promise<{ pass0: number; counting: number; cpu: number; kernel: string }> {
  const backend = await createBackend('wasm', { threads });
  const passEnds: number[] = [];
  let cpuAtPass1 = 0;
  const started = performance.now();
  try {
    await probe({
      nets,
      out: join(dir, `run-${run}`),
      backend,
      topK: 0,
      reducers: [miHistogramsReducer],
      reducerOptions: { 'mi-histograms': { bins, counting } },
      onProgress: (p: { pass?: number }) => {
        passEnds[p.pass ?? 0] = performance.now();
        if ((p.pass ?? 0) === 0) cpuAtPass1 = cpuSeconds();
      },
    } as Parameters<typeof probe>[0]);
  } finally {
    await backend.dispose();
  }
  const total = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuAtPass1;
  const pass0 = (passEnds[0] - started) / 1000;
  const kernel = await kernelName(join(dir, `run-${run}`));
  await rm(join(dir, `run-${run}`), { recursive: true, force: true });
  return { pass0, counting: total - pass0, cpu, kernel };
}

/** CPU seconds of this process, every thread (user + system). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-mi-threads-'));
try {
  const nets = Array.from({ length: netCount }, (_, k) => ({ name: `net${k + 1}`, path: join(dir, `net${k + 1}`) }));
  for (const [k, net] of nets.entries()) {
    await mkdir(net.path);
    await writeLayer(join(net.path, 'conv3.npy'), samples, units, 3000 + k);
  }
  const pairSamples = ((units * units * netCount * (netCount - 1)) / 2) * samples;
  console.log(`mi-threads: ${netCount} nets x ${units} units, ${samples} samples, ${bins} bins, counting ${counting} (${pairSamples.toExponential(2)} pair-samples), ${rounds} rounds alternated, ${cpus().length} cores; ${loadLine()}`);
  const pass0: Record<string, number[]> = { '1': [], '2': [] };
  let run = 0;
  const step = (threads: number) => async () => {
    const r = await probeOn(dir, nets, threads, run++);
    pass0[threads].push(r.pass0);
    console.log(`  ${threads} thread(s), kernel ${r.kernel}: pass 0 ${r.pass0.toFixed(2)} s, counting ${r.counting.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU (all threads); ${loadLine()}`);
    return r.counting;
  };
  const times = await alternate(rounds, [
    ['1 thread', step(1)],
    ['2 threads', step(2)],
  ]);
  const [one, two] = [median(times['1 thread']), median(times['2 threads'])];
  console.log(
    `counting (median of ${rounds}): 1 thread ${one.toFixed(2)} s (${(pairSamples / one / 1e9).toFixed(2)} G pair-samples/s), ` +
      `2 threads ${two.toFixed(2)} s (${(pairSamples / two / 1e9).toFixed(2)} G pair-samples/s): ${(one / two).toFixed(2)}x; ` +
      `pass 0 ${median(pass0['1']).toFixed(2)} s / ${median(pass0['2']).toFixed(2)} s; ${loadLine()}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
