// Shared by the reducer checkpoint/merge tests: how a probe cuts items into parts and batches,
// feeding a reducer state those batches of unit-major data, and a two-pass sharded run.
import type { Reducer, ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
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

/** Feeds `state` the [start, end) batches of unit-major data of n samples per net (each net in its own precision). */
export async function feed(state: ReducerState, data: (Float32Array | Float64Array)[], n: number, batches: [number, number][], pass: number): Promise<void> {
  for (const [s, e] of batches) {
    const nets = data.map((d) => {
      const units = d.length / n;
      const out = new (d.constructor as new (length: number) => Float32Array | Float64Array)(units * (e - s));
      for (let u = 0; u < units; u++) out.set(d.subarray(u * n + s, u * n + e), u * (e - s));
      return out;
    });
    await state.update({ nets, samples: e - s, firstSample: s, pass });
  }
}

/** The state's output, disposing of it either way. */
export async function finishAndDispose(state: ReducerState): Promise<ReducerOutput> {
  try {
    return await state.finish();
  } finally {
    await state.dispose?.();
  }
}

/**
 * Both stages of a sharded probe of a two-pass reducer over `parts` parts, merging in order as
 * `convergent merge` does: stage 1 (pass 0) per part, merged; stage 2 (pass 1) per part from the
 * merged state, merged; then finished. `throughFiles` saves a snapshot and reads it back (as the
 * probe's part folders do); `layerOf(samples)` is the layer of a part of that many samples.
 */
export async function shardedRun(
  reducer: Reducer,
  layerOf: (samples: number) => ReducerLayer,
  data: (Float32Array | Float64Array)[],
  n: number,
  parts: number,
  throughFiles: (snapshot: ReducerSnapshot) => Promise<ReducerSnapshot>,
  most = 11,
): Promise<ReducerOutput> {
  const ranges = partRanges(n, parts);
  const mergeAll = async (states: ReducerSnapshot[]) => {
    let merged = states[0];
    let samples = ranges[0][1] - ranges[0][0];
    for (let p = 1; p < states.length; p++) {
      samples += ranges[p][1] - ranges[p][0];
      merged = await throughFiles(reducer.merge!(layerOf(samples), merged, states[p]));
    }
    return merged;
  };
  const stage1: ReducerSnapshot[] = [];
  for (const [p, [s, e]] of ranges.entries()) {
    const state = reducer.create(layerOf(e - s));
    await feed(state, data, n, randomBatches(s, e, most, 10 + p), 0);
    stage1.push(await throughFiles(await state.snapshot!()));
    await state.dispose?.();
  }
  const edges = await mergeAll(stage1);
  const stage2: ReducerSnapshot[] = [];
  for (const [p, [s, e]] of ranges.entries()) {
    const state = reducer.restore!(layerOf(e - s), await throughFiles(edges));
    await state.nextPass!(1);
    await feed(state, data, n, randomBatches(s, e, most, 20 + p), 1);
    stage2.push(await throughFiles(await state.snapshot!()));
    await state.dispose?.();
  }
  return finishAndDispose(reducer.restore!(layerOf(n), await throughFiles(await mergeAll(stage2))));
}
