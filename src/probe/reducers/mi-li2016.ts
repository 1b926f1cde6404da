// `--mi.binning li2016`: the bin edges of the paper's released code (Li et al. 2016, repository
// YixuanLi/convergent_learning, experiments/estimate_mi.py, function percentile_bins), so that the
// `mi` method gives the paper's numbers (scripts/fixtures/mi_li2016.py runs that code as the oracle).
//
// What the paper's code does, per unit x of N samples and `bins` bins (10 in the paper):
//   f      = #{x < 1e-6} / N                     (negative and tiny positive values count as zero)
//   q      = [0] + linspace(100.1 f, 100, bins)  (percentiles; numpy's linspace arithmetic)
//   edges  = np.percentile(x, q)                 (linear interpolation: Hyndman-Fan 7, numpy's lerp)
//   edges[0] -= .01
// then np.histogram2d(x, y, bins=[x edges, y edges]): a value's bin is the number of edges <= it,
// less one (the largest value, on the last edge, goes to the last bin). So the zero bin reaches
// the percentile 100.1 f: it also takes the smallest values at or above 1e-6 (about 0.1% of the
// samples more than the zeros); tied values give equal edges and empty bins; and for a unit with
// f > 100 / 100.1 (below 1e-6 on more than 99.9% of samples) the percentiles exceed 100 and
// np.percentile raises ValueError, which stops the paper's whole computation.
//
// What we keep to place them exactly (pass 0, streamed): per unit, the count and the largest value
// below 1e-6 (exact, merged by sum and max), and the reservoir of the values at or above 1e-6
// (mi-reservoir.ts, exact while a unit has at most `reservoir` of them: result.json exactEdges).
// That is enough: the interior percentiles 100.1 f, ... sit at sorted positions >= N f - 1 (for
// N >= 2), so the only value below 1e-6 they can touch is the largest one (with fewer than 1001
// samples the first edge interpolates between it and the smallest value at or above 1e-6). The
// first and last edges (min - .01 and the maximum) never decide a bin and are not kept.
//
// Arithmetic as numpy's on the dtype the paper's code saw: the comparison with 1e-6 and the
// difference inside the interpolation are in float32 when the layer's activations are float32
// (every net's), else in float64 (numpy promotes a pair of float32 and float64 units to float64).
//
// Units where the paper's code raises: their MI is left out (NaN, out of the matchings like a dead
// unit; the `mi` method says which units, per net), and result.json lists them (`li2016Raises`).
// Their edges are the percentiles capped at 100 (every edge at the unit's maximum), so that the
// counts are still defined; no MI is computed from them.
import { selectRanks } from './mi-quantiles.js';
import type { ReservoirArrays } from './mi-reservoir.js';

/** The paper's zero test: `x < 1e-6`, in the activations' dtype (float32(1e-6) is not below it in float32). */
export function li2016ZeroLimit(float32: boolean): number {
  return float32 ? Math.fround(1e-6) : 1e-6;
}

const bits = new Float64Array(1);
const word = new BigInt64Array(bits.buffer);

/** The largest float64 below x (finite x): `v > nextDown(x)` is `v >= x` for every float64 (and float32) v. */
export function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  bits[0] = x;
  word[0] += x > 0 ? -1n : 1n;
  return bits[0];
}

/**
 * Kernel edges from the paper's edges: the kernel puts a value above the edges < it
 * (src/kernels/joint-histogram/contract.ts), numpy above the edges <= it; one float64 step down
 * turns the one rule into the other, exactly.
 */
export function li2016KernelEdges(edges: Float64Array): Float64Array {
  return edges.map(nextDown);
}

/** Per unit of one net: how many values were below the zero limit, and the largest of them (-Infinity when none). */
export interface ZeroArrays {
  below: Float64Array;
  belowMax: Float64Array;
}

export function createZeroArrays(units: number): ZeroArrays {
  return { below: new Float64Array(units), belowMax: new Float64Array(units).fill(-Infinity) };
}

/** Counts a unit-major batch's values below `limit` and keeps their maximum. */
export function addZeros(z: ZeroArrays, data: Float32Array | Float64Array, samples: number, limit: number): void {
  const units = z.below.length;
  for (let u = 0; u < units; u++) {
    const row = u * samples;
    let count = 0;
    let max = z.belowMax[u];
    for (let s = 0; s < samples; s++) {
      const x = data[row + s];
      if (x < limit) {
        count++;
        if (x > max) max = x;
      }
    }
    z.below[u] += count;
    z.belowMax[u] = max;
  }
}

/** The arrays after a's values and b's (new arrays). */
export function mergeZeroArrays(a: ZeroArrays, b: ZeroArrays): ZeroArrays {
  return { below: a.below.map((v, u) => v + b.below[u]), belowMax: a.belowMax.map((v, u) => Math.max(v, b.belowMax[u])) };
}

export function checkZeroArrays(units: number, z: ZeroArrays, what: string): void {
  if (z.below.length !== units || z.belowMax.length !== units) throw new Error(`${what}: zero counts of ${z.below.length} units, expected ${units}`);
  for (let u = 0; u < units; u++) {
    if (!(Number.isSafeInteger(z.below[u]) && z.below[u] >= 0)) throw new Error(`${what}: unit ${u} has ${z.below[u]} values below 1e-6, not a count`);
  }
}

/** numpy's linspace(start, stop, num) element i (numpy/_core/function_base.py: i * step + start, the last one stop). */
function linspaceAt(start: number, stop: number, num: number, i: number): number {
  if (i === num - 1) return stop;
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  return (step === 0 ? (i / div) * delta : i * step) + start;
}

/** numpy's _lerp(a, b, t): b - a in the data's dtype, the rest in float64. */
function lerp(a: number, b: number, t: number, float32: boolean): number {
  const diff = float32 ? Math.fround(b - a) : b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface Li2016Edges {
  /** units x (bins - 1): the paper's edges 1 .. bins-1 (its first and last edges never decide a bin). */
  edges: Float64Array;
  /** Units whose edges come from every value at or above 1e-6 (no reservoir sample). */
  exact: number;
  /** Units on which the paper's code raises (percentiles above 100). */
  raises: number[];
}

/**
 * The paper's edges for every unit of one net, from its zero counts and its reservoir of the
 * values at or above the zero limit. Reorders the reservoir's values.
 */
export function li2016Edges(r: ReservoirArrays, z: ZeroArrays, bins: number, float32: boolean): Li2016Edges {
  const units = r.seen.length;
  const ne = bins - 1;
  const edges = new Float64Array(units * ne);
  const raises: number[] = [];
  let exact = 0;
  for (let u = 0; u < units; u++) {
    const seen = r.seen[u];
    const below = z.below[u];
    const n = below + seen;
    const kept = r.values ? r.values.subarray(u * r.capacity, u * r.capacity + Math.min(seen, r.capacity)) : new Float64Array(0);
    if (seen <= r.capacity) exact++;
    if (n === 0) {
      // No samples at all (the paper's code divides by zero): edges at 0, nothing to count.
      raises.push(u);
      continue;
    }
    // percentile_bins: float(count) / N * 100.1, then linspace; np.percentile refuses q / 100 > 1.
    const start = (below / n) * 100.1;
    const quantiles = Array.from({ length: ne }, (_, k) => linspaceAt(start, 100, bins, k) / 100);
    const raised = quantiles.some((q) => !(q >= 0 && q <= 1));
    if (raised) raises.push(u);
    const at = raised ? quantiles.map((q) => Math.min(q, 1)) : quantiles;
    const values = unitPercentiles(kept, seen, below, z.belowMax[u], at, float32);
    edges.set(values, u * ne);
  }
  return { edges, exact, raises };
}

/**
 * np.percentile (linear) of one unit's N = below + seen values at the given quantiles (in [0, 1]):
 * virtual index (N - 1) q, its floor and the next sorted value, numpy's lerp. The sorted values are
 * [below 1e-6 ..., largest below] then the kept values; an index inside the kept ones is exact when
 * the reservoir holds them all, else it is the same fraction of the reservoir's sample.
 */
function unitPercentiles(kept: Float32Array | Float64Array, seen: number, below: number, belowMax: number, quantiles: number[], float32: boolean): number[] {
  const n = below + seen;
  const sampled = kept.length < seen;
  const k = kept.length;
  // Kept positions: exact ranks, or the same fraction of the sample (then interpolated between its order statistics).
  const position = (rank: number) => (sampled ? ((rank - below) * (k - 1)) / Math.max(1, seen - 1) : rank - below);
  const wanted = new Set<number>();
  const plan = quantiles.map((q) => {
    const index = (n - 1) * q;
    const top = index >= n - 1;
    const prev = top ? n - 1 : Math.floor(index);
    const next = top ? n - 1 : prev + 1;
    const gamma = top ? 0 : index - prev;
    for (const rank of [prev, next]) {
      if (rank < below - 1) throw new Error(`mi-histograms (li2016): internal: percentile ${q * 100} needs the sorted value ${rank} below 1e-6 (${below} of them)`);
      if (rank >= below) {
        const p = position(rank);
        wanted.add(Math.floor(p));
        wanted.add(Math.min(k - 1, Math.ceil(p)));
      }
    }
    return { prev, next, gamma };
  });
  const ranks = [...wanted].sort((x, y) => x - y);
  const sorted = new Map<number, number>();
  if (ranks.length > 0) selectRanks(kept, ranks).forEach((v, i) => sorted.set(ranks[i], v));
  const valueAt = (rank: number): number => {
    if (rank < below) return belowMax;
    const p = position(rank);
    const lo = Math.floor(p);
    const hi = Math.min(k - 1, Math.ceil(p));
    return lo === hi ? sorted.get(lo)! : lerp(sorted.get(lo)!, sorted.get(hi)!, p - lo, float32);
  };
  return plan.map(({ prev, next, gamma }) => (prev === next ? valueAt(prev) : lerp(valueAt(prev), valueAt(next), gamma, float32)));
}
