// Entry point of the WASM module: every kernel file re-exports its functions here.
// Memory is managed by the host (src/kernels/wasm-module.ts): functions take byte offsets.
export { heapBase } from './memory';
export { lsapWorkBytes, lsapPrepare, lsapSolve } from './assignment';
export { momentsCentre, momentsBlocks } from './moments';
export { semiMatch } from './semi-matching';
export { histBin32, histBin64, histJoint } from './joint-histogram';
export { miBinCounts, miLog, miPairs, miPairsScratchBytes } from './mi-pairs';
export { eigenWorkBytes, eigenSolve } from './eigen';
export { eigenBlockProduct } from './eigen-product';
export { lassoWorkBytes, lassoPath } from './lasso';
export { lassoPivotedCholesky, lassoInverseSolve } from './lasso-inverse';
export * from './forward/index';
export * from './train/index';
