// Memory of the streaming probe: the real `probe --data mnist` path (src/probe/forward-probe.ts
// probeOnnx, default backend and options: top-9 records and their patches) on two random LeNets,
// over the first 1,000 or all 10,000 MNIST digits. Each size runs in its own child process, so
// the peak resident set (process.resourceUsage().maxRSS) is that probe's alone. The state kept per
// layer is D x D (D the units of both nets), so the peak must not grow with the number of images.
// The AlexNet-shaped rows (issue 15) probe one fc6-sized activation-file layer of four nets (4 x
// 4,096 units, D = 16,384: a 2 GiB state, the layer that once met WASM's 4 GiB ceiling) over
// 1,000 and 3,000 samples (./probe-memory-state.ts), with the peak against that state.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/backend/select.js';
import { openImageSource } from '../src/inputs/data/source.js';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { probeOnnx } from '../src/probe/forward-probe.js';
import { lenet } from './forward-models.js';
import { benchProbeStateMemory, formatProbeStateMemoryTable, type ProbeStateMemoryResult } from './probe-memory-state.js';
import type { RunPart } from './types.js';

/** The AlexNet-shaped memory rows: fc6 of four nets, at these sample counts (bench parts `memory-alexnet-fc6-N`). */
export const ALEXNET_FC6 = { nets: 4, units: 4096, samples: [1000, 3000] };

export function benchAlexnetFc6Memory(samples: number): Promise<ProbeStateMemoryResult> {
  return benchProbeStateMemory(ALEXNET_FC6.units, ALEXNET_FC6.nets, samples);
}

export interface ProbeMemoryResult {
  items: number;
  /** Peak resident set of the whole process, MiB. */
  peakRssMiB: number;
  /** Resident set after the imports, before the probe, MiB. */
  startRssMiB: number;
  seconds: number;
  backend: string;
}

export async function benchProbeMemory(items: number): Promise<ProbeMemoryResult> {
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-memory-'));
  const backend = await createBackend('auto', { cpuName: cpus()[0]?.model?.trim() });
  try {
    const nets = [1, 2].map((seed) => ({ name: `lenet${seed}`, path: join(dir, `lenet${seed}.onnx`) }));
    for (const [k, net] of nets.entries()) await writeFile(net.path, encodeOnnx(lenet(k + 1).model));
    const data = await openImageSource('mnist', { itemShape: [1, 28, 28], split: `0:${items}` });
    const started = performance.now();
    try {
      await probeOnnx({ nets, data, dataLabel: `mnist (0:${items})`, out: join(dir, 'run'), backend });
    } finally {
      await data.close();
    }
    const seconds = (performance.now() - started) / 1000;
    // maxRSS is in kibibytes.
    return { items, peakRssMiB: process.resourceUsage().maxRSS / 1024, startRssMiB, seconds, backend: backend.description };
  } finally {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatProbeMemoryTable(results: ProbeMemoryResult[]): string {
  const lines = [
    '| images | peak RSS (MiB) | RSS before the probe (MiB) | probe time (s) | images/s |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.items} | ${r.peakRssMiB.toFixed(0)} | ${r.startRssMiB.toFixed(0)} | ${r.seconds.toFixed(1)} | ${(r.items / r.seconds).toFixed(0)} |`),
  ];
  if (results.length === 2) {
    const [a, b] = results;
    lines.push('', `Peak RSS at ${b.items} images / at ${a.items}: ${(b.peakRssMiB / a.peakRssMiB).toFixed(3)} (${(b.peakRssMiB - a.peakRssMiB).toFixed(1)} MiB apart). Backend: ${a.backend}.`);
  }
  return lines.join('\n');
}

/** Runs each of `names` in its own process: their results, and a note for each that failed. */
function runEach<T extends object>(runPart: RunPart, names: string[], notes: string[]): T[] {
  const results: T[] = [];
  for (const name of names) {
    const r = runPart<T>(name);
    if ('error' in r) notes.push(`${name}: not measured (${r.error})`);
    else results.push(r);
  }
  return results;
}

/** Runs the LeNet probe over 1,000 and 10,000 digits and the AlexNet fc6-shaped layer, each in its own process; the markdown section. */
export function memorySection(runPart: RunPart): string {
  const notes: string[] = [];
  const lenet = runEach<ProbeMemoryResult>(runPart, ['memory-1000', 'memory-10000'], notes);
  const alexnet = runEach<ProbeStateMemoryResult>(runPart, ALEXNET_FC6.samples.map((n) => `memory-alexnet-fc6-${n}`), notes);
  return [
    '### Memory of the streaming probe (two LeNets, MNIST, the three ReLUs, top-9 records and patches)',
    '',
    formatProbeMemoryTable(lenet),
    '',
    `AlexNet-shaped: one fc6-sized activation-file layer of ${ALEXNET_FC6.nets} nets (${ALEXNET_FC6.nets} x ${ALEXNET_FC6.units} units), the probe's peak against the joint D x D float64 state:`,
    '',
    formatProbeStateMemoryTable(alexnet),
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}
