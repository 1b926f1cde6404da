// The `null` reducer's state as data (src/probe/reducers/null-pairs.ts): the samples seen, the
// first and last (K - 1) items of every net (the head and the tail: the rows that wrap around
// the range, or join two parts, need them) and the moments of the rows formed so far; and its
// snapshot, saved as
//   mean, m2, shift   the moments, as a checkpoint saves the layer's (src/probe/checkpoint.ts);
//   head.<k>, tail.<k>  net k's first and last samples, units x (K - 1) L float64, the first
//                     min(seen, (K - 1) L) columns in use;
// and snapshot.json with the pass (0), nets, samples per item and samples seen.
import type { MomentsSnapshot } from '../layer-accumulator.js';
import { momentsFromSnapshot, momentsToSnapshot } from '../checkpoint.js';
import type { ReducerLayer, ReducerSnapshot } from './types.js';
import { gatherSamples, type SampleRun } from './null-pairs-window.js';

export const NULL_PAIRS = 'null';

type Nets = ReducerLayer['nets'];
type Shape = Pick<ReducerLayer, 'nets' | 'samplesPerItem'>;

export interface NullPairsData {
  /** Samples of the range seen so far. */
  seen: number;
  /** Per net, units x window: the range's first min(seen, window) samples. */
  head: Float64Array[];
  /** Per net, units x window: its last min(seen, window) samples, from column 0. */
  tail: Float64Array[];
  /** The moments of the rows formed so far (null before the first batch). */
  moments: MomentsSnapshot | null;
  /** Per net: true while every batch it fed was float32 (its rows then go to the accumulator as float32). */
  float32: boolean[];
}

/** Samples kept at each end of the range: the (K - 1) items the wrap needs, (K - 1) L. */
export function windowOf(layer: Shape): number {
  return (layer.nets.length - 1) * layer.samplesPerItem;
}

/** Nothing seen. */
export function emptyNullData(layer: Shape): NullPairsData {
  const w = windowOf(layer);
  return { seen: 0, head: layer.nets.map((n) => new Float64Array(n.units * w)), tail: layer.nets.map((n) => new Float64Array(n.units * w)), moments: null, float32: layer.nets.map(() => true) };
}

/** The runs of net k's samples the state holds just before sample `seen`: its tail. */
export function tailRun(data: NullPairsData, k: number, w: number): SampleRun {
  const length = Math.min(data.seen, w);
  return { start: data.seen - length, length, data: data.tail[k], stride: w, col: 0 };
}

/**
 * Moves head and tail on by `n` new samples [seen, seen + n), which `runs(k)` holds for net k
 * (at least the first min(n, w) of them and the last min(n, w)), and counts them as seen.
 */
export function appendEnds(data: NullPairsData, w: number, nets: Nets, n: number, runs: (k: number) => SampleRun[]): void {
  const { seen } = data;
  const toHead = Math.max(0, Math.min(n, w - seen));
  const tailBefore = Math.min(seen, w);
  const tailAfter = Math.min(seen + n, w);
  // Samples of the old tail still among the last w, and new samples after them.
  const kept = tailAfter - Math.min(n, tailAfter);
  const fresh = tailAfter - kept;
  nets.forEach((net, k) => {
    if (toHead > 0) gatherSamples(runs(k), net.units, seen, toHead, { to: data.head[k], row0: 0, stride: w, col0: seen });
    const tail = data.tail[k];
    if (kept > 0) for (let u = 0; u < net.units; u++) tail.copyWithin(u * w, u * w + tailBefore - kept, u * w + tailBefore);
    if (fresh > 0) gatherSamples(runs(k), net.units, seen + n - fresh, fresh, { to: tail, row0: 0, stride: w, col0: kept });
  });
  data.seen += n;
}

/** The snapshot of a state (views of its arrays). */
export function encodeNullSnapshot(layer: Shape, data: NullPairsData): ReducerSnapshot {
  const w = windowOf(layer);
  const arrays: ReducerSnapshot['arrays'] = {};
  let moments: Record<string, unknown> | null = null;
  if (data.moments) {
    const saved = momentsToSnapshot(data.moments);
    Object.assign(arrays, saved.arrays);
    moments = saved.json;
  }
  if (w > 0) {
    layer.nets.forEach((n, k) => {
      arrays[`head.${k}`] = { data: data.head[k], shape: [n.units, w] };
      arrays[`tail.${k}`] = { data: data.tail[k], shape: [n.units, w] };
    });
  }
  const json = { reducer: NULL_PAIRS, pass: 0, nets: layer.nets.map((n) => ({ name: n.name, units: n.units })), samplesPerItem: layer.samplesPerItem, seen: data.seen, float32: data.float32, moments };
  return { arrays, json };
}

/**
 * The state in `snapshot`, refused (naming both values) when it is another reducer's, pass,
 * nets or samples per item than the layer's; `what` names it in messages. Takes the arrays over.
 */
export function decodeNullSnapshot(layer: Pick<ReducerLayer, 'layer' | 'nets' | 'samplesPerItem'>, snapshot: ReducerSnapshot, what: string): NullPairsData {
  const { json } = snapshot;
  const where = `reducer ${NULL_PAIRS}, layer ${layer.layer}: ${what}`;
  if (json.reducer !== NULL_PAIRS) throw new Error(`${where} is a state of reducer ${String(json.reducer)}, not ${NULL_PAIRS}`);
  if (json.pass !== 0) throw new Error(`${where} is in pass ${String(json.pass)}; this reducer has one pass (0)`);
  const describe = (nets: unknown) => (Array.isArray(nets) ? (nets as Nets) : []).map((n) => `${n.name} (${n.units} units)`).join(', ');
  if (describe(json.nets) !== describe(layer.nets)) throw new Error(`${where} holds nets ${describe(json.nets)}, this layer has ${describe(layer.nets)}`);
  if (json.samplesPerItem !== layer.samplesPerItem) throw new Error(`${where} has ${String(json.samplesPerItem)} samples per item, this layer ${layer.samplesPerItem}`);
  const seen = json.seen;
  if (typeof seen !== 'number' || !Number.isInteger(seen) || seen < 0) throw new Error(`${where} has no count of the samples seen (got ${String(seen)})`);
  const w = windowOf(layer);
  const end = (key: string, units: number): Float64Array => {
    if (w === 0) return new Float64Array(0);
    const a = snapshot.arrays[key]?.data;
    if (!(a instanceof Float64Array) || a.length !== units * w) throw new Error(`${where}: array ${key} is missing or not ${units} x ${w} float64 values`);
    return a;
  };
  const float32 = Array.isArray(json.float32) && json.float32.length === layer.nets.length ? json.float32.map((f) => f === true) : layer.nets.map(() => false);
  const moments = json.moments ? momentsFromSnapshot({ arrays: snapshot.arrays, json: json.moments as Record<string, unknown> }, where) : null;
  return { seen, head: layer.nets.map((n, k) => end(`head.${k}`, n.units)), tail: layer.nets.map((n, k) => end(`tail.${k}`, n.units)), moments, float32 };
}
