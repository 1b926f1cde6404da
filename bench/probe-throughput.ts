// The probe's throughput at the paper's shape (issue 15): K Caffe-style AlexNets with seeded
// weights (./forward-models.ts), N random 227 x 227 images, the real `probe --data` path
// (probeOnnx) on the WASM backend, at conv1-conv5 or at fc6/fc7. Prints the probe loop's images/s
// (decode, forward passes, moments, top-k), the patch drawing's seconds and bytes, and the forward
// passes alone over the same batches (the rate the probe loop approaches).
//
//   node dist/bench/probe-throughput.js [--nets 4] [--images 64] [--layers conv1,conv2,conv3,conv4,conv5]
//        [--batch 64] [--threads 2] [--moment-threads N] [--top-k 9] [--no-patches] [--forward-only] [--no-forward]
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/backend/select.js';
import { openImageSource } from '../src/inputs/data/source.js';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { probeOnnx } from '../src/probe/forward-probe.js';
import { writeNpy } from '../src/run-dir/npy-write.js';
import { alexnet } from './forward-models.js';
import { randomBatch } from './util.js';

export interface ProbeThroughputResult {
  nets: number;
  images: number;
  layers: string[];
  loopSeconds: number;
  loopImagesPerSecond: number;
  /** CPU seconds of every thread of the process (user + system): robust where other tenants load the machine. */
  loopCpuSeconds: number;
  forwardCpuSeconds?: number;
  patchCpuSeconds: number;
  patchSeconds: number;
  patchBytes: number;
  patchFiles: number;
  forwardImagesPerSecond?: number;
  load: number[];
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}

async function bytesUnder(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.png')) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    files++;
  }
  return { bytes, files };
}

export async function benchProbeThroughput(options: {
  nets: number;
  images: number;
  layers: string[];
  batch: number;
  threads: number;
  /** Threads of the moment kernel (default: threads). */
  momentThreads?: number;
  topK: number;
  patches: boolean;
  forwardOnly?: boolean;
  /** Skip the forward-only pass (its rate then goes unmeasured). */
  noForward?: boolean;
}): Promise<ProbeThroughputResult> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-probe-'));
  // The backend's threads are the moment kernel's; the forward engine takes options.threads (probeOnnx's threads).
  const backend = await createBackend('wasm', { threads: options.momentThreads ?? options.threads });
  try {
    const models = Array.from({ length: options.nets }, (_, k) => alexnet(k + 1));
    const nets = models.map((_, k) => ({ name: `alexnet${k + 1}`, path: join(dir, `alexnet${k + 1}.onnx`) }));
    for (const [k, net] of nets.entries()) await writeFile(net.path, encodeOnnx(models[k].model));
    const npy = join(dir, 'images.npy');
    await writeNpy(npy, randomBatch(1, options.images * 3 * 227 * 227), [options.images, 3, 227, 227]);
    const data = await openImageSource(npy, { itemShape: [3, 227, 227] });
    let forwardImagesPerSecond: number | undefined;
    let forwardCpuSeconds: number | undefined;
    try {
      if (!options.noForward) {
      // The forward passes alone over the same batches, with the same captures (every layer's tensor).
      const engine = await backend.forwardEngine(
        models.map((m, k) => ({ name: nets[k].name, model: m.model, captures: options.layers.map((l) => m.captures.find((c) => c === `relu${l.replace(/\D/g, '')}`)!) })),
        [3, 227, 227],
        { threads: options.threads },
      );
      try {
        // One batch first: plan compilation, worker start and WASM tier-up are not throughput.
        for await (const batch of data.batches(options.batch, { start: 0, limit: options.batch })) await engine.forward(batch.data, batch.n);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for await (const batch of data.batches(options.batch, { start: 0, limit: options.images })) await engine.forward(batch.data, batch.n);
        forwardImagesPerSecond = options.images / ((performance.now() - t0) / 1000);
        forwardCpuSeconds = cpuSecondsSince(c0);
      } finally {
        await engine.dispose();
      }
      }
      if (options.forwardOnly) return { nets: options.nets, images: options.images, layers: options.layers, loopSeconds: 0, loopImagesPerSecond: 0, loopCpuSeconds: 0, patchCpuSeconds: 0, forwardCpuSeconds, patchSeconds: 0, patchBytes: 0, patchFiles: 0, forwardImagesPerSecond, load: loadavg() };
      let loopStart = 0;
      let loopEnd = 0;
      let loopCpu = process.cpuUsage();
      let loopCpuSeconds = 0;
      let endCpu = process.cpuUsage();
      const out = join(dir, 'run');
      await probeOnnx({
        nets,
        data,
        dataLabel: 'random',
        out,
        backend,
        layers: options.layers,
        batchItems: options.batch,
        topK: options.topK,
        patches: options.patches,
        threads: options.threads,
        checkpointEvery: null,
        onStart: () => {
          loopStart = performance.now();
          loopCpu = process.cpuUsage();
        },
        onDone: () => {
          loopEnd = performance.now();
          loopCpuSeconds = cpuSecondsSince(loopCpu);
          endCpu = process.cpuUsage();
        },
      });
      const end = performance.now();
      const patchCpuSeconds = cpuSecondsSince(endCpu);
      const drawn = options.patches && options.topK > 0 ? await bytesUnder(join(out, 'reducers')) : { bytes: 0, files: 0 };
      const loopSeconds = (loopEnd - loopStart) / 1000;
      return {
        nets: options.nets,
        images: options.images,
        layers: options.layers,
        loopSeconds,
        loopImagesPerSecond: options.images / loopSeconds,
        // Everything after the loop: the layers' states written, the top-k records and their patches.
        patchSeconds: (end - loopEnd) / 1000,
        patchCpuSeconds,
        loopCpuSeconds,
        forwardCpuSeconds,
        patchBytes: drawn.bytes,
        patchFiles: drawn.files,
        forwardImagesPerSecond,
        load: loadavg(),
      };
    } finally {
      await data.close();
    }
  } finally {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('probe-throughput.js')) {
  const args = process.argv.slice(2);
  const result = await benchProbeThroughput({
    nets: Number(flag(args, '--nets', '4')),
    images: Number(flag(args, '--images', '64')),
    layers: flag(args, '--layers', 'conv1,conv2,conv3,conv4,conv5').split(','),
    batch: Number(flag(args, '--batch', '64')),
    threads: Number(flag(args, '--threads', '2')),
    momentThreads: args.includes('--moment-threads') ? Number(flag(args, '--moment-threads', '2')) : undefined,
    topK: Number(flag(args, '--top-k', '9')),
    patches: !args.includes('--no-patches'),
    forwardOnly: args.includes('--forward-only'),
    noForward: args.includes('--no-forward'),
  });
  console.log(JSON.stringify(result));
}
