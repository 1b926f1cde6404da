// Two parts' `null` states into one (src/probe/reducers/null-pairs.ts): a's items, then b's.
//
// One run over both ranges forms, besides each part's own rows, the rows at the seam: rows
// t in [Na, Na + (K - 1) L) (t >= (K - 1) L) take net k's sample t - k L from a's tail or b's
// head. The merge forms exactly those rows, adds them and b's moments to a's (Chan's update, in
// float64), keeps a's head (completed from b's head while a is shorter than the window) and b's
// tail (completed from a's) for the final wrap. The seam rows are shifted as the stream shifts
// its rows and rounded to float32's 24-bit significand as the stream's are before the kernel,
// then summed in float64 on the host (merge is synchronous: no kernel): with float64 kernels the
// merged moments equal one run's up to float64 rounding of the sums (see null-pairs.ts for the
// float32 kernels).
import { accumulateMomentsReference } from '../../kernels/moments/reference.js';
import { emptyMoments, mergeMomentsInto } from '../../kernels/moments/merge.js';
import type { BatchMoments } from '../../kernels/moments/contract.js';
import type { MomentsSnapshot } from '../layer-accumulator.js';
import { exponentOf, ldexp } from '../power-of-two.js';
import type { ActivationDtype } from '../../align/unit-stats.js';
import type { ReducerLayer, ReducerSnapshot } from './types.js';
import { NULL_PAIRS, appendEnds, decodeNullSnapshot, encodeNullSnapshot, tailRun, windowOf, type NullPairsData } from './null-pairs-state.js';
import { gatherSamples, laggedSample, type SampleRun } from './null-pairs-window.js';

/** v rounded to float32's 24-bit significand, at any magnitude (what the accumulator's float32 batch, scaled where needed, holds). */
function roundSignificand(v: number): number {
  const e = exponentOf(v);
  return ldexp(Math.fround(ldexp(v, -e)), e);
}

/** `m`'s means about `shift` (a new array when m was shifted otherwise; m itself is never changed). */
function meansAbout(m: MomentsSnapshot, shift: Float64Array): Float64Array {
  const own = m.shift;
  // Parts of one probe share the shift: their means are taken as they are, not moved there and back.
  if (m.n === 0 || (own && own.every((v, i) => v === shift[i]))) return m.mean;
  return m.mean.map((v, i) => v + (own ? own[i] : 0) - shift[i]);
}

function mergeDtypes(a: (ActivationDtype | null)[] | undefined, b: (ActivationDtype | null)[] | undefined, count: number): (ActivationDtype | null)[] {
  return Array.from({ length: count }, (_, k) => {
    const x = a?.[k] ?? null;
    const y = b?.[k] ?? null;
    return x === 'float32' || y === 'float32' ? 'float32' : (x ?? y);
  });
}

/** The seam rows of a (ending at a.seen) and b's head, shifted and rounded, merged into `total`. */
function addSeamRows(layer: ReducerLayer, a: NullPairsData, b: NullPairsData, total: BatchMoments, shift: Float64Array): void {
  const w = windowOf(layer);
  const t0 = Math.max(w, a.seen);
  const t1 = a.seen + Math.min(w, b.seen);
  if (t1 <= t0) return;
  const count = t1 - t0;
  const d = total.d;
  const joint = new Float64Array(d * count);
  let row0 = 0;
  layer.nets.forEach((net, k) => {
    const runs: SampleRun[] = [tailRun(a, k, w), { start: a.seen, length: Math.min(w, b.seen), data: b.head[k], stride: w, col: 0 }];
    gatherSamples(runs, net.units, laggedSample(t0, k, layer.samplesPerItem), count, { to: joint, row0, stride: count, col0: 0 });
    row0 += net.units;
  });
  for (let i = 0; i < d; i++) for (let s = 0; s < count; s++) joint[i * count + s] = roundSignificand(joint[i * count + s] - shift[i]);
  accumulateMomentsReference(total, joint, d, count);
}

/** merge(a, b) of the Reducer contract: built in a's arrays, b left as it is. */
export function mergeNullSnapshots(layer: ReducerLayer, a: ReducerSnapshot, b: ReducerSnapshot): ReducerSnapshot {
  const first = decodeNullSnapshot(layer, a, "the earlier part's state");
  const second = decodeNullSnapshot(layer, b, "the later part's state");
  if (first.seen + second.seen !== layer.samples) {
    throw new Error(`reducer ${NULL_PAIRS}, layer ${layer.layer}: the parts' states hold ${first.seen} + ${second.seen} samples, the merged range has ${layer.samples}`);
  }
  const d = layer.nets.reduce((sum, n) => sum + n.units, 0);
  const ma = first.moments;
  const mb = second.moments;
  // The merged moments are about a's shift (or b's, when a has none): the one shift every part of a probe shares.
  const shift = (ma && ma.n > 0 ? ma.shift : null) ?? mb?.shift ?? ma?.shift ?? new Float64Array(d);
  const total: BatchMoments = ma ? { n: ma.n, d, mean: meansAbout(ma, shift), m2: ma.m2 } : emptyMoments(d);
  if (mb && mb.n > 0) mergeMomentsInto(total, { n: mb.n, d, mean: meansAbout(mb, shift), m2: mb.m2 });
  addSeamRows(layer, first, second, total, shift);

  const w = windowOf(layer);
  const secondRuns = (k: number): SampleRun[] => [
    { start: first.seen, length: Math.min(w, second.seen), data: second.head[k], stride: w, col: 0 },
    { ...tailRun(second, k, w), start: first.seen + second.seen - Math.min(w, second.seen) },
  ];
  appendEnds(first, w, layer.nets, second.seen, secondRuns);
  first.float32 = first.float32.map((f, k) => f && second.float32[k]);
  first.moments = { n: total.n, d, mean: total.mean, m2: total.m2, shift, feed: total.n > 0 ? 'data' : null, dtypes: mergeDtypes(ma?.dtypes, mb?.dtypes, layer.nets.length) };
  return encodeNullSnapshot(layer, first);
}
