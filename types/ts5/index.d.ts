// TypeScript 5's "dom" has no WebGPU: the package's dependency @webgpu/types supplies it. (On 6 and
// later it would clash with the WebGPU types now in "dom", hence the separate entry.)
/// <reference types="@webgpu/types" />
export * from '../index.js';
