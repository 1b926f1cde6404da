// The probe side of `--method layer-cka`: per batch, every probed layer of every net pooled to one
// feature vector per image (./pool.ts), all (net, layer) blocks stacked into one joint vector,
// whose joint moments (LayerAccumulator, on the probe's moment kernel) and per-image norm sums
// (SampleNormSums, a block being a (net, layer)) are accumulated. From these align computes the
// biased and the debiased linear CKA of every pair of blocks (src/align/layer-cka.ts): one pass
// over the images gives every layer of every net against every other and itself.
//
// The norm sums are taken about the joint moments' shift (the first batch's means), as reducer
// sample-norms takes them about a layer's: align moves both to the final mean.
import { join } from '../../platform/node-path.js';
import type { MomentKernel } from '../../kernels/moments/contract.js';
import { LayerAccumulator } from '../layer-accumulator.js';
import { momentsFromSnapshot, momentsToSnapshot } from '../checkpoint.js';
import { SampleNormSums, blocksOfSizes, type SampleNormArrays } from '../reducers/sample-norms.js';
import type { ReducerSnapshot } from '../reducers/types.js';
import { diskStateWriter, writeReducerSnapshot, type StateWriter } from '../snapshot-io.js';
import { totalFeatures, type LayerCkaBlock } from './blocks.js';
import { poolBatch } from './pool.js';

/** The names of layer-cka's states in a checkpoint (saved with the probe's first layer; no reducer or net name has a dot and these words). */
export const LAYER_CKA_STATES = { moments: 'layer-cka.moments', norms: 'layer-cka.norms' } as const;

/** What RUN/layer-cka/blocks.json holds. */
export interface LayerCkaRecord {
  /** Images summed. */
  samples: number;
  /** --layer-cka.pool as given ('mean' or 'KxK'). */
  pool: string;
  features: number;
  blocks: LayerCkaBlock[];
  cells: string;
}

export const CELLS_NOTE = 'a KxK grid cuts an H-row map at rows floor(r * H / K), r = 0..K (likewise columns): cells tile the map without overlap; feature (u * K + r) * K + c is unit u averaged over cell (r, c)';

export class LayerCkaAccumulator {
  readonly moments: LayerAccumulator;
  readonly norms: SampleNormSums;
  /** Per block, its pooled batch (features x n, unit-major), reused from batch to batch. */
  private pooled: Float64Array[];

  constructor(
    readonly blocks: LayerCkaBlock[],
    readonly layers: number,
    kernel: MomentKernel,
    saved?: { moments: ReducerSnapshot; norms: ReducerSnapshot },
  ) {
    const named = blocks.map((b) => ({ name: `${b.net} (layer ${b.layer}, pooled)`, units: b.features }));
    const sizes = blocks.map((b) => b.features);
    const label = 'layer-cka';
    if (saved) {
      this.moments = LayerAccumulator.restore(label, named, kernel, momentsFromSnapshot(saved.moments, 'checkpoint of layer-cka'));
      this.norms = SampleNormSums.fromArrays(blocksOfSizes(sizes), sizes.length, 'layer-cka: the checkpoint', normsFromSnapshot(saved.norms));
    } else {
      this.moments = new LayerAccumulator(label, named, kernel);
      this.norms = SampleNormSums.ofSizes(sizes, label);
    }
    this.pooled = blocks.map(() => new Float64Array(0));
    if (layers < 1 || blocks.length % layers !== 0) throw new Error(`layer-cka: ${blocks.length} blocks for ${layers} layers`);
  }

  /**
   * Adds a batch of `n` images: captured[k][li] is net k's layer li, batch-first (n, units, H, W),
   * as the forward engine gives it; the blocks are net-major (net 0's layers first).
   */
  async add(captured: Float32Array[][], n: number): Promise<void> {
    if (n === 0) return;
    const batches = this.blocks.map((block, j) => {
      const k = Math.floor(j / this.layers);
      const li = j % this.layers;
      if (this.pooled[j].length < block.features * n) this.pooled[j] = new Float64Array(block.features * n);
      const out = this.pooled[j].subarray(0, block.features * n);
      poolBatch(captured[k][li], n, block, out);
      return { data: out, units: block.features, samples: n };
    });
    await this.moments.add(batches);
    this.norms.add(batches.map((b) => b.data), n, this.moments.currentShift());
  }

  /** The states for a checkpoint (views of the accumulators' own arrays: written before the next batch). */
  states(): { name: string; snapshot: ReducerSnapshot }[] {
    return [
      { name: LAYER_CKA_STATES.moments, snapshot: momentsToSnapshot(this.moments.snapshot()) },
      { name: LAYER_CKA_STATES.norms, snapshot: normsToSnapshot(this.norms.arrays(), this.blocks) },
    ];
  }

  /** Writes RUN/layer-cka/: mean.npy, m2.npy (the joint moments), norms/ (the norm sums) and blocks.json (to disk, or `to` a run in memory). */
  async write(dir: string, pool: string, to: StateWriter = diskStateWriter): Promise<void> {
    await to.ensureDir(dir);
    const result = this.moments.resultView(); // m2 is the accumulator's own: no second D x D copy
    const d = totalFeatures(this.blocks);
    await to.npy(join(dir, 'mean.npy'), result.mean, [d]);
    await to.npy(join(dir, 'm2.npy'), result.m2, [d, d]);
    await writeReducerSnapshot(join(dir, 'norms'), normsToSnapshot(this.norms.arrays(), this.blocks), 'layer-cka norm sums', to);
    const record: LayerCkaRecord = { samples: result.n, pool, features: d, blocks: this.blocks, cells: CELLS_NOTE };
    await to.json(join(dir, 'blocks.json'), record);
  }
}

/** The norm sums as a saved state (also how RUN/layer-cka/norms/ is written). */
export function normsToSnapshot(a: SampleNormArrays, blocks: LayerCkaBlock[]): ReducerSnapshot {
  const K = blocks.length;
  const D = a.weighted.length / Math.max(1, K);
  const arrays: ReducerSnapshot['arrays'] = {
    products: { data: a.products, shape: [K, K] },
    sums: { data: a.sums, shape: [K] },
    weighted: { data: a.weighted, shape: [K, D] },
  };
  if (a.shift) arrays.shift = { data: a.shift, shape: [D] };
  return { arrays, json: { samples: a.n, blocks: blocks.map((b) => `${b.net}/${b.layer}: ${b.features}`) } };
}

/** The norm sums of a saved state (RUN/layer-cka/norms/ or a checkpoint's). */
export function normsFromSnapshot(s: ReducerSnapshot, what = 'layer-cka norm sums'): SampleNormArrays {
  const f64 = (key: string): Float64Array => {
    const data = s.arrays[key]?.data;
    if (!(data instanceof Float64Array)) throw new Error(`${what}: no float64 array "${key}"`);
    return data;
  };
  return { n: Number(s.json.samples), shift: s.arrays.shift ? f64('shift') : null, products: f64('products'), sums: f64('sums'), weighted: f64('weighted') };
}
