// Throughput of the WebGPU moment kernel: d = 256 and d = 1024, with n grown until one batch takes
// about a second, counting 2 n d^2 flops per batch (the full product, although only the upper
// triangle of tiles is computed). Two numbers per d: data handed over from the host (upload
// included) and data already on the device (batchMomentsFromBuffer, as a forward pass would leave
// it). Run alone: `node dist/bench/moments-webgpu.js` after `npm run build`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBatch, timeIt } from './util.js';
import { createWebGpuMomentKernel } from '../src/kernels/moments/webgpu.js';
import { acquireGpu } from '../src/platform/webgpu.js';

export interface WebGpuMomentBench {
  name: string;
  d: number;
  n: number;
  gflops: number;
  /** Seconds per batch. */
  seconds: number;
  device: string;
}



export async function benchWebGpuMoments(
  options: { sizes?: number[]; targetSeconds?: number; maxBatchBytes?: number } = {},
): Promise<WebGpuMomentBench[]> {
  const sizes = options.sizes ?? [256, 1024];
  const target = options.targetSeconds ?? 1;
  const maxBatchBytes = options.maxBatchBytes ?? 128 * 1024 * 1024;
  const gpu = await acquireGpu({ allowSoftware: true });
  if (!gpu) throw new Error('no WebGPU adapter');
  const results: WebGpuMomentBench[] = [];
  const kernel = createWebGpuMomentKernel(gpu);
  try {
    for (const d of sizes) {
      const cap = Math.max(64, Math.floor(maxBatchBytes / (4 * d) / 64) * 64);
      // Grow n until one batch takes about `target` seconds (or the batch reaches the byte cap).
      let n = Math.min(cap, 1024);
      let seconds = 0;
      for (;;) {
        const data = randomBatch(d, n);
        await kernel.batchMoments(data, d, n); // compile, allocate
        seconds = await timeIt(() => kernel.batchMoments(data, d, n), 0);
        if (seconds >= target / 2 || n >= cap) break;
        n = Math.min(cap, Math.max(n * 2, Math.round((n * target) / Math.max(seconds, 1e-4) / 64) * 64));
      }
      const data = randomBatch(d, n);
      const flops = 2 * n * d * d;
      const host = await timeIt(() => kernel.batchMoments(data, d, n), target);
      results.push({ name: `webgpu moments d=${d} (host data)`, d, n, gflops: flops / host / 1e9, seconds: host, device: gpu.label });

      const buffer = gpu.device.createBuffer({
        label: 'bench: activations',
        size: data.byteLength,
        usage: 0x80 | 0x08 | 0x04, // STORAGE | COPY_DST | COPY_SRC
      });
      try {
        gpu.device.queue.writeBuffer(buffer, 0, data);
        await kernel.batchMomentsFromBuffer(buffer, d, n);
        const resident = await timeIt(() => kernel.batchMomentsFromBuffer(buffer, d, n), target);
        results.push({
          name: `webgpu moments d=${d} (device buffer)`,
          d,
          n,
          gflops: flops / resident / 1e9,
          seconds: resident,
          device: gpu.label,
        });
      } finally {
        buffer.destroy();
      }
    }
  } finally {
    await kernel.dispose();
    gpu.release();
  }
  return results;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  const results = await benchWebGpuMoments();
  for (const r of results) {
    console.log(`${r.name.padEnd(40)} n=${String(r.n).padStart(7)}  ${r.gflops.toFixed(2).padStart(9)} GFLOP/s  (${(r.seconds * 1000).toFixed(1)} ms/batch, ${r.device})`);
  }
}
