// Picks the backend: a real GPU when one is present, otherwise WASM SIMD on every core, which
// outruns WebGPU on a software rasteriser (llvmpipe) by a wide margin (see BENCHMARKS.md).
import { createReferenceMomentKernel } from '../kernels/moments/reference.js';
import { createWasmMomentKernel } from '../kernels/moments/wasm.js';
import { createWebGpuMomentKernel } from '../kernels/moments/webgpu.js';
import { acquireGpu } from '../platform/webgpu.js';
import type { Backend, BackendRequest } from './types.js';

export interface BackendOptions {
  /** CPU threads for the WASM backend (default: all cores). */
  threads?: number;
}

export async function createBackend(request: BackendRequest = 'auto', options: BackendOptions = {}): Promise<Backend> {
  if (request === 'reference') {
    const moments = createReferenceMomentKernel();
    return { kind: 'reference', description: 'reference (plain TypeScript, float64, one thread)', moments, async dispose() {} };
  }
  if (request === 'webgpu' || request === 'auto') {
    const gpu = await acquireGpu({ allowSoftware: request === 'webgpu' });
    if (gpu && (request === 'webgpu' || !gpu.isSoftware)) {
      const moments = createWebGpuMomentKernel(gpu);
      return {
        kind: 'webgpu',
        description: `webgpu on ${gpu.label}`,
        moments,
        async dispose() {
          await moments.dispose();
          gpu.release();
        },
      };
    }
    if (gpu) gpu.release();
    if (request === 'webgpu') {
      throw new Error('no WebGPU adapter found (on Linux without a GPU, install Mesa: libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)');
    }
  }
  const moments = await createWasmMomentKernel({ threads: options.threads });
  return {
    kind: 'wasm',
    description: moments.name,
    moments,
    async dispose() {
      await moments.dispose();
    },
  };
}
