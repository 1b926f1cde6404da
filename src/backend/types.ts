// A backend is one execution target (plain TypeScript, WASM SIMD on the CPU, or a WebGPU device)
// as one object: every capability the pipeline needs, built for that target, and a record of what
// it has. Callers use the capabilities and never ask which kind the backend is, so adding a
// capability touches src/backend/ only: the interface below and each backend's file.
import type { ForwardEngine, ForwardNet } from '../forward/engine.js';
import type { DeviceProbeEngine, DeviceProbeSpec } from '../forward/webgpu/device-engine.js';
import type { JointHistogramKernel, JointHistogramSpec } from '../kernels/joint-histogram/index.js';
import type { MomentKernel } from '../kernels/moments/contract.js';
import type { GpuContext } from '../platform/webgpu.js';
import type { TrainRunOptions } from '../train/train.js';

export type BackendKind = 'webgpu' | 'wasm' | 'reference';
export type BackendRequest = 'auto' | BackendKind;

export interface ForwardEngineOptions {
  /** Worker threads for the WASM engine (default: the backend's, else all cores). */
  threads?: number;
}

/** What a device probe needs besides the device and the moment kernel, which the backend brings. */
export type DeviceProbeRequest = Omit<DeviceProbeSpec, 'gpu' | 'moments'>;

/** The trainer a backend offers: the options that pick it, ready to spread into trainNets' run options. */
export interface TrainerOffer {
  /** `backend` keys the trained weights (the trainers round differently); `gpu` is the backend's own device. */
  readonly options: Pick<TrainRunOptions, 'backend' | 'gpu'>;
  /** For the log: 'wasm-simd' or 'webgpu (<adapter>)'. */
  readonly label: string;
}

/** What a backend has, by the name of each capability's implementation (for logs and tests). */
export interface BackendCapabilities {
  /** The moment kernel, e.g. 'wasm-simd x4 threads'. */
  readonly moments: string;
  /** Forward passes of ONNX nets: 'reference', 'wasm-simd' or 'webgpu'. */
  readonly forward: string;
  /** Forward passes and moments without the activations leaving the device. */
  readonly probeOnDevice: boolean;
  /** Joint histograms of unit pairs (the `mi-histograms` reducer). */
  readonly jointHistogram: string;
  /** The trainer (there is no plain-TypeScript one: the reference backend offers WASM's). */
  readonly trainer: TrainRunOptions['backend'];
}

export interface Backend {
  /** For file names and messages only: callers use the capabilities, not the kind. */
  readonly kind: BackendKind;
  /** One line for the log: backend and device, e.g. "webgpu on NVIDIA H100 (vulkan)". */
  readonly description: string;
  readonly capabilities: BackendCapabilities;
  /** The device: the WebGPU device and its limits (webgpu backend only). */
  readonly gpu?: GpuContext;
  /** The device: CPU threads (wasm backend only), as asked for; undefined = every core. */
  readonly threads?: number;
  /** Moments of host batches. */
  readonly moments: MomentKernel;
  /** A forward engine for these nets on this backend's device. */
  forwardEngine(nets: ForwardNet[], itemShape: number[], options?: ForwardEngineOptions): Promise<ForwardEngine>;
  /**
   * Forward passes and moments that keep the activations on the device, only the reduced state
   * coming back (the webgpu backend; absent on the others).
   */
  readonly probeOnDevice?: (request: DeviceProbeRequest) => DeviceProbeEngine;
  /** A joint-histogram kernel on this backend's device (disposed by the caller; the device stays). */
  jointHistogram(spec: JointHistogramSpec): Promise<JointHistogramKernel>;
  readonly trainer: TrainerOffer;
  /** Releases the kernels and the device. */
  dispose(): Promise<void>;
}
