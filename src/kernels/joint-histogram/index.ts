// Joint histograms of unit pairs: WebGPU, WASM, and the plain-TS reference (the definition; see
// reference.ts for the binning rule and the counts' layout); and the binned columns from which
// WASM counts every pair and reduces it to MI at once (binned-columns.ts). Which one runs is the backend's
// choice (src/backend/: `backend.jointHistogram(spec)`, on the backend's own device).
export type { JointHistogramKernel, JointHistogramSpec } from './contract.js';
export { MAX_BINS } from './contract.js';
export { accumulateJointCounts, binIndex, binUnits, createReferenceJointHistogramKernel } from './reference.js';
export { createWasmJointHistogramKernel } from './wasm.js';
export { createParallelJointHistogramKernel } from './parallel.js';
export { gatherBatches, gatherTarget } from './gathered.js';
export { BinnedColumns, binnedColumnsBytes, type PairInformationArrays } from './binned-columns.js';
export { createWebGpuJointHistogramKernel } from './webgpu.js';
