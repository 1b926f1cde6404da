// The platform-neutral kernels: no file system, no `node:` imports; the WASM bytes and WGSL text
// are embedded at build time. This entry runs unchanged in Node, Deno and browsers.
export { linearSumAssignment, linearSumAssignmentReference } from './assignment/index.js';
export type { AssignmentOptions, AssignmentResult, CostMatrix } from './assignment/index.js';
// semiMatch picks WASM for large matrices; the reference is the definition (as methods use them).
export { semiMatch, semiMatchingReference, semiMatchingWasm } from './semi-matching/index.js';
export type { SemiMatching } from './semi-matching/index.js';
export { batchMomentsReference, createReferenceMomentKernel, createWasmMomentKernel, createWebGpuMomentKernel } from './moments/index.js';
export { acquireGpu } from '../platform/webgpu.js';
export { mergeMomentsInto, emptyMoments } from './moments/index.js';
export type { BatchMoments, MomentKernel } from './moments/index.js';
export { lassoPath, lassoPathReference, lassoProblemFromMoments, lassoGap } from './lasso/index.js';
export type { LassoProblem, LassoOptions, LassoPathResult } from './lasso/index.js';
export { symmetricEigen, symmetricEigenReference } from './eigen/index.js';
export type { SymmetricEigen } from './eigen/index.js';
