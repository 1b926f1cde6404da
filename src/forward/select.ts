// Picks the forward engine that matches the probe's backend: the same device runs the forward
// passes and the moment reductions.
import type { Backend } from '../backend/types.js';
import { createInProcessEngine, type ForwardEngine, type ForwardNet } from './engine.js';
import { createReferenceKernels } from './reference/index.js';
import { createParallelWasmEngine } from './wasm/parallel.js';
import { createWasmKernels } from './wasm/kernels.js';
import { createWebGpuKernels } from './webgpu/kernels.js';

export interface ForwardEngineOptions {
  /** Worker threads for the WASM engine (default: the backend's, else all cores). */
  threads?: number;
}

export async function createForwardEngine(backend: Backend, nets: ForwardNet[], itemShape: number[], options: ForwardEngineOptions = {}): Promise<ForwardEngine> {
  switch (backend.kind) {
    case 'reference':
      return createInProcessEngine('reference', nets, itemShape, createReferenceKernels());
    case 'webgpu': {
      if (!backend.gpu) throw new Error('the webgpu backend has no device to run forward passes on');
      return createInProcessEngine(`webgpu on ${backend.gpu.label}`, nets, itemShape, createWebGpuKernels(backend.gpu));
    }
    case 'wasm': {
      const threads = options.threads ?? backend.threads;
      if (threads === 1) return createInProcessEngine('wasm-simd x1 thread', nets, itemShape, await createWasmKernels());
      return createParallelWasmEngine(nets, itemShape, { threads });
    }
  }
}
