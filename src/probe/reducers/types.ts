// A reducer sees every batch of one layer during the probe and keeps bounded state. The joint
// moments are the built-in reducer; a plugin can add others (histograms, top-k activations, ...).
//
// Most reducers need one pass over the data. A reducer that declares `passes: 2` (or more) sees
// the layer again: the probe re-reads the layer's files for it (only for it: the moments, and
// reducers that declared fewer passes, are done after the first pass), calling `nextPass` on its
// state between passes. E.g. a histogram reducer finds its bin edges in pass 0 and counts in pass 1.
//
// Checkpoints and shards (optional, see ReducerSnapshot). A reducer whose state offers `snapshot()`
// and which offers `restore()` can be checkpointed: the probe saves the state at a batch boundary
// and, after a crash, restores it and feeds the batches that follow. "Exactly" means: restore from
// a snapshot taken at a batch boundary, then the same batches, gives bit-identical output to the
// state that was never stopped. A reducer that also offers `merge()` can run sharded (`probe
// --shard K/N`): every part reduces a contiguous range of items, and `convergent merge` combines
// the parts' snapshots, taken at the end of the same pass, in item order. Without snapshot/restore
// the probe checkpoints only between layers (or refuses --checkpoint-every); without merge it
// refuses --shard, naming the reducer.
import type { Backend } from '../../backend/types.js';
import type { OptionSpec } from '../../util/option-spec.js';

export interface ReducerBatch {
  /** One array per net, unit-major (data[u * samples + s]), in the file's precision. */
  nets: (Float32Array | Float64Array)[];
  samples: number;
  /** Index of this batch's first sample within the layer. */
  firstSample: number;
  /** Which pass over the layer this batch belongs to (0-based; always 0 for single-pass reducers). */
  pass?: number;
  /**
   * The per-unit offset (stacked units of all nets, float64) the layer's moments subtract before
   * their sums: the first batch's mean of the whole probe, the same in every part of a sharded
   * probe. A reducer that keeps raw sums about it merges parts by adding them. Absent in passes
   * after the first, and where the moments are not fed from the host.
   */
  shift?: Float64Array;
}

export interface ReducerOutput {
  /** Written as RUN/reducers/<reducer>/<layer>/<key>.npy */
  arrays?: Record<string, { data: Float64Array | Float32Array | Int32Array; shape: number[] }>;
  /** Written as RUN/reducers/<reducer>/<layer>/result.json */
  json?: unknown;
}

export interface ReducerState {
  update(batch: ReducerBatch): void | Promise<void>;
  /**
   * Multi-pass reducers: called when a pass has seen every batch of the layer and another begins;
   * `pass` is the (0-based) index of the pass about to begin (1, 2, ...).
   */
  nextPass?(pass: number): void | Promise<void>;
  finish(): ReducerOutput | Promise<ReducerOutput>;
  /** Releases what the state holds (device buffers, ...); called after finish() or on an error. */
  dispose?(): void | Promise<void>;
  /**
   * The whole state, exactly, at a batch boundary (never called during update): `restore()` of it
   * continues as if never stopped. The snapshot may hold views of the state's own arrays: the
   * probe writes it out before the next update. Its json must say which pass the state is in and
   * the options the output depends on, so that restore/merge can refuse a state of other settings.
   */
  snapshot?(): ReducerSnapshot | Promise<ReducerSnapshot>;
}

/** What a reducer is told about the layer it is created for. */
export interface ReducerLayer {
  layer: string;
  nets: { name: string; units: number }[];
  samples: number;
  /** Samples per item (positions of a conv layer's feature map; 1 for a vector layer): item i's samples are [i * samplesPerItem, (i + 1) * samplesPerItem). */
  samplesPerItem: number;
  /**
   * Bytes of one activation value the batches will hold (4: float32, 8: float64), for reducers that
   * plan memory before the first batch; absent: 8 (the larger, so a plan is never too small).
   */
  valueBytes?: 4 | 8;
  /** The probe's backend, for reducers with kernels of their own (absent when not given). */
  backend?: Backend;
  /** The reducer's options: its declared defaults overridden by `--<reducer>.<option>` flags. */
  options?: Record<string, unknown>;
  /** Where a reducer may say what a long layer will cost (the probe's log; absent: silent). */
  log?: (line: string) => void;
}

export interface Reducer {
  name: string;
  description: string;
  /** Passes over every layer this reducer needs (default 1). */
  passes?: number;
  /**
   * Passes over this layer, when a layer may need more than `passes` (e.g. mi-histograms counting
   * a wide layer in tiles, one tile per pass). The probe reads such a layer that many times; a
   * sharded probe refuses a layer where it exceeds `passes` (a merge runs `passes` passes).
   */
  passesFor?(layer: ReducerLayer): number;
  /**
   * Under `probe --blocks B`, also keep one state per block of items (saved beside the block's
   * moments, merged by align's jackknife for the methods that read this reducer). Needs snapshot,
   * restore and merge, and one pass.
   */
  perBlock?: boolean;
  /** Declared options, given as `--<reducer>.<option> VALUE` (same shape as a method's). */
  options?: Record<string, OptionSpec>;
  /**
   * Optional check of every layer before the probe reads anything (e.g. a memory estimate), so
   * that a layer the reducer cannot handle is refused up front rather than after hours of work.
   */
  validate?(layer: ReducerLayer): void;
  create(layer: ReducerLayer): ReducerState;
  /**
   * A state continuing from `snapshot` (taken by ReducerState.snapshot, or made by merge) for the
   * same layer and options: fed the batches that followed the snapshot (and nextPass / finish as
   * usual), it gives bit-identical output to the state that was never stopped. It may take over
   * the snapshot's arrays (no copies). Refuse, naming both values, a snapshot of other options,
   * nets or pass than this layer's.
   */
  restore?(layer: ReducerLayer, snapshot: ReducerSnapshot): ReducerState;
  /**
   * Two states at the end of the same pass over disjoint item ranges, a's items before b's (e.g.
   * parts K and K+1 of `--shard K/N`), into one: the state one run would have after a's batches
   * then b's, so that restore(merge(a, b)) then nextPass/finish gives the single run's output (or
   * say, in the reducer's docs, where it may differ and why that is equally valid). `layer`
   * describes the merged range (its `samples` is a's plus b's). Merging is pairwise, in item
   * order: merge(merge(p0, p1), p2), ... Refuse, naming both values, snapshots of other options,
   * nets or passes. It may build the result in a's arrays (a is not used again: so merging N
   * parts holds two states, not three) but must leave b unchanged.
   */
  merge?(layer: ReducerLayer, a: ReducerSnapshot, b: ReducerSnapshot): ReducerSnapshot;
}

/**
 * A reducer state saved for a checkpoint or a part (see ReducerState.snapshot, Reducer.restore,
 * Reducer.merge), on disk as one folder (src/probe/snapshot-io.ts).
 */
export interface ReducerSnapshot {
  /** Saved as <key>.npy in the snapshot folder (keys: letters, digits, '.', '_', '-'). */
  arrays: Record<string, { data: Float64Array | Float32Array | Int32Array | Uint32Array; shape: number[] }>;
  /** Saved as snapshot.json: must say which pass the state is in. */
  json: Record<string, unknown>;
}
