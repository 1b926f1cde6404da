// What the probe's host side adds to the moment kernel: LayerAccumulator.add shifts every batch by
// a per-unit offset, tracks each unit's range and rescales units beyond float32's comfortable range
// by exact powers of two (the overflow guard of issue 10), then calls the kernel and merges in
// float64. Timed against the kernel alone on the same batch (WASM, one thread), for ordinary
// activations and for a batch where one unit in eight is scaled by 1e20 (the rescaling path).
// Run alone: `node dist/bench/main.js accumulate` after `npm run build`.
import { createWasmMomentKernel } from '../src/kernels/moments/wasm.js';
import { LayerAccumulator } from '../src/probe/layer-accumulator.js';
import { randomBatch, timeIt } from './util.js';

export interface AccumulatorBench {
  d: number;
  n: number;
  data: 'ordinary' | 'scaled 1e20';
  kernelMs: number;
  accumulateMs: number;
}

export async function benchAccumulator(sizes: { d: number; n: number }[] = [{ d: 256, n: 32768 }, { d: 1024, n: 8192 }]): Promise<AccumulatorBench[]> {
  const kernel = await createWasmMomentKernel({ threads: 1 });
  const out: AccumulatorBench[] = [];
  try {
    for (const { d, n } of sizes) {
      for (const kind of ['ordinary', 'scaled 1e20'] as const) {
        const data = randomBatch(d, n);
        if (kind === 'scaled 1e20') for (let u = 0; u < d; u += 8) for (let s = 0; s < n; s++) data[u * n + s] *= 1e20;
        const best = async (fn: () => Promise<unknown>) => {
          await fn(); // warm-up (tier-up, memory growth)
          let min = Infinity;
          for (let k = 0; k < 3; k++) min = Math.min(min, await timeIt(fn, 1));
          return min * 1000;
        };
        const kernelMs = kind === 'ordinary' ? await best(() => kernel.batchMoments(data, d, n)) : NaN;
        // One accumulator per call would time the first batch (which fixes the shift); keep one so
        // that every timed call is a later batch, as in a long probe.
        const acc = new LayerAccumulator('bench', [{ name: 'net', units: d }], kernel);
        const accumulateMs = await best(() => acc.add([{ data, units: d, samples: n }]));
        out.push({ d, n, data: kind, kernelMs, accumulateMs });
      }
    }
  } finally {
    await kernel.dispose();
  }
  return out;
}

export function formatAccumulatorTable(rows: AccumulatorBench[]): string {
  const lines = ['| d | n | data | kernel alone ms | accumulator ms | host share |', '| ---: | ---: | --- | ---: | ---: | ---: |'];
  for (const r of rows) {
    const kernel = rows.find((k) => k.d === r.d && k.data === 'ordinary')!.kernelMs;
    lines.push(`| ${r.d} | ${r.n} | ${r.data} | ${kernel.toFixed(1)} | ${r.accumulateMs.toFixed(1)} | ${(((r.accumulateMs - kernel) / r.accumulateMs) * 100).toFixed(0)} % |`);
  }
  return lines.join('\n');
}
