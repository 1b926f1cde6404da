// The `null` reducer's joint rows, gathered from the pieces of each net's sample stream that a
// state holds (its first and last samples, the batch at hand).
//
// Joint row t of K nets takes net k's sample t - k L (L = samples per item): net k lags net 0 by
// k items, the same position of another item. A row is formed once every net's sample for it
// is at hand, so the rows of a stream come from a window that spans the last (K - 1) L samples
// before the batch and the batch itself.

/** A run of one net's samples: global samples [start, start + length) at columns [col, col + length) of each unit's row of `data`. */
export interface SampleRun {
  start: number;
  length: number;
  /** Unit-major: unit u's sample at column c is data[u * stride + c]. */
  data: Float32Array | Float64Array;
  stride: number;
  col: number;
}

/** Where a net's units go: unit u's j-th sample at to[(row0 + u) * stride + col0 + j]. */
export interface Destination {
  to: Float32Array | Float64Array;
  row0: number;
  stride: number;
  col0: number;
}

/**
 * Copies net samples [from, from + count) into columns [col0, col0 + count) of `dest`, taking each sample
 * from whichever of `runs` holds it; refuses (a bug, not a user error) a sample no run holds.
 */
export function gatherSamples(runs: SampleRun[], units: number, from: number, count: number, dest: Destination): void {
  let at = from;
  const end = from + count;
  while (at < end) {
    const run = runs.find((r) => r.start <= at && at < r.start + r.length);
    if (!run) throw new Error(`null reducer: sample ${at} is not held (runs ${runs.map((r) => `[${r.start}, ${r.start + r.length})`).join(', ')})`);
    const take = Math.min(end, run.start + run.length) - at;
    const src = run.col + (at - run.start);
    const dst = dest.col0 + at - from;
    for (let u = 0; u < units; u++) {
      const row = u * run.stride + src;
      dest.to.set(run.data.subarray(row, row + take), (dest.row0 + u) * dest.stride + dst);
    }
    at += take;
  }
}

/** The first sample of net k in joint row t: net k lags net 0 by k items. */
export function laggedSample(t: number, k: number, samplesPerItem: number): number {
  return t - k * samplesPerItem;
}
