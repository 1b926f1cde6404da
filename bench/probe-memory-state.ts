// Memory of the probe against the joint moment state it must keep (issue 12, Memory; issue 15, the
// 4 GiB WASM ceiling). One dense activation-file layer of two nets (units each: 2048, 4096; D =
// twice that), or of four AlexNet fc6-sized nets (4 x 4096, D = 16,384, a 2 GiB state: the memory
// bench, ./memory-probe.ts), a few thousand samples written as float32 .npy files in a temp folder, probed by
// the real `probe` path (src/probe/probe.ts) on the WASM backend. Each size runs in its own child
// process, so the peak resident set (process.resourceUsage().maxRSS) is that probe's alone; the
// ArrayBuffer and external memory (WASM memories, typed arrays) are sampled every 20 ms.
//
// The joint state is D x D float64 (8 D^2 bytes); the probe should peak below twice that plus the
// process's own start (Node, the WASM module) and the batch buffers, which do not grow with D^2.
// The files are written row chunk by row chunk, so generating them costs no memory to speak of.
import { open, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/backend/select.js';
import { encodeNpyHeader } from '../src/inputs/npy/npy-header.js';
import { probe } from '../src/probe/probe.js';
import type { RunPart } from './types.js';

/** Units per net of each measured size (D = 2 x units). */
export const PROBE_MEMORY_UNITS = [2048, 4096];
const PROBE_MEMORY_SAMPLES = 3000;
const MiB = 2 ** 20;

export interface ProbeStateMemoryResult {
  units: number;
  nets: number;
  d: number;
  samples: number;
  /** 8 D^2 bytes, MiB. */
  stateMiB: number;
  /** Resident set after the imports, the backend and the files, before the probe, MiB. */
  startRssMiB: number;
  peakRssMiB: number;
  /** Largest sampled process.memoryUsage().arrayBuffers and .external during the probe, MiB. */
  peakArrayBuffersMiB: number;
  peakExternalMiB: number;
  seconds: number;
  backend: string;
}

/** Writes `samples` x `units` float32 values with shared latent factors, a row chunk at a time. */
export async function writeLayer(path: string, samples: number, units: number, seed: number): Promise<void> {
  const header = encodeNpyHeader({ descr: '<f4', shape: [samples, units] });
  const file = await open(path, 'w');
  try {
    await file.write(header, 0, header.length, 0);
    let offset = header.length;
    let state = seed >>> 0;
    const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
    const latents = 8;
    const weights = Float32Array.from({ length: latents * units }, uniform);
    const rows = 64;
    const chunk = new Float32Array(rows * units);
    for (let s0 = 0; s0 < samples; s0 += rows) {
      const count = Math.min(rows, samples - s0);
      for (let r = 0; r < count; r++) {
        const z = Array.from({ length: latents }, uniform);
        for (let u = 0; u < units; u++) {
          let v = 0.5 * uniform();
          for (let l = 0; l < latents; l++) v += z[l] * weights[l * units + u];
          chunk[r * units + u] = Math.max(0, v);
        }
      }
      const bytes = new Uint8Array(chunk.buffer, 0, count * units * 4);
      await file.write(bytes, 0, bytes.length, offset);
      offset += bytes.length;
    }
  } finally {
    await file.close();
  }
}

/** Probes one layer of `nets` nets of `units` units each (D = nets x units) in this process. */
export async function benchProbeStateMemory(units: number, netCount = 2, samples = PROBE_MEMORY_SAMPLES): Promise<ProbeStateMemoryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-state-'));
  const backend = await createBackend('wasm', { cpuName: cpus()[0]?.model?.trim() });
  try {
    const nets = Array.from({ length: netCount }, (_, k) => ({ name: `net${k + 1}`, path: join(dir, `net${k + 1}`) }));
    for (const [k, net] of nets.entries()) {
      await mkdir(net.path);
      await writeLayer(join(net.path, 'fc.npy'), samples, units, 1000 + k);
    }
    const startRssMiB = process.memoryUsage().rss / MiB;
    let peakArrayBuffers = 0;
    let peakExternal = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
      peakExternal = Math.max(peakExternal, m.external);
    };
    const timer = setInterval(sample, 20);
    const started = performance.now();
    try {
      await probe({ nets, out: join(dir, 'run'), backend });
    } finally {
      clearInterval(timer);
      sample();
    }
    const d = netCount * units;
    return {
      units,
      nets: netCount,
      d,
      samples,
      stateMiB: (8 * d * d) / MiB,
      startRssMiB,
      // maxRSS is in kibibytes.
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      peakArrayBuffersMiB: peakArrayBuffers / MiB,
      peakExternalMiB: peakExternal / MiB,
      seconds: (performance.now() - started) / 1000,
      backend: backend.description,
    };
  } finally {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatProbeStateMemoryTable(results: ProbeStateMemoryResult[]): string {
  const x = (a: number, state: number) => `${(a / state).toFixed(2)}x`;
  return [
    '| nets x units | D | samples | state 8 D^2 (MiB) | RSS before (MiB) | peak RSS (MiB) | peak RSS / state | (peak - before) / state | peak arrayBuffers (MiB) | peak external (MiB) | probe time (s) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.nets} x ${r.units} | ${r.d} | ${r.samples} | ${r.stateMiB.toFixed(0)} | ${r.startRssMiB.toFixed(0)} | ${r.peakRssMiB.toFixed(0)} | ${x(r.peakRssMiB, r.stateMiB)} | ${x(r.peakRssMiB - r.startRssMiB, r.stateMiB)} | ${r.peakArrayBuffersMiB.toFixed(0)} | ${r.peakExternalMiB.toFixed(0)} | ${r.seconds.toFixed(1)} |`,
    ),
    '',
    `Backend: ${results[0]?.backend ?? 'not measured'}.`,
  ].join('\n');
}

/** `npm run bench -- probe-memory`: each size in its own process; the markdown section. */
export function probeStateMemorySection(runPart: RunPart): string {
  const results: ProbeStateMemoryResult[] = [];
  const notes: string[] = [];
  for (const units of PROBE_MEMORY_UNITS) {
    const r = runPart<ProbeStateMemoryResult>(`probe-memory-${units}`);
    if ('error' in r) notes.push(`probe-memory-${units}: not measured (${r.error})`);
    else results.push(r);
  }
  return ['### Probe memory against the joint D x D state (two nets, one dense activation-file layer)', '', formatProbeStateMemoryTable(results), ...notes.map((n) => `- ${n}`)].join('\n');
}
