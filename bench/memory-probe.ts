// Memory of the streaming probe: the real `probe --data mnist` path (src/probe/forward-probe.ts
// probeOnnx, default backend and options: top-9 records and their patches) on two random LeNets,
// over the first 1,000 or all 10,000 MNIST digits. Each size runs in its own child process, so
// the peak resident set (process.resourceUsage().maxRSS) is that probe's alone. The state kept per
// layer is D x D (D the units of both nets), so the peak must not grow with the number of images.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/backend/select.js';
import { openImageSource } from '../src/inputs/data/source.js';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { probeOnnx } from '../src/probe/forward-probe.js';
import { lenet } from './forward-models.js';
import type { RunPart } from './types.js';

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

/** Runs the probe over 1,000 and 10,000 digits, each in its own process; the markdown section. */
export function memorySection(runPart: RunPart): string {
  const results: ProbeMemoryResult[] = [];
  const notes: string[] = [];
  for (const name of ['memory-1000', 'memory-10000']) {
    const r = runPart<ProbeMemoryResult>(name);
    if ('error' in r) notes.push(`${name}: not measured (${r.error})`);
    else results.push(r);
  }
  return ['### Memory of the streaming probe (two LeNets, MNIST, the three ReLUs, top-9 records and patches)', '', formatProbeMemoryTable(results), ...notes.map((n) => `- ${n}`)].join('\n');
}
