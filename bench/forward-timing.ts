// Shared by the forward parts: the same input batch for every runner, and the batch timer.
import type { ForwardRow } from './types.js';
import { randomBatch } from './util.js';
import type { BenchNet } from './forward-models.js';

/** One batch of the net's input: deterministic values in [-0.5, 0.5), the same for every runner. */
export function benchInput(net: BenchNet): Float32Array {
  return randomBatch(1, net.batch * net.itemShape[0] * net.itemShape[1] * net.itemShape[2]);
}

/**
 * Median seconds per call of `run`, after `warmup` calls (plan compilation, weight upload, tier-up
 * of the WASM, worker start). Times at least `minBatches` calls and at least `minSeconds`, but
 * stops after `maxSeconds` once three calls are in (WebGPU on llvmpipe takes seconds per batch).
 * The median, not the mean: the machine is shared and another tenant can take a core for a while.
 */
export async function medianBatchSeconds(
  run: () => Promise<unknown>,
  { warmup = 2, minBatches = 7, minSeconds = 3, maxSeconds = 40 } = {},
): Promise<{ seconds: number; batches: number }> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  let total = 0;
  while ((times.length < minBatches || total < minSeconds) && !(total > maxSeconds && times.length >= 3)) {
    const start = performance.now();
    await run();
    const s = (performance.now() - start) / 1000;
    times.push(s);
    total += s;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { seconds: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, batches: times.length };
}

/** A row from a timing, with the first class scores of item 0 (the last capture is the scores). */
export function forwardRow(net: BenchNet, runner: string, threads: number | null, ours: boolean, timing: { seconds: number; batches: number }, scores: Float32Array): ForwardRow {
  return {
    net: net.name,
    runner,
    threads,
    ours,
    batch: net.batch,
    seconds: timing.seconds,
    batches: timing.batches,
    imagesPerSecond: net.batch / timing.seconds,
    logits: Array.from(scores.subarray(0, 10)),
  };
}
