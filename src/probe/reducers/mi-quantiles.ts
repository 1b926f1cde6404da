// Order statistics for the mutual-information bin edges (src/probe/reducers/mi-histograms.ts):
// which ranks cut m sorted values into equal-mass parts, and the values at those ranks without a
// full sort.

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
