// Per-unit reservoir samples of the values above the zero threshold, from which the
// `mi-histograms` reducer places its equal-mass bin edges (see the header of mi-histograms.ts for
// the sampling law and its error bounds).
//
// Sampling: Li's algorithm L (O(K (1 + log(m / K))) random draws per unit for m values and a
// reservoir of K, so the cost is one comparison per value). Each unit draws from its own
// generator, seeded from the reducer's seed, the net and the unit, so the sample does not depend
// on the batch size. The whole state (values, counts, the skip `next` and weight `w` of algorithm
// L, the generator states) is kept in plain arrays, so a checkpoint restores it exactly.
//
// Merging two parts (a's values before b's): while a unit has at most K values above the
// threshold in all, the merged reservoir is all of them, as in one run. Beyond K, it is a uniform
// sample of K of the union: how many come from a is drawn by the hypergeometric law (K draws
// without replacement from seen_a + seen_b values, seen_a of them a's), then that many uniformly
// from a's reservoir (itself a uniform sample of a's values) and the rest from b's. The draws are
// seeded from the seed, net, unit and the two counts, so the merge is deterministic; a merged
// reservoir is complete (the end of pass 0) and takes no more values.
import { orderStatistic, selectRanks } from './mi-quantiles.js';

/** mulberry32 step: the next state and a uniform number in (0, 1). */
function nextUniform(states: Uint32Array, i: number): number {
  const a = (states[i] + 0x6d2b79f5) >>> 0;
  states[i] = a;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
}

/** A 32-bit seed per (seed, net, unit), well mixed (splitmix-style). */
function unitSeed(seed: number, net: number, unit: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(net + 1, 0xc2b2ae35) ^ Math.imul(unit + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The merge's generator seed: the unit's seed mixed with both counts (each merge step draws its own stream). */
function mergeSeed(seed: number, net: number, unit: number, seenA: number, seenB: number): number {
  let h = unitSeed(seed, net, unit);
  for (const count of [seenA, seenB]) {
    for (const word of [count >>> 0, Math.floor(count / 4294967296) >>> 0]) {
      h = Math.imul(h ^ word ^ 0x632be5ab, 0x9e3779b1);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ (h >>> 13);
    }
  }
  return h >>> 0;
}

/** The state of one net's reservoirs, as plain arrays (what a snapshot saves). */
export interface ReservoirArrays {
  /** Values kept per unit (0 .. min(seen, capacity)); null before the first batch. */
  values: Float32Array | Float64Array | null;
  /** units x capacity: the row width of `values`. */
  capacity: number;
  /** Per unit, the values above the threshold seen so far. */
  seen: Float64Array;
  /** Algorithm L's state (the count at which the next replacement happens, the weight, the generator); null once merged. */
  sampler: { next: Float64Array; w: Float64Array; rng: Uint32Array } | null;
}

/** Per-unit reservoir samples of one net's values above the threshold (algorithm L). */
export class NetReservoir {
  private constructor(
    readonly units: number,
    private state: ReservoirArrays,
  ) {}

  static create(units: number, capacity: number, seed: number, net: number): NetReservoir {
    const rng = new Uint32Array(units);
    for (let u = 0; u < units; u++) rng[u] = unitSeed(seed, net, u);
    return new NetReservoir(units, { values: null, capacity, seen: new Float64Array(units), sampler: { next: new Float64Array(units), w: new Float64Array(units), rng } });
  }

  /** Continues from saved arrays (taken over, not copied), after checking them. */
  static restore(units: number, state: ReservoirArrays, what: string): NetReservoir {
    checkReservoirArrays(units, state, what);
    return new NetReservoir(units, state);
  }

  get capacity(): number {
    return this.state.capacity;
  }

  /** Merged from parts: the whole of pass 0, no more values (algorithm L's state is gone). */
  get complete(): boolean {
    return this.state.sampler === null;
  }

  get seen(): Float64Array {
    return this.state.seen;
  }

  /** The state (views of the arrays, valid until the next add). */
  arrays(): ReservoirArrays {
    return this.state;
  }

  add(data: Float32Array | Float64Array, samples: number, threshold: number): void {
    const { sampler, capacity: k, seen: seenAll } = this.state;
    if (!sampler) throw new Error('a reservoir merged from parts holds the whole of pass 0 and takes no more values');
    this.state.values ??= data instanceof Float64Array ? new Float64Array(this.units * k) : new Float32Array(this.units * k);
    const values = this.state.values;
    const { w, rng } = sampler;
    for (let u = 0; u < this.units; u++) {
      const row = u * samples;
      const base = u * k;
      let seen = seenAll[u];
      let next = sampler.next[u];
      for (let s = 0; s < samples; s++) {
        const x = data[row + s];
        if (!(x > threshold)) continue;
        if (seen < k) {
          values[base + seen] = x;
          if (seen === k - 1) {
            // Full: draw the skip to the first replacement.
            w[u] = Math.exp(Math.log(nextUniform(rng, u)) / k);
            next = seen + Math.floor(Math.log(nextUniform(rng, u)) / Math.log1p(-w[u])) + 1;
          }
        } else if (seen === next) {
          values[base + Math.floor(nextUniform(rng, u) * k)] = x;
          w[u] *= Math.exp(Math.log(nextUniform(rng, u)) / k);
          next = seen + Math.floor(Math.log(nextUniform(rng, u)) / Math.log1p(-w[u])) + 1;
        }
        seen++;
      }
      seenAll[u] = seen;
      sampler.next[u] = next;
    }
  }

  /** Edges [threshold, cut 1 .. cut bins-2] per unit, and how many units' edges are exact. Frees the values. */
  edges(bins: number, threshold: number): { edges: Float64Array; exact: number } {
    const { values, capacity, seen } = this.state;
    const ne = bins - 1;
    const edges = new Float64Array(this.units * ne);
    let exact = 0;
    for (let u = 0; u < this.units; u++) {
      const m = Math.min(seen[u], capacity);
      if (seen[u] <= capacity) exact++;
      edges[u * ne] = threshold;
      if (m === 0 || !values) {
        for (let k = 1; k < ne; k++) edges[u * ne + k] = threshold;
        continue;
      }
      const ranks = Array.from({ length: ne - 1 }, (_, k) => orderStatistic(m, k + 1, bins - 1) - 1);
      const cuts = selectRanks(values.subarray(u * capacity, u * capacity + m), ranks);
      for (let k = 1; k < ne; k++) edges[u * ne + k] = cuts[k - 1];
    }
    this.state.values = null;
    return { edges, exact };
  }
}

/** Refuses saved reservoir arrays that do not fit `units` units (sizes, counts, a missing reservoir). */
export function checkReservoirArrays(units: number, state: ReservoirArrays, what: string): void {
  const { values, capacity, seen, sampler } = state;
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new Error(`${what}: reservoir capacity ${capacity} is not a positive integer`);
  if (seen.length !== units) throw new Error(`${what}: counts of ${seen.length} units, expected ${units}`);
  if (values && values.length !== units * capacity) throw new Error(`${what}: ${values.length} reservoir values, expected ${units} units x ${capacity}`);
  if (sampler && (sampler.next.length !== units || sampler.w.length !== units || sampler.rng.length !== units)) throw new Error(`${what}: sampler state not of ${units} units`);
  for (let u = 0; u < units; u++) {
    if (!(Number.isSafeInteger(seen[u]) && seen[u] >= 0)) throw new Error(`${what}: unit ${u} has seen ${seen[u]} values, not a count`);
    if (!values && seen[u] > 0) throw new Error(`${what}: unit ${u} has seen ${seen[u]} values but its reservoir is missing`);
  }
}

/**
 * The reservoirs of one net after a's values, then b's (see the file's header): all of them while
 * a unit has at most `reservoir` values in all, else a uniform sample of that many. Leaves a and b
 * unchanged; `what` (the layer and net) names a pair of states that cannot come from one run.
 */
export function mergeReservoirs(a: ReservoirArrays, b: ReservoirArrays, reservoir: number, seed: number, net: number, what: string): ReservoirArrays {
  const units = a.seen.length;
  const capacity = Math.max(1, Math.min(reservoir, a.capacity + b.capacity));
  const seen = new Float64Array(units);
  const wide = a.values instanceof Float64Array || b.values instanceof Float64Array;
  const values = !a.values && !b.values ? null : wide ? new Float64Array(units * capacity) : new Float32Array(units * capacity);
  const rng = new Uint32Array(1);
  for (let u = 0; u < units; u++) {
    const [seenA, seenB] = [a.seen[u], b.seen[u]];
    seen[u] = seenA + seenB;
    const rowA = kept(a, u);
    const rowB = kept(b, u);
    if (!values) continue;
    const out = u * capacity;
    if (seen[u] <= capacity) {
      // Every value of the unit fits: the union, a's first, as one run keeps them.
      if (rowA.length + rowB.length !== seen[u]) throw new Error(`${what}, unit ${u}: ${seen[u]} values seen, but the parts' reservoirs keep ${rowA.length} + ${rowB.length} (their counts do not fit their reservoirs)`);
      values.set(rowA, out);
      values.set(rowB, out + rowA.length);
      continue;
    }
    rng[0] = mergeSeed(seed, net, u, seenA, seenB);
    // How many of the `capacity` come from a: sequential draws without replacement (hypergeometric).
    let fromA = 0;
    for (let restA = seenA, restB = seenB, i = 0; i < capacity; i++) {
      if (nextUniform(rng, 0) * (restA + restB) < restA) {
        fromA++;
        restA--;
      } else restB--;
    }
    if (fromA > rowA.length || capacity - fromA > rowB.length) {
      throw new Error(`${what}, unit ${u}: cannot draw ${fromA} + ${capacity - fromA} values from reservoirs of ${rowA.length} and ${rowB.length} (the parts' counts do not fit their reservoirs)`);
    }
    values.set(uniformSubset(rowA, fromA, rng), out);
    values.set(uniformSubset(rowB, capacity - fromA, rng), out + fromA);
  }
  return { values, capacity, seen, sampler: null };
}

/** The values a reservoir keeps for unit u (a view). */
function kept(r: ReservoirArrays, u: number): Float32Array | Float64Array {
  const m = Math.min(r.seen[u], r.capacity);
  if (!r.values) return new Float64Array(0);
  return r.values.subarray(u * r.capacity, u * r.capacity + m);
}

/** `count` of `from`'s values, uniformly without replacement (partial Fisher-Yates on a copy). */
function uniformSubset(from: Float32Array | Float64Array, count: number, rng: Uint32Array): Float64Array {
  const pool = new Float64Array(from.length);
  pool.set(from);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(nextUniform(rng, 0) * (pool.length - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.subarray(0, count);
}
