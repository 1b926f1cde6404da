// Reducer `null`: the joint moments of the layer when no two nets see the same input, from which
// align computes every headline number's chance level (src/align/null-data.ts).
//
// The pairing. With K nets and L samples per item (positions of a conv layer's map, 1 for a
// vector layer), joint row t takes net k's sample (t - k L) mod N over the probe's N samples:
// net k is lagged by k items, cyclically within the probe's range, and keeps the position. So
// net k's item i meets net 0's item i + k, the same position of another image, and nets a < b
// are mismatched by b - a items, never 0 when the range has at least K items (refused below).
// Each net's column of the joint rows is a permutation of its own samples: the within-net blocks
// of the null moments equal the real ones (up to float rounding) and the joint matrix is a real
// covariance matrix, only the between-net blocks lose the correspondence.
//
// The stream. Rows t >= (K - 1) L have all their samples at hand once net 0's sample t arrives,
// so each batch forms the rows it completes, from the batch and the last (K - 1) L samples
// before it (the tail); the first (K - 1) L rows need the range's last samples and wait for
// finish(), which forms them from the head (the first (K - 1) L samples) and the tail. Batches
// may split items (activation files are read by samples): the state works on samples. The rows
// go through a LayerAccumulator on the probe's moment kernel, shifted by the probe's own shift
// (ReducerBatch.shift) so that every value meets the kernel as it does in the real moments; the
// cost is about the real moments' (the rows are copied once more).
//
// Checkpoints and shards. The state is the moments of the rows formed, the head, the tail and the
// count of samples seen: snapshot/restore are exact. merge(a, b) adds b's moments to a's, forms
// the rows that join a's tail with b's head (the rows one run forms at the seam, with the same
// float32 rounding of the shifted values), and keeps a's head and b's tail for the final wrap:
// restored and finished, the merged state gives the single run's moments up to the rounding of
// the sums: the seam rows are summed in float64 on the host (merge is synchronous), the wrap rows
// of finish() by the kernel of the backend that finishes (`convergent merge --backend`), and the
// rows are grouped into other batches than one run's. With float64 sums (the reference backend)
// that is float64 rounding (1e-12 in the tests); the WASM and WebGPU kernels sum float32 blocks of
// samples, so a merged run differs from the single one there by about 1e-7 relative.
//
// Memory: the moments (another d x d float64, as large as the real ones), and head and tail,
// 2 (K - 1) L d float64.
import { createReferenceMomentKernel } from '../../kernels/moments/reference.js';
import type { MomentKernel } from '../../kernels/moments/contract.js';
import { LayerAccumulator, type NetBatch } from '../layer-accumulator.js';
import type { Reducer, ReducerBatch, ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from './types.js';
import { gatherSamples, laggedSample, type SampleRun } from './null-pairs-window.js';
import { NULL_PAIRS, appendEnds, decodeNullSnapshot, emptyNullData, encodeNullSnapshot, tailRun, windowOf, type NullPairsData } from './null-pairs-state.js';
import { mergeNullSnapshots } from './null-pairs-merge.js';

export { NULL_PAIRS } from './null-pairs-state.js';

/** What the reducer writes to result.json. */
export interface NullPairsJson {
  /** Joint rows (= samples of the layer's range). */
  samples: number;
  items: number;
  samplesPerItem: number;
  nets: { name: string; units: number }[];
  /** Per net, in items: net k lags net 0 by lags[k] items (its item i meets net 0's item i + lags[k], mod items). */
  lags: number[];
  pairing: string;
}

type Nets = ReducerLayer['nets'];

/** Bytes the state holds for a layer: the d x d co-moments and means, and head and tail. */
export function nullPairsBytes(layer: Pick<ReducerLayer, 'nets' | 'samplesPerItem'>): number {
  const d = layer.nets.reduce((sum, n) => sum + n.units, 0);
  return 8 * (d * d + d + 2 * windowOf(layer) * d);
}

/** Bytes as MiB, with a decimal or two where the size is small (tests' layers, a tight limit). */
function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return `${m >= 10 ? m.toFixed(0) : m.toPrecision(2)} MiB`;
}

function checkLayer(layer: ReducerLayer): void {
  const items = layer.samples / layer.samplesPerItem;
  const k = layer.nets.length;
  if (items < k) {
    throw new Error(
      `reducer ${NULL_PAIRS}, layer ${layer.layer}: ${items} items, fewer than the ${k} nets; the null pairing lags net k by k items, ` +
        `so it needs at least one item per net for no two nets to see the same input (it would hold ${mib(nullPairsBytes(layer))}); ` +
        `probe more items, or leave out --reducer ${NULL_PAIRS}`,
    );
  }
  const limit = Number(layer.options?.['max-memory-mb'] ?? Infinity);
  const bytes = nullPairsBytes(layer);
  if (bytes > limit * 2 ** 20) {
    throw new Error(
      `reducer ${NULL_PAIRS}, layer ${layer.layer}: the null moments need ${mib(bytes)} (another copy of the layer's moments: ` +
        `${layer.nets.map((n) => `${n.name} ${n.units}`).join(' + ')} units, squared, in float64, and ${windowOf(layer)} samples at each end of the range), ` +
        `over the limit of ${limit} MiB; probe fewer layers (--layer) or raise --${NULL_PAIRS}.max-memory-mb`,
    );
  }
}

/**
 * The joint rows [t0, t1), one NetBatch per net, each net's samples taken from `runs(k)` (global
 * sample indices: net k's sample for row t is t - k L).
 */
function jointRows(nets: Nets, samplesPerItem: number, t0: number, t1: number, runs: (k: number) => SampleRun[], float32: boolean[]): NetBatch[] {
  const count = t1 - t0;
  return nets.map((net, k) => {
    const to = float32[k] ? new Float32Array(net.units * count) : new Float64Array(net.units * count);
    gatherSamples(runs(k), net.units, laggedSample(t0, k, samplesPerItem), count, { to, row0: 0, stride: count, col0: 0 });
    return { data: to, units: net.units, samples: count };
  });
}

class NullPairsState implements ReducerState {
  private moments: LayerAccumulator | undefined;
  private readonly w: number;

  constructor(
    private readonly layer: ReducerLayer,
    private readonly kernel: MomentKernel,
    private readonly state: NullPairsData,
  ) {
    this.w = windowOf(layer);
    if (state.moments) this.moments = LayerAccumulator.restore(layer.layer, layer.nets, kernel, state.moments);
  }

  async update(batch: ReducerBatch): Promise<void> {
    if ((batch.pass ?? 0) !== 0) throw new Error(`reducer ${NULL_PAIRS}, layer ${this.layer.layer}: a single-pass reducer was given pass ${batch.pass}`);
    const n = batch.samples;
    if (n === 0) return;
    const { state, w, layer } = this;
    batch.nets.forEach((data, k) => (state.float32[k] &&= data instanceof Float32Array));
    this.moments ??= this.startMoments(batch.shift);
    // Rows [max(w, seen), seen + n): the tail and this batch hold every sample they take.
    const t0 = Math.max(w, state.seen);
    const t1 = state.seen + n;
    const fresh = (k: number): SampleRun[] => [{ start: state.seen, length: n, data: batch.nets[k], stride: n, col: 0 }];
    if (t1 > t0) await this.moments.add(jointRows(layer.nets, layer.samplesPerItem, t0, t1, (k) => [tailRun(state, k, w), ...fresh(k)], state.float32));
    appendEnds(state, w, layer.nets, n, fresh);
  }

  /** The accumulator, shifted as the probe's moments are (their shift, when the batch brings it). */
  private startMoments(shift: Float64Array | undefined): LayerAccumulator {
    const { layer } = this;
    if (!shift) return new LayerAccumulator(layer.layer, layer.nets, this.kernel);
    const d = shift.length;
    return LayerAccumulator.restore(layer.layer, layer.nets, this.kernel, { n: 0, d, mean: new Float64Array(d), m2: new Float64Array(d * d), shift: Float64Array.from(shift), feed: null, dtypes: layer.nets.map(() => null) });
  }

  snapshot(): ReducerSnapshot {
    return encodeNullSnapshot(this.layer, { ...this.state, moments: this.moments?.snapshot() ?? null });
  }

  async finish(): Promise<ReducerOutput> {
    const { state, w, layer } = this;
    const L = layer.samplesPerItem;
    const items = state.seen / L;
    checkLayer({ ...layer, samples: state.seen });
    if (!Number.isInteger(items)) throw new Error(`reducer ${NULL_PAIRS}, layer ${layer.layer}: ${state.seen} samples are not whole items of ${L} samples`);
    const moments = (this.moments ??= this.startMoments(undefined));
    // The first w rows wrap: net k's sample t - k L < 0 is sample N + t - k L, in the tail.
    if (w > 0) {
      const ends = (k: number): SampleRun[] => [
        { start: -w, length: w, data: state.tail[k], stride: w, col: 0 },
        { start: 0, length: w, data: state.head[k], stride: w, col: 0 },
      ];
      await moments.add(jointRows(layer.nets, L, 0, w, ends, state.float32));
    }
    const result = moments.resultView();
    const d = result.d;
    const json: NullPairsJson = {
      samples: result.n,
      items,
      samplesPerItem: L,
      nets: layer.nets.map((n) => ({ name: n.name, units: n.units })),
      lags: layer.nets.map((_, k) => k),
      pairing: "net k's item i is paired with net 0's item (i + k) mod items, positions kept: nets a < b are mismatched by b - a items",
    };
    return { arrays: { mean: { data: result.mean, shape: [d] }, m2: { data: result.m2, shape: [d, d] } }, json };
  }

  dispose(): void {
    this.moments = undefined;
  }
}

/** The kernel the rows go through: the probe's, or float64 TypeScript for a layer given without a backend (tests). */
function kernelOf(layer: ReducerLayer): MomentKernel {
  return layer.backend?.moments ?? createReferenceMomentKernel();
}

export const nullPairsReducer: Reducer = {
  name: NULL_PAIRS,
  description: 'joint moments of mismatched items (net k lagged by k items, cyclically within the range: no two nets see the same input), for chance levels',
  options: {
    'max-memory-mb': { type: 'number', default: 8192, describe: 'refuse a layer whose null moments (another d x d float64, as large as the moments) would need more memory than this' },
  },
  validate(layer) {
    checkLayer(layer);
  },
  create(layer) {
    checkLayer(layer);
    return new NullPairsState(layer, kernelOf(layer), emptyNullData(layer));
  },
  restore(layer, snapshot) {
    checkLayer(layer);
    return new NullPairsState(layer, kernelOf(layer), decodeNullSnapshot(layer, snapshot, 'the saved state'));
  },
  merge(layer, a, b) {
    return mergeNullSnapshots(layer, a, b);
  },
};

