// The batch loop shared by every source: batch k + 1 is started (in a macrotask) before batch k
// is handed out, so its synchronous decoding runs while the caller awaits its GPU or worker
// results, and its file reads are in flight meanwhile. Leaving the loop early waits for that
// batch k + 1 to settle.
import type { BatchOptions, ImageBatch } from './source.js';

/** Reads source indices [start, end) into one batch. */
export type BatchReader = (start: number, end: number) => Promise<ImageBatch>;

export function checkBatchArgs(what: string, count: number, batchSize: number, options: BatchOptions = {}): number {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`${what}: batch size ${batchSize} is not a positive integer`);
  const limit = options.limit ?? count;
  if (!(limit >= 0)) throw new Error(`${what}: limit ${limit} is negative`);
  return Math.min(count, Math.floor(limit));
}

/** The first source index to visit (options.start, default 0), at most `end`. */
export function checkBatchStart(what: string, options: BatchOptions = {}, end: number): number {
  const start = options.start ?? 0;
  if (!Number.isInteger(start) || start < 0) throw new Error(`${what}: start ${start} is not a whole number of items`);
  return Math.min(start, end);
}

/** Batches of source indices [first, total), batchSize indices each (the last may be shorter). */
export async function* prefetchedBatches(total: number, batchSize: number, read: BatchReader, first = 0): AsyncGenerator<ImageBatch> {
  const start = (s: number): Promise<ImageBatch> => {
    const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => read(s, Math.min(total, s + batchSize)));
    // A batch the caller never takes (it stopped early) must not become an unhandled rejection;
    // one it does take still rejects where it is awaited.
    p.catch(() => {});
    return p;
  };
  let next = total > first ? start(first) : undefined;
  try {
    for (let s = first; s < total; s += batchSize) {
      const current = await next!;
      next = s + batchSize < total ? start(s + batchSize) : undefined;
      yield current;
    }
  } finally {
    // A caller that stops early gets control back only once the batch in flight has settled, so
    // no read still runs (on files the caller may close next) after the loop is left.
    if (next) await next.then(
      () => undefined,
      () => undefined,
    );
  }
}

/** An empty batch of `n` items of `itemSize` floats. */
export function newBatch(n: number, itemSize: number): ImageBatch {
  return { data: new Float32Array(n * itemSize), n: 0, indices: new Int32Array(n), skipped: [] };
}

/** Trims a batch filled to `batch.n` items (when some were skipped) to exactly that many. */
export function trimBatch(batch: ImageBatch, itemSize: number): ImageBatch {
  if (batch.n === batch.indices.length) return batch;
  // A copy, not a view: a view would carry the whole buffer along when transferred to a worker.
  return { ...batch, data: batch.data.slice(0, batch.n * itemSize), indices: batch.indices.slice(0, batch.n) };
}
