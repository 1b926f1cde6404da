// `probe --shard K/N`: the K-th (0-based, as SLURM array and Kubernetes Indexed Job indices are)
// of N contiguous item ranges. Items, never positions: every position of an image stays in one
// part. And whole batches: the T items make b = ceil(T / B) batches of B items, as the whole probe
// reads them, and part K takes batches [floor(K b / N), floor((K + 1) b / N)). So every batch of
// a part is a batch of the whole probe (with the same shift, LayerAccumulator.shiftLike), the
// moment kernel sees exactly the same numbers, and the merged moments equal the whole probe's up
// to the float64 rounding of the merge (a part that started mid-batch would round its float32
// batches differently: about 1e-8 relative). The ranges tile 0 .. T - 1 without gap or overlap
// and differ by at most one batch.
import type { ItemRange } from '../run-dir/layout.js';

export interface Shard {
  index: number;
  count: number;
}

/** Parses `K/N` (0 <= K < N), naming the flag in its errors. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${flag} takes K/N (part K of N, K counted from 0), e.g. 0/4; got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  checkShard({ index, count }, flag);
  return { index, count };
}

export function checkShard(shard: Shard, flag = '--shard'): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`${flag}: the number of parts must be at least 1, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new Error(`${flag} ${index}/${count}: K counts from 0, so it must be 0 .. ${count - 1} (SLURM: --array=0-${count - 1})`);
  }
}

/** The items part `shard` covers of `items` read `itemsPerBatch` a batch (all of them without a shard). */
export function shardRange(items: number, shard: Shard | undefined, itemsPerBatch: number): ItemRange {
  if (!shard) return { start: 0, end: items };
  const batches = Math.ceil(items / itemsPerBatch);
  const at = (k: number) => Math.min(items, Math.floor((k * batches) / shard.count) * itemsPerBatch);
  return { start: at(shard.index), end: at(shard.index + 1) };
}

/** Refuses a part with no items (more parts than batches), naming the layer or data. */
export function checkShardNotEmpty(range: ItemRange, items: number, itemsPerBatch: number, shard: Shard | undefined, what: string): void {
  if (!shard || range.end > range.start) return;
  const batches = Math.ceil(items / itemsPerBatch);
  throw new Error(
    `--shard ${shard.index}/${shard.count}: ${what} has ${items} items, ${batches} ${batches === 1 ? 'batch' : 'batches'} of ${itemsPerBatch}, so part ${shard.index} of ${shard.count} would be empty ` +
      `(a part is whole batches); use at most ${batches} parts, or a smaller --batch`,
  );
}
