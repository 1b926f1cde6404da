// A backend bundles the kernels of one execution target and says what it runs on.
import type { MomentKernel } from '../kernels/moments/contract.js';
import type { GpuContext } from '../platform/webgpu.js';

export type BackendKind = 'webgpu' | 'wasm' | 'reference';
export type BackendRequest = 'auto' | BackendKind;

export interface Backend {
  readonly kind: BackendKind;
  /** One line for the log: backend and device, e.g. "webgpu on NVIDIA H100 (vulkan)". */
  readonly description: string;
  readonly moments: MomentKernel;
  /** The WebGPU device (webgpu backend only), for kernels beyond the moments (forward passes). */
  readonly gpu?: GpuContext;
  /** CPU threads (wasm backend only), as asked for; undefined = every core. */
  readonly threads?: number;
  dispose(): Promise<void>;
}
