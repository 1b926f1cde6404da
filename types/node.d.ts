// Type entry point of `convergent/node`; see types/index.d.ts.
/// <reference lib="dom" />
export * from '../dist/src/node.js';
