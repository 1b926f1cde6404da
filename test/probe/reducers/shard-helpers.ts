// Shared by the reducer checkpoint/merge tests: how a probe cuts items into parts and batches.
import { Rng } from '../../helpers/rng.js';

/** Part K of N covers items [floor(K T / N), floor((K + 1) T / N)), as `probe --shard K/N`. */
export function partRanges(total: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, k) => [Math.floor((k * total) / parts), Math.floor(((k + 1) * total) / parts)]);
}

/** [start, end) batches covering [from, to), of random sizes 1 .. most (seeded). */
export function randomBatches(from: number, to: number, most: number, seed: number): [number, number][] {
  const rng = new Rng(seed);
  const out: [number, number][] = [];
  for (let s = from; s < to; ) {
    const end = Math.min(to, s + 1 + Math.floor(rng.draw() * most));
    out.push([s, end]);
    s = end;
  }
  return out;
}
