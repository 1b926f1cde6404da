// Compute pipelines of every WebGPU kernel, cached per device and keyed by compile-time facts
// only (shader, entry point, specialisation constants such as tile sizes and variant flags).
// Shapes travel in the uniforms, so one pipeline serves every layer, batch and unit count.
import { gpuLabel } from './labels.js';
import { shader, specialise } from './shaders.js';

export interface PipelineSpec {
  /** The kernel that asks, for labels: e.g. "moments", "forward.conv", "train". */
  kernel: string;
  /** shaders/<shader>.wgsl. */
  shader: string;
  /** Values of the shader's `const NAME: u32` lines (see specialise()). */
  constants?: Record<string, number>;
  entryPoint?: string;
}

interface Cached {
  pipeline?: GPUComputePipeline;
  pending?: Promise<GPUComputePipeline>;
}

const cache = new WeakMap<GPUDevice, Map<string, Cached>>();

/** The cache key: shader, entry point and the constants in a canonical order. */
export function pipelineKey(spec: PipelineSpec): string {
  const constants = spec.constants ?? {};
  const text = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
  return `${spec.shader}${spec.entryPoint && spec.entryPoint !== 'main' ? `.${spec.entryPoint}` : ''}(${text})`;
}

function entry(device: GPUDevice, spec: PipelineSpec): { cached: Cached; descriptor: () => GPUComputePipelineDescriptor } {
  let perDevice = cache.get(device);
  if (!perDevice) cache.set(device, (perDevice = new Map()));
  const key = pipelineKey(spec);
  let cached = perDevice.get(key);
  if (!cached) perDevice.set(key, (cached = {}));
  const descriptor = () => {
    const label = gpuLabel(spec.kernel, key);
    const module = device.createShaderModule({ label, code: specialise(shader(spec.shader), spec.constants ?? {}) });
    return { label, layout: 'auto' as const, compute: { module, entryPoint: spec.entryPoint ?? 'main' } };
  };
  return { cached, descriptor };
}

/** The pipeline, compiled now if no kernel on this device compiled it before. */
export function computePipeline(device: GPUDevice, spec: PipelineSpec): GPUComputePipeline {
  const { cached, descriptor } = entry(device, spec);
  cached.pipeline ??= device.createComputePipeline(descriptor());
  return cached.pipeline;
}

/** The pipeline, compiled off the calling thread where the implementation can (createComputePipelineAsync). */
export function computePipelineAsync(device: GPUDevice, spec: PipelineSpec): Promise<GPUComputePipeline> {
  const { cached, descriptor } = entry(device, spec);
  if (cached.pipeline) return Promise.resolve(cached.pipeline);
  cached.pending ??= device.createComputePipelineAsync(descriptor()).then((p) => (cached.pipeline ??= p));
  return cached.pending;
}
