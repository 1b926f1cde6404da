// `probe --blocks B`: besides the whole layer's state, the probe keeps the state of each of B
// contiguous blocks of items, for the delete-one-block jackknife of align (src/align/resample/).
// Blocks are items, never positions inside an item: the positions of one image are not independent.
//
// A block's state is what a part of a sharded probe would hold over the same items: the moments
// (about the whole layer's shift; the layer's own moments are the merge of its blocks') and the
// states of the reducers that declare `perBlock` (e.g. sample-norms, for the debiased CKA). Each
// is saved, when the stream passes the block's end, as a snapshot folder RUN/blocks/<k>/<layer>/<state>/
// (src/probe/snapshot-io.ts). The block in progress is part of every checkpoint.
import { runPaths, type ItemRange } from '../run-dir/layout.js';
import { momentsFromSnapshot, momentsToSnapshot } from './checkpoint.js';
import { LayerAccumulator, type NetBatch } from './layer-accumulator.js';
import { restoreReducer, snapshotOf } from './reducer-states.js';
import type { Reducer, ReducerLayer, ReducerSnapshot, ReducerState } from './reducers/types.js';
import { diskStateWriter, writeReducerSnapshot, type StateWriter } from './snapshot-io.js';

/** The fewest blocks a jackknife can use. */
export const MIN_BLOCKS = 2;

/** `range` cut into `count` contiguous blocks whose sizes differ by at most one item. */
export function blockRanges(range: ItemRange, count: number): ItemRange[] {
  const items = range.end - range.start;
  if (!Number.isInteger(count) || count < MIN_BLOCKS) throw new Error(`--blocks must be an integer of at least ${MIN_BLOCKS}, got ${count}`);
  if (count > items) throw new Error(`--blocks ${count}: the probe covers only ${items} items; a block needs at least one`);
  const out: ItemRange[] = [];
  for (let k = 0; k < count; k++) out.push({ start: range.start + Math.floor((k * items) / count), end: range.start + Math.floor(((k + 1) * items) / count) });
  return out;
}

/**
 * Refuses --blocks where it cannot apply, before any work: with --shard (a sharded run's parts are
 * its blocks), with --next-pass, or with more blocks than items.
 */
export function checkBlocks(options: { blocks?: number; shard?: unknown; nextPassFrom?: string }, range: ItemRange, where = ''): void {
  if (options.blocks === undefined) return;
  if (options.shard) throw new Error('--blocks with --shard: the parts of a sharded probe are its blocks already (align takes its intervals from the merged parts); leave --blocks out');
  if (options.nextPassFrom) throw new Error('--blocks with --next-pass: blocks are kept in the first pass only');
  try {
    blockRanges(range, options.blocks);
  } catch (e) {
    throw new Error(`${where}${(e as Error).message}`);
  }
}

/** What --blocks costs on top of the probe, in words: one more state in memory (the widest layer's), B on disk. */
export function blocksCostNote(blocks: number, units: number[]): string {
  const mib = (d: number) => (8 * d * d) / 2 ** 20;
  const widest = Math.max(...units);
  const disk = units.reduce((sum, d) => sum + mib(d), 0) * blocks;
  return `--blocks ${blocks}: one more moment state in memory (${mib(widest).toFixed(1)} MiB for the widest layer, ${widest} units) and ${blocks} per layer on disk (${disk.toFixed(1)} MiB in all)`;
}

/** Reducers that keep a state per block (Reducer.perBlock; they must also merge and save). */
export function blockReducers(reducers: Reducer[]): Reducer[] {
  return reducers.filter((r) => r.perBlock && (r.passes ?? 1) === 1);
}

/** What a block of a layer is told. */
export interface LayerBlocksContext {
  out: string;
  layer: string;
  /** The whole layer's moments: each finished block is merged into it (absorb), never the batches. */
  total: LayerAccumulator;
  ranges: ItemRange[];
  samplesPerItem: number;
  /** The per-block reducers, each with the ReducerLayer of the whole layer (samples are set per block). */
  reducers: { reducer: Reducer; layer: ReducerLayer }[];
  /** Where the finished blocks are saved (default: the disk; the web page's study: its run in memory). */
  to?: StateWriter;
}

/** The state names of a block in a checkpoint and on disk. */
const MOMENTS = 'moments';
const CHECKPOINT_PREFIX = 'block.';

/**
 * The blocks of one layer: the block in progress in memory, the finished ones on disk and merged
 * into the layer's total. The batches go into the block only, so --blocks costs one moment pass,
 * not two: the layer's moments are the merge of its blocks' (the pairwise float64 update), equal
 * to the moments of a probe without blocks up to the float32 rounding of batch sums the block
 * boundaries cut.
 */
export class LayerBlocks {
  private index = -1;
  private moments: LayerAccumulator | undefined;
  private states: { reducer: Reducer; state: ReducerState }[] = [];

  constructor(private readonly ctx: LayerBlocksContext) {}

  /** The block containing absolute item `item`. */
  blockOf(item: number): number {
    const r = this.ctx.ranges;
    let lo = 0;
    let hi = r.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (r[mid].start <= item) lo = mid;
      else hi = mid - 1;
    }
    if (item < r[lo].start || item >= r[lo].end) throw new Error(`layer ${this.ctx.layer}: item ${item} is in no block (${JSON.stringify(r)})`);
    return lo;
  }

  /**
   * Adds a batch of the layer (unit-major, as LayerAccumulator.add takes it) to the blocks it
   * falls in: `itemOf(s)` gives the absolute item of sample s (non-decreasing), `firstSample` the
   * batch's first sample in the layer. The layer's shift is set by the first batch, as add() would.
   */
  async add(batches: NetBatch[], firstSample: number, itemOf: (sample: number) => number): Promise<void> {
    const samples = batches[0].samples;
    // The shift of the whole first batch, as a probe without blocks takes it (not of its first block's part).
    this.ctx.total.shiftFrom(batches);
    let from = 0;
    while (from < samples) {
      const block = this.blockOf(itemOf(from));
      let to = from + 1;
      while (to < samples && this.blockOf(itemOf(to)) === block) to++;
      const part = from === 0 && to === samples ? batches : batches.map((b) => sliceSamples(b, from, to));
      if (block !== this.index) await this.start(block);
      await this.moments!.add(part);
      const shift = this.ctx.total.currentShift();
      for (const { state } of this.states) await state.update({ nets: part.map((b) => b.data), samples: to - from, firstSample: firstSample + from, pass: 0, shift });
      from = to;
    }
  }

  /** Merges the samples the block in progress has gathered (LayerAccumulator.gather). */
  async flush(): Promise<void> {
    await this.moments?.flush();
  }

  /** Samples the block in progress has gathered and not merged. */
  pendingSamples(): number {
    return this.moments?.pendingSamples() ?? 0;
  }

  /** Saves the block in progress (the stream has ended) and merges it into the layer's total. */
  async finish(): Promise<void> {
    await this.save();
  }

  /** The block in progress for a checkpoint (nothing when none has begun): the finished blocks are in the layer's total. */
  async checkpointStates(): Promise<{ name: string; snapshot: ReducerSnapshot }[]> {
    if (!this.moments) return [];
    const moments = momentsToSnapshot(this.moments.snapshot());
    const out: { name: string; snapshot: ReducerSnapshot }[] = [{ name: `${CHECKPOINT_PREFIX}${MOMENTS}`, snapshot: { arrays: moments.arrays, json: { ...moments.json, block: this.index } } }];
    for (const { reducer, state } of this.states) out.push({ name: `${CHECKPOINT_PREFIX}${reducer.name}`, snapshot: await snapshotOf(reducer, state, this.ctx.layer) });
    return out;
  }

  /** Continues the block in progress saved in a checkpoint (`saved` by state name; nothing to do when it saved none), after the total is restored. */
  restore(saved: (name: string) => ReducerSnapshot | undefined): void {
    const m = saved(`${CHECKPOINT_PREFIX}${MOMENTS}`);
    if (!m) return;
    const index = (m.json as { block?: unknown }).block;
    if (typeof index !== 'number') throw new Error(`checkpoint of layer ${this.ctx.layer}: the block in progress lacks its index`);
    this.index = index;
    this.moments = this.ctx.total.restoreBlock(momentsFromSnapshot(m, `checkpoint of layer ${this.ctx.layer}, block ${index}`));
    this.states = this.ctx.reducers.map(({ reducer, layer }) => {
      const r = saved(`${CHECKPOINT_PREFIX}${reducer.name}`);
      if (!r) throw new Error(`checkpoint of layer ${this.ctx.layer}: block ${index} lacks the state of reducer ${reducer.name}`);
      return { reducer, state: restoreReducer(reducer, this.blockLayer(layer, index), r) };
    });
  }

  async dispose(): Promise<void> {
    for (const { state } of this.states) await state.dispose?.();
    this.states = [];
  }

  private blockLayer(layer: ReducerLayer, block: number): ReducerLayer {
    const r = this.ctx.ranges[block];
    return { ...layer, samples: (r.end - r.start) * this.ctx.samplesPerItem };
  }

  private async start(block: number): Promise<void> {
    if (block < this.index) throw new Error(`layer ${this.ctx.layer}: block ${block} after block ${this.index}; items must come in order`);
    await this.save();
    this.index = block;
    this.moments = this.ctx.total.block();
    this.states = this.ctx.reducers.map(({ reducer, layer }) => ({ reducer, state: reducer.create(this.blockLayer(layer, block)) }));
  }

  /** Writes the block in progress to RUN/blocks/<k>/<layer>/ and merges it into the layer's total. */
  private async save(): Promise<void> {
    if (!this.moments) return;
    await this.moments.flush(); // a gathering layer's block ends with its gathered samples merged
    const { out, layer } = this.ctx;
    const to = this.ctx.to ?? diskStateWriter;
    await writeReducerSnapshot(runPaths.blockState(out, this.index, layer, MOMENTS), momentsToSnapshot(this.moments.snapshot()), `layer ${layer}, block ${this.index}`, to);
    for (const { reducer, state } of this.states) {
      await writeReducerSnapshot(runPaths.blockState(out, this.index, layer, reducer.name), await snapshotOf(reducer, state, layer), `reducer ${reducer.name}, layer ${layer}, block ${this.index}`, to);
    }
    this.ctx.total.absorb(this.moments);
    await this.dispose();
    this.moments = undefined;
  }
}

/** Samples [from, to) of a unit-major batch (a copy). */
function sliceSamples(b: NetBatch, from: number, to: number): NetBatch {
  const n = to - from;
  const data = b.data instanceof Float64Array ? new Float64Array(b.units * n) : new Float32Array(b.units * n);
  for (let u = 0; u < b.units; u++) data.set(b.data.subarray(u * b.samples + from, u * b.samples + to), u * n);
  return { data, units: b.units, samples: n };
}
