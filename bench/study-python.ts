// The Python way of the study benchmark (./study.ts), as a user would do it today:
// - study-ort-forward (a child part): onnxruntime-node (CPU provider, intra-op threads = cores)
//   runs every net on the same image batches as our probe (decoded by the same source code), and
//   writes each net's probed ReLU outputs as ACTS/<net>/<layer>.npy, float32, streamed batch by
//   batch; decode, forward and writing timed apart.
// - ./python/study_python.py (python3) reads those files for the statistics and the methods, and
//   times its own stages (its header says how each is computed).
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openImageSource } from '../src/inputs/data/source.js';
import { encodeNpyHeader } from '../src/inputs/npy/npy-header.js';
import { partConfig, type StudyPartConfig } from './study-config.js';
import { IMAGE_SHAPE, imagesPath, STUDY_LAYERS, studyNets } from './study-inputs.js';
import { peakMiB, resetPeak } from './study-peak.js';
import type { SideResult, StageTiming } from './study-report.js';
import { COMPARE_ALPHA } from './study-ours.js';

const SCRIPT = fileURLToPath(new URL('../../bench/python/study_python.py', import.meta.url));
export const activationsDir = (dir: string) => join(dir, 'acts');

interface OrtSession {
  run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  release(): Promise<void>;
}

/** Appends batches to one .npy file whose shape (N first) is known once the first batch is. */
class NpyAppender {
  private fd: number | null = null;
  bytes = 0;
  constructor(private readonly path: string, private readonly items: number) {}
  append(data: Float32Array, dims: readonly number[]): void {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'w');
      const header = encodeNpyHeader({ descr: '<f4', shape: [this.items, ...dims.slice(1)] });
      writeSync(this.fd, header);
      this.bytes += header.length;
    }
    writeSync(this.fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.bytes += data.byteLength;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
  }
}

export interface OrtForward {
  stages: StageTiming[];
  bytesWritten: number;
  threads: number;
}

/** Part study-ort-forward. */
export async function ortForwardPart(): Promise<OrtForward> {
  const c = partConfig();
  const ort = await import('onnxruntime-node');
  const threads = cpus().length;
  const nets = studyNets(c.dir, c.nets);
  const fetches = c.layers.map((l) => STUDY_LAYERS[l]);
  resetPeak();
  const loadStarted = performance.now();
  const sessions = (await Promise.all(
    nets.map((n) => ort.InferenceSession.create(readFileSync(n.path), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 })),
  )) as unknown as OrtSession[];
  const files = nets.map((n) => {
    mkdirSync(join(activationsDir(c.dir), n.name), { recursive: true });
    return c.layers.map((l) => new NpyAppender(join(activationsDir(c.dir), n.name, `${l}.npy`), c.images));
  });
  const startup = (performance.now() - loadStarted) / 1000;
  const data = await openImageSource(imagesPath(c.dir), { itemShape: [...IMAGE_SHAPE] });
  const ms = { decode: 0, forward: 0, write: 0 };
  try {
    const batches = data.batches(c.batch, {})[Symbol.asyncIterator]();
    for (;;) {
      let started = performance.now();
      const next = await batches.next();
      ms.decode += performance.now() - started;
      if (next.done) break;
      const input = new ort.Tensor('float32', next.value.data, [next.value.n, ...IMAGE_SHAPE]);
      for (const [k, session] of sessions.entries()) {
        started = performance.now();
        const out = await session.run({ input }, fetches);
        ms.forward += performance.now() - started;
        started = performance.now();
        c.layers.forEach((_, li) => files[k][li].append(out[fetches[li]].data, out[fetches[li]].dims));
        ms.write += performance.now() - started;
      }
    }
  } finally {
    await data.close();
    for (const f of files.flat()) f.close();
    for (const s of sessions) await s.release();
  }
  const peak = peakMiB();
  return {
    stages: [
      { stage: 'start-up', seconds: startup, peakMiB: null, scales: false },
      { stage: 'decode', seconds: ms.decode / 1000, peakMiB: null, scales: true },
      { stage: 'forward', seconds: ms.forward / 1000, peakMiB: peak, scales: true },
      { stage: 'write activations', seconds: ms.write / 1000, peakMiB: null, scales: true },
    ],
    bytesWritten: files.flat().reduce((a, f) => a + f.bytes, 0),
    threads,
  };
}

/** Runs the Python script on the activations; its stages, numbers and notes, and its wall time. */
export function runPythonStudy(c: StudyPartConfig): Promise<SideResult & { wallSeconds: number }> {
  const args = [
    SCRIPT,
    '--acts', activationsDir(c.dir),
    '--nets', studyNets(c.dir, c.nets).map((n) => n.name).join(','),
    '--layers', c.layers.join(','),
    '--methods', c.methods.join(','),
    '--compare-alpha', String(COMPARE_ALPHA),
    '--stage-budget', String(c.stageBudget ?? 0),
  ];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.env.PYTHON ?? 'python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`study_python.py exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      resolve({ ...(JSON.parse(line) as SideResult), wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}
