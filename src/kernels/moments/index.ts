// Streamed moments of a batch (contract: ./contract.ts): the count, the means and the centred
// co-moment matrix of d units over n samples, in float64; batches combine exactly with
// mergeMomentsInto (./merge.ts, Chan et al.).
//
// Three implementations, one per backend (the backend object picks; src/kernels/README.md):
// the float64 reference (./reference.ts, the definition), WASM SIMD on every core (./wasm.ts,
// with its worker pool ./worker-pool.ts) and WebGPU (./webgpu.ts). The float32 ones redo in
// float64 any batch whose values leave float32's range (./range-check.ts).
export type { BatchMoments, MomentKernel } from './contract.js';
export { emptyMoments, mergeMomentsInto } from './merge.js';
export { batchMomentsReference, createReferenceMomentKernel } from './reference.js';
export { createWasmMomentKernel, type WasmMomentKernelOptions } from './wasm.js';
export { createWebGpuMomentKernel, type WebGpuMomentKernel, type WebGpuMomentKernelOptions } from './webgpu.js';
