// The contract every moment kernel (reference, WASM, WebGPU) implements.
//
// A batch is `n` samples of `d` variables (units; for a layer of several nets the units of all nets
// stacked), laid out unit-major: row u holds unit u's n samples, `data[u * n + s]`.
// The kernel returns the batch's own count, mean and centred co-moment matrix
//   m2[i * d + j] = sum_s (x_is - mean_i) (x_js - mean_j)
// in float64 (full symmetric d x d, row-major). Batches are then merged exactly in float64 by the
// pairwise update of Chan, Golub and LeVeque (./merge.ts: the kernel's exact float64 combine), so no kernel ever has to carry
// state across batches and memory stays bounded by d x d whatever the sample count.

export interface BatchMoments {
  n: number;
  d: number;
  mean: Float64Array;
  m2: Float64Array;
}

export interface MomentKernel {
  /** e.g. 'reference', 'wasm-simd x2 threads', 'webgpu' */
  readonly name: string;
  batchMoments(data: Float32Array, d: number, n: number): Promise<BatchMoments>;
  dispose(): void | Promise<void>;
}
