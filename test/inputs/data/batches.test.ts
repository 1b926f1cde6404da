// The shared batch loop: batch k + 1 is read before the caller asks for it (while it still works
// on batch k), batches cover the index range exactly once in order, and arguments are checked.
import { describe, expect, it } from 'vitest';
import { checkBatchArgs, prefetchedBatches } from '../../../src/inputs/data/batches.js';
import type { ImageBatch } from '../../../src/inputs/data/source.js';

const batchOf = (start: number, end: number): ImageBatch => ({
  data: new Float32Array(end - start),
  n: end - start,
  indices: Int32Array.from({ length: end - start }, (_, k) => start + k),
  skipped: [],
});

describe('prefetchedBatches', () => {
  it('starts reading batch k + 1 before handing out batch k, and the read runs while the caller awaits', async () => {
    const events: string[] = [];
    const read = async (start: number, end: number) => {
      events.push(`read ${start}`);
      // Synchronous work, like decoding.
      const until = performance.now() + 5;
      while (performance.now() < until);
      events.push(`decoded ${start}`);
      return batchOf(start, end);
    };
    for await (const batch of prefetchedBatches(10, 4, read)) {
      events.push(`got ${batch.indices[0]}`);
      // The caller's GPU work: one event-loop turn, queued after the read that is already scheduled.
      await new Promise((r) => setImmediate(r));
      events.push(`done ${batch.indices[0]}`);
    }
    expect(events).toEqual(['read 0', 'decoded 0', 'got 0', 'read 4', 'decoded 4', 'done 0', 'got 4', 'read 8', 'decoded 8', 'done 4', 'got 8', 'done 8']);
  });

  it('covers [0, total) once, the last batch short', async () => {
    const seen: number[] = [];
    for await (const b of prefetchedBatches(7, 3, async (s, e) => batchOf(s, e))) seen.push(...b.indices);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    let any = false;
    for await (const _ of prefetchedBatches(0, 3, async (s, e) => batchOf(s, e))) any = true;
    expect(any).toBe(false);
  });

  it('a failing read rejects where the batch is taken', async () => {
    const read = async (s: number, e: number) => {
      if (s === 2) throw new Error('bad batch');
      return batchOf(s, e);
    };
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const b of prefetchedBatches(6, 2, read)) got.push(b.indices[0]!);
      })(),
    ).rejects.toThrow('bad batch');
    expect(got).toEqual([0]);
  });

  it('stopping early returns only once the batch in flight has settled', async () => {
    const settled: number[] = [];
    const read = async (s: number, e: number) => {
      // Two event-loop turns of reading, so the batch is still in flight when the caller stops.
      for (let k = 0; k < 2; k++) await new Promise((r) => setImmediate(r));
      settled.push(s);
      if (s === 2) throw new Error('bad batch');
      return batchOf(s, e);
    };
    const iterator = prefetchedBatches(6, 2, read)[Symbol.asyncIterator]();
    expect((await iterator.next()).value!.indices[0]).toBe(0);
    expect(settled).toEqual([0]);
    expect((await iterator.return(undefined)).done).toBe(true);
    expect(settled).toEqual([0, 2]);
  });

  it('checks batch size and limit', () => {
    expect(checkBatchArgs('x', 10, 4)).toBe(10);
    expect(checkBatchArgs('x', 10, 4, { limit: 3 })).toBe(3);
    expect(checkBatchArgs('x', 10, 4, { limit: 30 })).toBe(10);
    expect(() => checkBatchArgs('x', 10, 0)).toThrow(/x: batch size 0/);
    expect(() => checkBatchArgs('x', 10, 1.5)).toThrow(/batch size/);
  });
});
