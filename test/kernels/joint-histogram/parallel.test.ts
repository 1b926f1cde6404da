// The joint histogram kernel on worker threads against the single-thread WASM kernel: the same
// counts bit for bit with 2 and 3 workers over several batches of float32 and float64 nets (also
// with counters flushed into float64 mid-stream); the single-thread kernel where threads would not
// help; and a worker's failure named in the rejection of the next add or counts, never a hang. The workers
// run the compiled worker (dist/src/kernels/joint-histogram/worker.js: `npm run build:ts` first),
// the failure tests stand-in workers from inline scripts.
import { describe, expect, it } from 'vitest';
import { createParallelJointHistogramKernel, MIN_UNIT_PAIRS, type ParallelJointHistogramOptions } from '../../../src/kernels/joint-histogram/parallel.js';
import { createWasmJointHistogramKernel } from '../../../src/kernels/joint-histogram/wasm.js';
import { inlineWorkerPrelude } from '../../../src/platform/workers.js';
import { countBatches, expectBytesEqual, gridBatch, specWithSelfPairs } from './helpers.js';

const SAMPLES = [1031, 3, 517, 1];

describe.each([
  { bins: 2, f64: [false, false, false] },
  { bins: 7, f64: [true, false, true] },
  { bins: 64, f64: [false, true, false] },
])('parallel joint histogram, $bins bins', ({ bins, f64 }) => {
  const spec = specWithSelfPairs([7, 5, 9], bins, 11 * bins);

  it.each([2, 3])('%i threads count as one thread, bit for bit (also flushing every 400 samples, counts read a row at a time)', async (threads) => {
    for (const maxCount of [undefined, 400]) {
      const want = await countBatches(await createWasmJointHistogramKernel(spec, { maxCount }), spec, SAMPLES, f64, 21);
      // With the flushes, counts() asks for one row per block (a counter per block: at least a row).
      const kernel = await createParallelJointHistogramKernel(spec, { threads, maxCount, minUnitPairs: 0, countsBlock: maxCount ? 1 : undefined });
      try {
        expect(kernel.name).toBe(`wasm-simd (${threads} threads)`);
        expectBytesEqual(await countBatches(kernel, spec, SAMPLES, f64, 21), want);
        // counts() again after more batches: the workers keep counting from where they were.
        const more = await countBatches(await createWasmJointHistogramKernel(spec, { maxCount }), spec, [...SAMPLES, 77], f64, 21);
        await kernel.add(spec.units.map((d, k) => gridBatch(d, 77, 21 + 97 * SAMPLES.length + k, f64[k])), 77);
        expectBytesEqual(await kernel.counts(), more);
      } finally {
        await kernel.dispose();
      }
      await expect(kernel.add(spec.units.map((d) => new Float32Array(d)), 1)).rejects.toThrow(/disposed/);
    }
  });
});

describe('parallel joint histogram: when it stays on one thread', () => {
  const spec = specWithSelfPairs([7, 5, 9], 4, 1);
  it('one thread, or fewer unit pairs than MIN_UNIT_PAIRS, is the single-thread kernel', async () => {
    expect(spec.pairs.reduce((t, [a, b]) => t + spec.units[a] * spec.units[b], 0)).toBeLessThan(MIN_UNIT_PAIRS);
    expect((await createParallelJointHistogramKernel(spec, { threads: 1, minUnitPairs: 0 })).name).toBe('wasm-simd (1 thread)');
    expect((await createParallelJointHistogramKernel(spec, { threads: 2 })).name).toBe('wasm-simd (1 thread)');
    // No more workers than the widest pair has rows.
    const narrow = { ...spec, units: [2, 1, 1], edges: [spec.edges[0].subarray(0, 6), spec.edges[1].subarray(0, 3), spec.edges[2].subarray(0, 3)] };
    const two = await createParallelJointHistogramKernel(narrow, { threads: 3, minUnitPairs: 0 });
    expect(two.name).toBe('wasm-simd (2 threads)');
    await two.dispose();
  });
});

/** Stand-in workers: ready on init, `start` answered, then `onAdd` (a script body run with the message as `m`, this worker as `index`). */
function standIn(onAdd: string): ParallelJointHistogramOptions['workerSource'] {
  return {
    script: (platform) =>
      `${inlineWorkerPrelude(platform)}
let index = -1;
listen((m) => {
  if (m.type === 'init') return reply({ type: 'ready' });
  if (m.type === 'start') { index = m.rows[0][0] === 0 ? 0 : 1; return reply({ type: 'result', id: m.id }); }
  if (m.type === 'add') { ${onAdd} }
  reply({ type: 'result', id: m.id, counts: new Float64Array((m.to - m.from) * 4 * 4) });
});
`,
  };
}

describe('parallel joint histogram: a worker that fails', () => {
  const spec = specWithSelfPairs([6, 5, 9], 2, 1);
  const batch = () => spec.units.map((d) => new Float32Array(d * 3));

  // add() returns while the workers count its batch: a failure rejects the next add or counts().
  it('a worker that exits rejects counts and every later call, naming the worker', async () => {
    const kernel = await createParallelJointHistogramKernel(spec, { threads: 2, minUnitPairs: 0, workerSource: standIn(`if (index === 1) process.exit(3); return reply({ type: 'result', id: m.id });`) });
    await kernel.add(batch(), 3);
    await expect(kernel.counts()).rejects.toThrow('joint histogram worker 2 of 2: exited with code 3');
    await expect(kernel.add(batch(), 3)).rejects.toThrow('joint histogram worker 2 of 2: exited with code 3');
    await kernel.dispose();
  });

  it("a worker's error rejects the next add with its message, naming the worker, and every later call", async () => {
    const kernel = await createParallelJointHistogramKernel(spec, { threads: 2, minUnitPairs: 0, workerSource: standIn(`return reply(index === 0 ? { type: 'error', id: m.id, message: 'WASM memory exhausted' } : { type: 'result', id: m.id });`) });
    await kernel.add(batch(), 3);
    await expect(kernel.add(batch(), 3)).rejects.toThrow('joint histogram worker 1 of 2: WASM memory exhausted');
    // Worker 2 counted the batch and worker 1 did not: no counts from here on.
    await expect(kernel.counts()).rejects.toThrow('joint histogram worker 1 of 2: WASM memory exhausted');
    await expect(kernel.add(batch(), 3)).rejects.toThrow('joint histogram worker 1 of 2: WASM memory exhausted');
    await kernel.dispose();
  });

  it('a worker that fails to start rejects the creation, naming the worker', async () => {
    const source = { script: (platform: 'node' | 'web') => `${inlineWorkerPrelude(platform)}\nlisten((m) => m.type === 'init' ? reply({ type: 'ready' }) : reply({ type: 'error', id: m.id, message: 'no memory for the counters' }));\n` };
    await expect(createParallelJointHistogramKernel(spec, { threads: 2, minUnitPairs: 0, workerSource: source })).rejects.toThrow(/joint histogram worker \d of 2: no memory for the counters/);
  });
});
