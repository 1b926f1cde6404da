// The four heavy steps of a deconvnet view (Zeiler & Fergus 2014), as one contract with two
// implementations: reference-ops.ts (float64, plain TypeScript: the definition) and wasm-ops.ts
// (float32 on the WASM module's training backward kernels: sgemm + col2im, max-pool backward, ReLU).
// The walk over the plan (view.ts) calls them; every other step it handles itself (they are cheap).
// Signals are float64 on the host whatever the implementation, so the walk is the same for both.
import type { ConvStep } from '../plan.js';

/** A conv step with the shapes the walk knows: x (1, C, H, W) -> y (1, M, OH, OW); w (M, C/group, kh, kw). */
export interface ConvTransposeCall {
  step: ConvStep;
  /** The step's weight tensor id (a constant of the plan), so an implementation can keep it uploaded. */
  weightId: number;
  weights: Float32Array;
  inShape: readonly number[];
  outShape: readonly number[];
}

/** A dense layer y (1, M) = alpha * a (1, K) op(B): B is (M, K) when transB, else (K, M). */
export interface DenseTransposeCall {
  weightId: number;
  weights: Float32Array;
  transB: boolean;
  alpha: number;
  K: number;
  M: number;
}

export interface DeconvOps {
  readonly name: string;
  /** The input-side signal of a conv: the transposed convolution of `signal` with the conv's own weights (no bias). */
  convTranspose(call: ConvTransposeCall, signal: Float64Array): Float64Array;
  /** The input-side signal of a dense layer: alpha * signal op(B)' (K values). */
  denseTranspose(call: DenseTransposeCall, signal: Float64Array): Float64Array;
  /**
   * Unpooling: each output's signal to the input position its window took in the forward pass
   * (`switches`, flat indices into the input; -1 for a window with no input tap), accumulated.
   */
  unpool(signal: Float64Array, switches: Int32Array, inputSize: number): Float64Array;
  /** ReLU on the backward signal (the deconvnet's rectification), in place. */
  relu(signal: Float64Array): Float64Array;
  dispose(): void;
}
