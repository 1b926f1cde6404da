// Type entry point of `convergent/kernels`; see types/index.d.ts.
/// <reference lib="dom" />
export * from '../dist/src/kernels/index.js';
