// The contract every moment kernel (reference, WASM, WebGPU) implements.
//
// A batch is `n` samples of `d` variables (units; for a layer of several nets the units of all nets
// stacked), laid out unit-major: row u holds unit u's n samples, `data[u * n + s]`.
// The kernel returns the batch's own count, mean and centred co-moment matrix
//   m2[i * d + j] = sum_s (x_is - mean_i) (x_js - mean_j)
// in float64 (full symmetric d x d, row-major). Batches are then merged exactly in float64 by the
// pairwise update of Chan, Golub and LeVeque (./merge.ts: the kernel's exact float64 combine), so no kernel ever has to carry
// state across batches and memory stays bounded by d x d whatever the sample count.
//
// accumulate() merges a batch straight into a running total instead: once the batch's means are
// known the merge is elementwise, so the co-moments are formed and merged a block of rows at a
// time (./merge.ts RowBlockMerge). The total is then the only d x d array: a kernel holds the
// batch and one block of rows, and the caller no second d x d matrix.

export interface BatchMoments {
  n: number;
  d: number;
  mean: Float64Array;
  m2: Float64Array;
  /**
   * Set on a running total whose merges keep only the upper triangle (j >= i) of m2 up to date:
   * the mirrored writes below the diagonal walk a column (one cache line and often one page per
   * entry) and cost most of a wide layer's merge. mirrorUpper (./merge.ts) makes it whole.
   */
  upperOnly?: boolean;
}

export interface MomentKernel {
  /** e.g. 'reference', 'wasm-simd x2 threads', 'webgpu' */
  readonly name: string;
  batchMoments(data: Float32Array, d: number, n: number): Promise<BatchMoments>;
  /**
   * Merges the moments of a batch (laid out as for batchMoments) into `total` in place, without
   * a d x d matrix of the batch's own. `exponents`, when given: the batch's unit i holds its
   * values times 2^-exponents[i], and its moments are scaled back exactly as they merge. Equal to
   * mergeMomentsInto(total, batchMoments(...)) within the kernel's rounding. Optional, for kernels
   * written elsewhere: accumulateBatch() (./merge.ts) falls back to batchMoments.
   */
  accumulate?(total: BatchMoments, data: Float32Array, d: number, n: number, exponents?: Int32Array): Promise<void>;
  dispose(): void | Promise<void>;
}
