// The platform-neutral kernels: no file system, no `node:` imports; the WASM bytes and WGSL text
// are embedded at build time. This entry runs unchanged in Node, Deno and browsers.
export { linearSumAssignment, linearSumAssignmentReference } from './assignment/index.js';
export { semiMatching } from './semi-matching/reference.js';
export { batchMomentsReference, createReferenceMomentKernel } from './moments/reference.js';
export { createWasmMomentKernel } from './moments/wasm.js';
export { createWebGpuMomentKernel } from './moments/webgpu.js';
export { acquireGpu } from '../platform/webgpu.js';
export { mergeMomentsInto, emptyMoments } from '../stats/merge.js';
export type { BatchMoments, MomentKernel } from './moments/contract.js';
export { lassoPath, lassoPathReference, lassoProblemFromMoments, lassoGap } from './lasso/index.js';
export type { LassoProblem, LassoOptions, LassoPathResult } from './lasso/index.js';
export { symmetricEigen, symmetricEigenReference } from './eigen/index.js';
export type { SymmetricEigen } from './eigen/index.js';
export { semiMatch, semiMatchingWasm } from './semi-matching/index.js';
