// See types/ts5/index.d.ts.
/// <reference types="@webgpu/types" />
export * from '../node.js';
