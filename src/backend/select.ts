// Picks the backend: a real GPU when one is present, otherwise WASM SIMD on every core, which
// outruns WebGPU on a software rasteriser (llvmpipe) by a wide margin (see BENCHMARKS.md).
import { createReferenceMomentKernel } from '../kernels/moments/reference.js';
import { createWasmMomentKernel } from '../kernels/moments/wasm.js';
import { createWebGpuMomentKernel } from '../kernels/moments/webgpu.js';
import { acquireGpu, gpuDeviceNodesPresent } from '../platform/webgpu.js';
import type { Backend, BackendRequest } from './types.js';

export interface BackendOptions {
  /** CPU threads for the WASM backend (default: all cores). */
  threads?: number;
  /** The CPU's name, for the log line (the caller knows it; this layer stays platform-neutral). */
  cpuName?: string;
}

export async function createBackend(request: BackendRequest = 'auto', options: BackendOptions = {}): Promise<Backend> {
  if (request === 'reference') {
    const moments = createReferenceMomentKernel();
    return { kind: 'reference', description: 'reference (plain TypeScript, float64, one thread)', moments, async dispose() {} };
  }
  // auto on a machine without a GPU device node: WASM, without loading the WebGPU library at all.
  if (request === 'auto' && gpuDeviceNodesPresent() === false) return wasmBackend(options, ' (auto: no GPU device found)');
  if (request === 'webgpu' || request === 'auto') {
    const gpu = await acquireGpu({ allowSoftware: true });
    if (gpu && (request === 'webgpu' || !gpu.isSoftware)) {
      const moments = createWebGpuMomentKernel(gpu);
      return {
        kind: 'webgpu',
        description: `webgpu on ${gpu.label}`,
        moments,
        gpu,
        async dispose() {
          await moments.dispose();
          gpu.release();
        },
      };
    }
    const skipped = gpu ? ` (auto: the WebGPU adapter, ${gpu.label}, is a software rasteriser; WASM SIMD is faster there)` : '';
    if (gpu) gpu.release();
    if (request === 'auto') return wasmBackend(options, skipped);
    if (request === 'webgpu') {
      throw new Error('no WebGPU adapter found (on Linux without a GPU, install Mesa: libegl-dev libegl-mesa0 libgl1-mesa-dri)');
    }
  }
  return wasmBackend(options, '');
}

async function wasmBackend(options: BackendOptions, note: string): Promise<Backend> {
  const moments = await createWasmMomentKernel({ threads: options.threads });
  return {
    kind: 'wasm',
    threads: options.threads,
    description: `${moments.name}${options.cpuName ? ` on ${options.cpuName}` : ''}${note}`,
    moments,
    async dispose() {
      await moments.dispose();
    },
  };
}
