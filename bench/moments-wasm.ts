// Throughput of the WASM SIMD moment kernel, one thread and every core, at d = 256 and d = 1024.
// GFLOP/s count 2 n d^2 flops per batch, as the full product X_c X_c' would take, although only
// the upper triangle of tiles is computed (about half of that). Batches are capped at 128 MB of
// f32; each measurement repeats batches for about a second, after a warm-up batch (V8 tiers the
// WASM up between calls), and the median of three measurements is kept. Run alone (ours only):
// `node dist/bench/moments-wasm.js` after `npx tsc -p tsconfig.json`; `npm run bench -- moments`
// alternates these with numpy (./moments-alternated.ts).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './alternation.js';
import { randomBatch, timeIt } from './util.js';
import { createWasmMomentKernel } from '../src/kernels/moments/wasm.js';
import { hardwareConcurrency } from '../src/platform/workers.js';

export interface WasmMomentBench {
  name: string;
  d: number;
  n: number;
  gflops: number;
  /** Seconds per batch. */
  seconds: number;
  threads: number;
}



export async function benchWasmMoments(
  options: { sizes?: number[]; targetSeconds?: number; maxBatchBytes?: number; threads?: number[] } = {},
): Promise<WasmMomentBench[]> {
  const sizes = options.sizes ?? [256, 1024];
  const target = options.targetSeconds ?? 1;
  const maxBatchBytes = options.maxBatchBytes ?? 128 * 1024 * 1024;
  const cores = await hardwareConcurrency();
  const threadCounts = options.threads ?? [1, Math.max(2, cores)];
  const results: WasmMomentBench[] = [];
  for (const threads of threadCounts) {
    const kernel = await createWasmMomentKernel({ threads });
    try {
      for (const d of sizes) {
        const n = Math.max(256, Math.floor(maxBatchBytes / (4 * d) / 256) * 256);
        const data = randomBatch(d, n);
        await kernel.batchMoments(data, d, n); // warm-up: tier-up, workers, memory growth
        // Median of three measurements, the statistic the alternated bench takes for every tool.
        const runs: number[] = [];
        for (let r = 0; r < 3; r++) runs.push(await timeIt(() => kernel.batchMoments(data, d, n), target));
        const seconds = median(runs);
        results.push({
          name: `wasm-simd moments d=${d} (${threads === 1 ? '1 thread' : `${threads} threads`})`,
          d,
          n,
          gflops: (2 * n * d * d) / seconds / 1e9,
          seconds,
          threads,
        });
      }
    } finally {
      await kernel.dispose();
    }
  }
  return results;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  const results = await benchWasmMoments();
  for (const r of results) {
    console.log(
      `${r.name.padEnd(40)} n=${String(r.n).padStart(7)}  ${r.gflops.toFixed(2).padStart(9)} GFLOP/s  (${(r.seconds * 1000).toFixed(1)} ms/batch)`,
    );
  }
}
