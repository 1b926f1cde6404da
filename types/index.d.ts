// The package's type entry point. The library's declarations (dist/src) use the WebAssembly,
// Worker and WebGPU types of the DOM library (GPUDevice, GPUBuffer, ...): a Node project whose
// tsconfig has no "dom" in "lib" gets them from here instead of failing on them.
// TypeScript 6 and later carry WebGPU in "dom"; TypeScript 5 reads types/ts5/ (see package.json).
/// <reference lib="dom" />
export * from '../dist/src/index.js';
