// k-means (Lloyd) with greedy k-means++ seeding, as sklearn.cluster.KMeans does it (Arthur &
// Vassilvitskii 2007; greedy: 2 + floor(ln k) candidates per centre, the one that lowers the
// potential most is kept), deterministic for a seed. The best of `nInit` seedings by inertia.
import { seededUniform } from '../../util/random.js';

export interface KMeansOptions {
  /** Seed of the random choices (mulberry32); the same seed gives the same labels. */
  seed?: number;
  /** Independent seedings; the run with the lowest inertia wins (the first on ties). Default 10. */
  nInit?: number;
  /** Lloyd iterations at most (default 300); stops earlier once no label changes. */
  maxIter?: number;
}

export interface KMeansResult {
  /** Cluster of each point, 0..k-1. */
  labels: Int32Array;
  /** k x d row-major. */
  centres: Float64Array;
  /** Sum of squared distances of the points to their centres. */
  inertia: number;
  iterations: number;
}

function sqDist(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  const a = i * d;
  const b = j * d;
  for (let t = 0; t < d; t++) {
    const e = x[a + t] - c[b + t];
    s += e * e;
  }
  return s;
}

/** Greedy k-means++ seeding (sklearn's _kmeans_plusplus): k x d centres. */
export function kmeansPlusPlus(x: Float64Array, n: number, d: number, k: number, random: () => number): Float64Array {
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.min(n - 1, Math.floor(random() * n));
  centres.set(x.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDist(x, i, centres, 0, d);
  let pot = closest.reduce((s, v) => s + v, 0);
  const cum = new Float64Array(n);
  let cand = new Float64Array(n);
  let best = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    let bestPot = Infinity;
    let bestId = 0;
    for (let t = 0; t < trials; t++) {
      const r = random() * pot;
      // First index with cum >= r (np.searchsorted, side 'left'), clipped to n - 1.
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < r) lo = mid + 1;
        else hi = mid;
      }
      const id = lo;
      let p = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let e = 0; e < d; e++) {
          const v = x[i * d + e] - x[id * d + e];
          s += v * v;
        }
        cand[i] = Math.min(closest[i], s);
        p += cand[i];
      }
      if (p < bestPot) {
        bestPot = p;
        bestId = id;
        [best, cand] = [cand, best];
      }
    }
    centres.set(x.subarray(bestId * d, bestId * d + d), c * d);
    [closest, best] = [best, closest];
    pot = bestPot;
  }
  return centres;
}

/** Lloyd iterations from the given centres (modified in place). */
function lloyd(x: Float64Array, n: number, d: number, k: number, centres: Float64Array, maxIter: number): KMeansResult {
  const labels = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const counts = new Int32Array(k);
  let iterations = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    iterations = iter + 1;
    let changed = false;
    for (let i = 0; i < n; i++) {
      let bj = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const s = sqDist(x, i, centres, j, d);
        if (s < bd) {
          bd = s;
          bj = j;
        }
      }
      if (labels[i] !== bj) changed = true;
      labels[i] = bj;
      dist[i] = bd;
    }
    if (!changed) break;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    // An empty cluster takes the point farthest from its centre (as sklearn relocates them).
    const taken = new Uint8Array(n);
    for (let j = 0; j < k; j++) {
      if (counts[j] > 0) continue;
      let far = -1;
      for (let i = 0; i < n; i++) if (!taken[i] && counts[labels[i]] > 1 && (far < 0 || dist[i] > dist[far])) far = i;
      if (far < 0 || dist[far] === 0) continue;
      taken[far] = 1;
      counts[labels[far]]--;
      counts[j] = 1;
      labels[far] = j;
      dist[far] = 0;
    }
    centres.fill(0);
    for (let i = 0; i < n; i++) {
      const j = labels[i];
      for (let e = 0; e < d; e++) centres[j * d + e] += x[i * d + e];
    }
    for (let j = 0; j < k; j++) if (counts[j] > 0) for (let e = 0; e < d; e++) centres[j * d + e] /= counts[j];
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(x, i, centres, labels[i], d);
  return { labels, centres, inertia, iterations };
}

/** k-means of n points of dimension d (x row-major n x d); k is clamped to [1, n]. */
export function kmeans(x: Float64Array, n: number, d: number, k: number, options: KMeansOptions = {}): KMeansResult {
  if (x.length !== n * d) throw new Error(`k-means: data has ${x.length} entries, expected ${n} x ${d}`);
  if (n === 0) return { labels: new Int32Array(0), centres: new Float64Array(0), inertia: 0, iterations: 0 };
  k = Math.max(1, Math.min(n, Math.floor(k)));
  const nInit = Math.max(1, Math.floor(options.nInit ?? 10));
  const maxIter = Math.max(1, Math.floor(options.maxIter ?? 300));
  const random = seededUniform(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let t = 0; t < nInit; t++) {
    const centres = kmeansPlusPlus(x, n, d, k, random);
    const run = lloyd(x, n, d, k, centres, maxIter);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best!;
}
