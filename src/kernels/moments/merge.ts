// Exact pairwise merge of two moment summaries (Chan, Golub & LeVeque 1979, "Updating formulae
// and a pairwise algorithm for computing sample variances"), in float64:
//   n = na + nb,  delta = mean_b - mean_a,
//   mean = mean_a + delta * nb / n,
//   M2 = M2_a + M2_b + delta delta' * na nb / n.
// Batches and worker slices are each centred on their own mean, so no sum of raw squares is ever
// formed and a layer with mean 1e4 and std 1 keeps its correlations.
//
// Once both means are known the M2 update is elementwise, so a batch can be merged a block of rows
// at a time (RowBlockMerge): a kernel computes the batch's co-moments tile by tile and merges each
// tile straight into the running total, and nobody ever holds the batch's own d x d matrix.
import type { BatchMoments, MomentKernel } from './contract.js';

/**
 * Merges one batch (its count and means given up front) into `total`, a block of rows of its
 * co-moment matrix at a time, in place; finish() then updates the count and means. Each entry
 * (i, j), j >= i, is merged once and written to (i, j) and (j, i), so the total stays exactly
 * symmetric; the value is the one mergeMomentsInto gives.
 *
 * `exponents`, when given, says that the batch's unit i was scaled by 2^-exponents[i] (exact)
 * before its moments were formed: its mean and co-moments are scaled back (by 2^e_i and
 * 2^(e_i + e_j), exact in float64) as they are merged.
 */
export class RowBlockMerge {
  private readonly delta: Float64Array;
  private readonly mean: Float64Array;
  private readonly factor: number;
  private readonly first: boolean;
  private readonly scale: Float64Array | undefined;

  constructor(
    private readonly total: BatchMoments,
    private readonly n: number,
    batchMean: Float64Array,
    exponents?: Int32Array,
  ) {
    const d = total.d;
    if (batchMean.length !== d) throw new Error(`cannot merge moments of ${d} and ${batchMean.length} units`);
    this.scale = exponents ? Float64Array.from(exponents, (e) => 2 ** e) : undefined;
    this.mean = this.scale ? batchMean.map((m, i) => m * this.scale![i]) : batchMean;
    this.first = total.n === 0;
    this.factor = (total.n * n) / (total.n + n);
    this.delta = new Float64Array(d);
    for (let i = 0; i < d; i++) this.delta[i] = this.mean[i] - total.mean[i];
  }

  /**
   * Merges rows [i0, i1) of the batch's co-moments, entries j >= i only: entry (i, j) is
   * block[(i - i0) * stride + (j - offset)] (so `offset`, at most i0, is the first column the block holds).
   */
  rows(i0: number, i1: number, block: Float64Array, stride: number, offset: number): void {
    this.tile(i0, i1, offset, this.total.d, block, stride);
  }

  /**
   * Merges the entries (i, j), j >= i, of rows [i0, i1) x columns [j0, j1) of the batch's
   * co-moments (a tile: any partition of the upper triangle into tiles merges every entry once):
   * entry (i, j) is block[(i - i0) * stride + (j - j0)]. The same value as rows() gives it.
   */
  tile(i0: number, i1: number, j0: number, j1: number, block: Float64Array, stride: number): void {
    if (this.n === 0) return;
    const { d, m2, upperOnly } = this.total;
    const { delta, factor, first, scale } = this;
    for (let i = i0; i < i1; i++) {
      const from = (i - i0) * stride - j0;
      const row = i * d;
      const di = delta[i];
      for (let j = Math.max(i, j0); j < j1; j++) {
        let b = block[from + j];
        if (scale) b *= scale[i] * scale[j];
        // (delta_i delta_j) factor, not (delta_i factor) delta_j: the product commutes, so the
        // entry is the same whichever of (i, j) and (j, i) it is computed for.
        const v = first ? b : m2[row + j] + (b + di * delta[j] * factor);
        m2[row + j] = v;
        if (!upperOnly) m2[j * d + i] = v;
      }
    }
  }

  /** The count and the means, once every row has been merged. */
  finish(): void {
    const t = this.total;
    if (this.n === 0) return;
    if (this.first) t.mean.set(this.mean);
    else for (let i = 0; i < t.d; i++) t.mean[i] += (this.delta[i] * this.n) / (t.n + this.n);
    t.n += this.n;
  }
}

const MERGE_ROWS = 64;

/** Copies the upper triangle of m.m2 below the diagonal (a running total kept upperOnly), in tiles so both sides stay in cache. */
export function mirrorUpper(m: BatchMoments): void {
  const { d, m2 } = m;
  const T = 64;
  for (let i0 = 0; i0 < d; i0 += T) {
    for (let j0 = i0; j0 < d; j0 += T) {
      const i1 = Math.min(d, i0 + T);
      const j1 = Math.min(d, j0 + T);
      for (let i = i0; i < i1; i++) for (let j = Math.max(i + 1, j0); j < j1; j++) m2[j * d + i] = m2[i * d + j];
    }
  }
}

/** Merges `b` into `a` in place and returns `a` (b's co-moments are read from its upper triangle). */
export function mergeMomentsInto(a: BatchMoments, b: BatchMoments): BatchMoments {
  if (a.d !== b.d) throw new Error(`cannot merge moments of ${a.d} and ${b.d} units`);
  mergeMatrix(a, b);
  return a;
}

/** Merges the whole of `b` (its d x d co-moments) into `total`, scaled back by `exponents` when given. */
function mergeMatrix(total: BatchMoments, b: BatchMoments, exponents?: Int32Array): void {
  const { d } = total;
  const merge = new RowBlockMerge(total, b.n, b.mean, exponents);
  // Blocks of rows, so that the mirrored writes stay within a few cache lines per column.
  for (let i0 = 0; i0 < d; i0 += MERGE_ROWS) merge.rows(i0, Math.min(d, i0 + MERGE_ROWS), b.m2.subarray(i0 * d), d, 0);
  merge.finish();
}

/**
 * kernel.accumulate(...), or for a kernel without it, its batchMoments merged into `total` (the
 * batch's d x d matrix then exists for the merge).
 */
export async function accumulateBatch(kernel: MomentKernel, total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void> {
  if (total.d !== d) throw new Error(`cannot merge moments of ${total.d} and ${d} units`);
  if (kernel.accumulate) return kernel.accumulate(total, data, d, n, exponents);
  mergeMatrix(total, await kernel.batchMoments(data, d, n), exponents);
}

export function emptyMoments(d: number): BatchMoments {
  return { n: 0, d, mean: new Float64Array(d), m2: new Float64Array(d * d) };
}
