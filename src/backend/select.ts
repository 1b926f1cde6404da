// Picks the backend: a real GPU when one is present, otherwise WASM SIMD on every core, which
// outruns WebGPU on a software rasteriser (llvmpipe) by a wide margin (see BENCHMARKS.md). This
// is the one place that looks at the request; each backend's file builds its capabilities, and
// is loaded only when picked (the WebGPU kernels' modules stay unloaded on the CPU paths).
import { acquireGpu, gpuDeviceNodesPresent } from '../platform/webgpu.js';
import type { Backend, BackendRequest } from './types.js';

export interface BackendOptions {
  /** CPU threads for the WASM backend (default: all cores). */
  threads?: number;
  /** The CPU's name, for the log line (the caller knows it; this layer stays platform-neutral). */
  cpuName?: string;
}

/** What --backend accepts (the CLI's choices; train takes a subset of them). */
export const BACKEND_REQUESTS = ['auto', 'webgpu', 'wasm', 'reference'] as const satisfies readonly BackendRequest[];

/** `value` as a backend request, or an error naming the choices. */
export function backendRequest(value: string): BackendRequest {
  const request = BACKEND_REQUESTS.find((r) => r === value);
  if (!request) throw new Error(`--backend: unknown backend "${value}" (choose ${BACKEND_REQUESTS.join(', ')})`);
  return request;
}

export async function createBackend(request: BackendRequest = 'auto', options: BackendOptions = {}): Promise<Backend> {
  if (request === 'reference') return (await import('./reference.js')).createReferenceBackend();
  if (request === 'wasm') return wasmBackend(options, '');
  // auto on a machine without a GPU device node: WASM, without loading the WebGPU library at all.
  if (request === 'auto' && gpuDeviceNodesPresent() === false) return wasmBackend(options, ' (auto: no GPU device found)');
  const gpu = await acquireGpu({ allowSoftware: true });
  if (gpu && (request === 'webgpu' || !gpu.isSoftware)) {
    try {
      return (await import('./webgpu.js')).createWebGpuBackend(gpu);
    } catch (error) {
      gpu.release();
      throw error;
    }
  }
  if (request === 'webgpu') throw new Error('no WebGPU adapter found (on Linux without a GPU, install Mesa: libegl-dev libegl-mesa0 libgl1-mesa-dri)');
  const skipped = gpu ? ` (auto: the WebGPU adapter, ${gpu.label}, is a software rasteriser; WASM SIMD is faster there)` : '';
  gpu?.release();
  return wasmBackend(options, skipped);
}

async function wasmBackend(options: BackendOptions, note: string): Promise<Backend> {
  return (await import('./wasm.js')).createWasmBackend({ ...options, note });
}
