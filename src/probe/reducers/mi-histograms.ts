// Reducer `mi-histograms`: per layer, the bin edges of every unit and the joint histogram of
// every between-net pair of units, from which the `mi` method computes mutual information
// (Li et al. 2016, sec. 3: the second similarity measure besides correlation).
//
// Two passes over the layer:
//  pass 0  the edges. Bin 0 holds the values at or below the zero threshold (`zero-threshold`,
//          default 0: a ReLU that is off); bins 1 .. bins-1 split the values above it into
//          equal-mass percentile bins. The cut points are order statistics (inverted CDF):
//          with m values above the threshold, sorted v_(1) <= ... <= v_(m), cut k (k = 1 ..
//          bins-2) is v_(j) with j = ceil(m k / (bins - 1)), so bin k holds the values in
//          (cut k-1, cut k] and has about m / (bins - 1) of them (exactly, but for ties).
//          The edges of unit u are [threshold, cut 1, ..., cut bins-2] and a value's bin is the
//          number of edges strictly below it (src/kernels/joint-histogram/reference.ts).
//  pass 1  the joint counts on the backend's device (WebGPU, WASM or the reference).
//
// Quantiles from a stream. Exact order statistics need every value; this reducer keeps, per unit,
// a seeded uniform reservoir sample of at most `reservoir` (default 65536) of the values above
// the threshold (Li's algorithm L: O(K (1 + log(m / K))) random draws per unit, so the cost is
// one comparison per value), and takes the order statistics of the sample. While a unit has at
// most `reservoir` values above the threshold the sample is all of them and the edges are exact
// (result.json counts such units per net: `exactEdges`). Beyond that, the cut meant to lie at
// rank fraction p of the unit's values above the threshold lies at fraction p + e, where e has
// standard deviation sqrt(p (1 - p) / K) <= 0.5 / sqrt(K) = 0.0020 for K = 65536; a bin meant to
// hold a fraction q = 1 / (bins - 1) of them holds q with a standard deviation of
// sqrt(q (1 - q) / K) (0.0012 for 10 bins: 0.111 +- 0.0012); and by the Dvoretzky-Kiefer-Wolfowitz
// inequality max_p |e| <= sqrt(ln(2 / alpha) / (2 K)) with probability 1 - alpha (0.0105 for
// alpha = 1e-6), so no bin is off by more than 0.021 then.
// Only which (near-)equal-mass discretisation is used depends on the sample: the counts and the
// mutual information are then computed exactly over all samples for the edges chosen. Memory:
// 4 (float32 files) or 8 (float64) bytes x min(K, samples) per unit during pass 0.
//
// Each unit draws from its own generator (seeded from `seed`, the net and the unit), so the edges
// do not depend on the batch size.
import { MAX_BINS, createWasmJointHistogramKernel, type JointHistogramKernel, type JointHistogramSpec } from '../../kernels/joint-histogram/index.js';
import type { Reducer, ReducerLayer, ReducerOutput, ReducerState } from './types.js';

export const MI_HISTOGRAMS = 'mi-histograms';

export interface MiHistogramSettings {
  bins: number;
  zeroThreshold: number;
  reservoir: number;
  seed: number;
  maxMemoryMb: number;
}

/** What the reducer writes to result.json, read back by the `mi` method. */
export interface MiHistogramsJson {
  bins: number;
  zeroThreshold: number;
  reservoir: number;
  seed: number;
  samples: number;
  nets: { name: string; units: number; exactEdges: number }[];
  /** Net indices [a, b]: `joint.<net a>.<net b>.npy` has shape [units a, units b, bins, bins]. */
  pairs: [number, number][];
  kernel: string;
  quantiles: string;
}

export function miHistogramSettings(options: Record<string, unknown> | undefined): MiHistogramSettings {
  const o = options ?? {};
  const num = (key: string, fallback: number) => (o[key] === undefined ? fallback : Number(o[key]));
  const s: MiHistogramSettings = {
    bins: num('bins', 10),
    zeroThreshold: num('zero-threshold', 0),
    reservoir: num('reservoir', 65536),
    seed: num('seed', 0),
    maxMemoryMb: num('max-memory-mb', 2048),
  };
  if (!Number.isInteger(s.bins) || s.bins < 2 || s.bins > MAX_BINS) throw new Error(`${MI_HISTOGRAMS}: bins must be an integer from 2 to ${MAX_BINS} (a zero bin and at least one more), got ${o.bins}`);
  if (!Number.isFinite(s.zeroThreshold)) {
    throw new Error(`${MI_HISTOGRAMS}: zero-threshold must be a finite number (a very negative one, e.g. -1e30, leaves the zero bin empty), got ${o['zero-threshold']}`);
  }
  if (!Number.isInteger(s.reservoir) || s.reservoir < 1) throw new Error(`${MI_HISTOGRAMS}: reservoir must be a positive integer, got ${o.reservoir}`);
  if (!Number.isInteger(s.seed)) throw new Error(`${MI_HISTOGRAMS}: seed must be an integer, got ${o.seed}`);
  if (!(s.maxMemoryMb > 0)) throw new Error(`${MI_HISTOGRAMS}: max-memory-mb must be positive, got ${o['max-memory-mb']}`);
  return s;
}

function layerPairs(count: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) pairs.push([a, b]);
  return pairs;
}

/** Bytes the reducer holds at its peak for a layer: counters (u32 + float64 totals + the float64 copy written out) and reservoirs. */
export function miHistogramBytes(layer: Pick<ReducerLayer, 'nets' | 'samples'>, s: MiHistogramSettings): { bytes: number; cells: number } {
  const cells = layerPairs(layer.nets.length).reduce((sum, [a, b]) => sum + layer.nets[a].units * layer.nets[b].units * s.bins * s.bins, 0);
  const units = layer.nets.reduce((sum, n) => sum + n.units, 0);
  const reservoir = units * Math.min(s.reservoir, layer.samples) * 8;
  return { bytes: cells * 20 + reservoir, cells };
}

function checkMemory(layer: ReducerLayer, s: MiHistogramSettings): void {
  const { bytes, cells } = miHistogramBytes(layer, s);
  const limit = s.maxMemoryMb * 1024 * 1024;
  if (bytes > limit) {
    const widths = layer.nets.map((n) => `${n.name} ${n.units}`).join(', ');
    throw new Error(
      `layer ${layer.layer}: the mutual-information histograms need ${(bytes / 2 ** 20).toFixed(0)} MiB ` +
        `(${cells} counters: every between-net pair of units x ${s.bins}^2 bins; units: ${widths}), over the limit of ${s.maxMemoryMb} MiB; ` +
        `probe fewer layers (--layer), use fewer bins (--mi.bins) or raise the limit (--mi.max-memory-mb with \`convergent run\`, ` +
        `--${MI_HISTOGRAMS}.max-memory-mb with \`convergent probe\`)`,
    );
  }
}

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

/** Per-unit reservoir samples of one net's values above the threshold (algorithm L). */
class NetReservoir {
  readonly seen: Float64Array;
  private values: Float32Array | Float64Array | null = null;
  private readonly next: Float64Array;
  private readonly w: Float64Array;
  private readonly rng: Uint32Array;

  constructor(readonly units: number, readonly capacity: number, seed: number, net: number) {
    this.seen = new Float64Array(units);
    this.next = new Float64Array(units);
    this.w = new Float64Array(units);
    this.rng = new Uint32Array(units);
    for (let u = 0; u < units; u++) this.rng[u] = unitSeed(seed, net, u);
  }

  add(data: Float32Array | Float64Array, samples: number, threshold: number): void {
    const k = this.capacity;
    this.values ??= data instanceof Float64Array ? new Float64Array(this.units * k) : new Float32Array(this.units * k);
    const values = this.values;
    for (let u = 0; u < this.units; u++) {
      const row = u * samples;
      const base = u * k;
      let seen = this.seen[u];
      let next = this.next[u];
      for (let s = 0; s < samples; s++) {
        const x = data[row + s];
        if (!(x > threshold)) continue;
        if (seen < k) {
          values[base + seen] = x;
          if (seen === k - 1) {
            // Full: draw the skip to the first replacement.
            this.w[u] = Math.exp(Math.log(nextUniform(this.rng, u)) / k);
            next = seen + Math.floor(Math.log(nextUniform(this.rng, u)) / Math.log1p(-this.w[u])) + 1;
          }
        } else if (seen === next) {
          values[base + Math.floor(nextUniform(this.rng, u) * k)] = x;
          this.w[u] *= Math.exp(Math.log(nextUniform(this.rng, u)) / k);
          next = seen + Math.floor(Math.log(nextUniform(this.rng, u)) / Math.log1p(-this.w[u])) + 1;
        }
        seen++;
      }
      this.seen[u] = seen;
      this.next[u] = next;
    }
  }

  /** Edges [threshold, cut 1 .. cut bins-2] per unit, and how many units' edges are exact. */
  edges(bins: number, threshold: number): { edges: Float64Array; exact: number } {
    const ne = bins - 1;
    const edges = new Float64Array(this.units * ne);
    let exact = 0;
    for (let u = 0; u < this.units; u++) {
      const m = Math.min(this.seen[u], this.capacity);
      if (this.seen[u] <= this.capacity) exact++;
      edges[u * ne] = threshold;
      if (m === 0 || !this.values) {
        for (let k = 1; k < ne; k++) edges[u * ne + k] = threshold;
        continue;
      }
      const ranks = Array.from({ length: ne - 1 }, (_, k) => orderStatistic(m, k + 1, bins - 1) - 1);
      const cuts = selectRanks(this.values.subarray(u * this.capacity, u * this.capacity + m), ranks);
      for (let k = 1; k < ne; k++) edges[u * ne + k] = cuts[k - 1];
    }
    this.values = null;
    return { edges, exact };
  }
}

/**
 * The values of `a` at the given 0-based ranks (non-decreasing) of its ascending order, as a full
 * sort would give them, in O(length x log(ranks)) by quickselect (Hoare partitions, median-of-3
 * pivots, recursing on the ranks either side of the middle one). Reorders `a` in place.
 */
export function selectRanks(a: Float32Array | Float64Array, ranks: number[]): number[] {
  const out = new Array<number>(ranks.length);
  const swap = (i: number, j: number) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  };
  // After nth(lo, hi, k): a[k] is the value of rank k, a[lo..k) <= a[k] <= a(k..hi].
  const nth = (lo: number, hi: number, k: number) => {
    while (hi > lo) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < a[lo]) swap(mid, lo);
      if (a[hi] < a[lo]) swap(hi, lo);
      if (a[hi] < a[mid]) swap(hi, mid);
      const x = a[mid];
      let i = lo;
      let j = hi;
      do {
        while (a[i] < x) i++;
        while (x < a[j]) j--;
        if (i <= j) {
          swap(i, j);
          i++;
          j--;
        }
      } while (i <= j);
      if (j < k) lo = i;
      if (k < i) hi = j;
    }
  };
  const select = (lo: number, hi: number, r0: number, r1: number) => {
    if (r0 > r1) return;
    const mid = (r0 + r1) >> 1;
    const k = ranks[mid];
    nth(lo, hi, k);
    out[mid] = a[k];
    let left = mid - 1;
    while (left >= r0 && ranks[left] === k) out[left--] = a[k];
    let right = mid + 1;
    while (right <= r1 && ranks[right] === k) out[right++] = a[k];
    select(lo, k - 1, r0, left);
    select(k + 1, hi, right, r1);
  };
  for (let r = 1; r < ranks.length; r++) if (ranks[r] < ranks[r - 1]) throw new Error('selectRanks: ranks must be non-decreasing');
  for (const r of ranks) if (!(r >= 0 && r < a.length && Number.isInteger(r))) throw new RangeError(`selectRanks: rank ${r} outside 0..${a.length - 1}`);
  select(0, a.length - 1, 0, ranks.length - 1);
  return out;
}

/** The 1-based rank ceil(m k / parts) of the cut k of m sorted values into `parts` equal-mass parts. */
export function orderStatistic(m: number, k: number, parts: number): number {
  return Math.floor((m * k + parts - 1) / parts);
}

export const miHistogramsReducer: Reducer = {
  name: MI_HISTOGRAMS,
  description: 'bin edges (a zero bin, then equal-mass percentile bins) and joint histograms of every between-net pair of units, for mutual information (method mi); two passes',
  passes: 2,
  options: {
    bins: { type: 'number', default: 10, describe: 'bins per unit: a zero bin and bins-1 equal-mass percentile bins of the values above the threshold (2..64)' },
    'zero-threshold': { type: 'number', default: 0, describe: 'values at or below it go to the zero bin (a ReLU that is off)' },
    reservoir: { type: 'number', default: 65536, describe: 'values kept per unit to place the percentile edges (exact while a unit has no more values above the threshold)' },
    seed: { type: 'number', default: 0, describe: 'seed of the reservoir samples' },
    'max-memory-mb': { type: 'number', default: 2048, describe: 'refuse a layer whose histograms and reservoirs would need more memory than this' },
  },
  validate(layer) {
    checkMemory(layer, miHistogramSettings(layer.options));
  },
  create(layer): ReducerState {
    const s = miHistogramSettings(layer.options);
    checkMemory(layer, s);
    const pairs = layerPairs(layer.nets.length);
    const capacity = Math.max(1, Math.min(s.reservoir, layer.samples));
    let reservoirs: NetReservoir[] | null = layer.nets.map((n, k) => new NetReservoir(n.units, capacity, s.seed, k));
    let edges: Float64Array[] = [];
    let exact: number[] = [];
    let above: Float64Array[] = [];
    let kernel: JointHistogramKernel | null = null;
    return {
      async update(batch) {
        if ((batch.pass ?? 0) === 0) {
          if (!reservoirs) throw new Error(`${MI_HISTOGRAMS}: pass 0 after the edges were fixed`);
          batch.nets.forEach((data, k) => reservoirs![k].add(data, batch.samples, s.zeroThreshold));
        } else {
          if (!kernel) throw new Error(`${MI_HISTOGRAMS}: counting before the edges were fixed`);
          await kernel.add(batch.nets, batch.samples);
        }
      },
      async nextPass(pass) {
        if (pass !== 1 || !reservoirs) throw new Error(`${MI_HISTOGRAMS}: unexpected pass ${pass}`);
        const made = reservoirs.map((r) => r.edges(s.bins, s.zeroThreshold));
        above = reservoirs.map((r) => r.seen);
        edges = made.map((m) => m.edges);
        exact = made.map((m) => m.exact);
        reservoirs = null;
        const spec: JointHistogramSpec = { bins: s.bins, units: layer.nets.map((n) => n.units), edges, pairs };
        // On the probe's backend (its own device); a layer given without one counts on WASM.
        kernel = await (layer.backend ? layer.backend.jointHistogram(spec) : createWasmJointHistogramKernel(spec));
      },
      async finish(): Promise<ReducerOutput> {
        if (!kernel) throw new Error(`${MI_HISTOGRAMS}: finished before the second pass`);
        const counts = await kernel.counts();
        const arrays: NonNullable<ReducerOutput['arrays']> = {};
        layer.nets.forEach((n, k) => {
          arrays[`edges.${n.name}`] = { data: edges[k], shape: [n.units, s.bins - 1] };
          arrays[`above.${n.name}`] = { data: above[k], shape: [n.units] };
        });
        pairs.forEach(([a, b], p) => {
          arrays[`joint.${layer.nets[a].name}.${layer.nets[b].name}`] = { data: counts[p], shape: [layer.nets[a].units, layer.nets[b].units, s.bins, s.bins] };
        });
        const json: MiHistogramsJson = {
          bins: s.bins,
          zeroThreshold: s.zeroThreshold,
          reservoir: s.reservoir,
          seed: s.seed,
          samples: layer.samples,
          nets: layer.nets.map((n, k) => ({ name: n.name, units: n.units, exactEdges: exact[k] })),
          pairs,
          kernel: kernel.name,
          quantiles: 'edges: [zero-threshold, order statistics ceil(m k / (bins - 1)), k = 1 .. bins-2, of a per-unit reservoir sample of the m values above the threshold (exact when m <= reservoir)]',
        };
        return { arrays, json };
      },
      async dispose() {
        await kernel?.dispose();
        kernel = null;
        reservoirs = null;
      },
    };
  },
};
