// A backend bundles the kernels of one execution target and says what it runs on.
import type { MomentKernel } from '../kernels/moments/contract.js';

export type BackendKind = 'webgpu' | 'wasm' | 'reference';
export type BackendRequest = 'auto' | BackendKind;

export interface Backend {
  readonly kind: BackendKind;
  /** One line for the log: backend and device, e.g. "webgpu on NVIDIA H100 (vulkan)". */
  readonly description: string;
  readonly moments: MomentKernel;
  dispose(): Promise<void>;
}
