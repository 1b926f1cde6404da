// Compute pipelines of the forward kernels, cached per device and keyed by compile-time facts
// only (shader, tile sizes, variant flags); every shape travels in the uniforms, so one pipeline
// serves every layer and batch size. Created synchronously: run() may only encode.
import { shader, specialise } from '../../kernels/webgpu-common.js';

export const KERNEL_PREFIX = 'convergent.forward';

const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Canonical text of the specialisation constants, also used in labels. */
function constantsKey(constants: Record<string, number>): string {
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}

/** The pipeline of shaders/<shaderName>.wgsl with `constants` substituted (see specialise()). */
export function forwardPipeline(device: GPUDevice, kernel: string, shaderName: string, constants: Record<string, number>): GPUComputePipeline {
  let perDevice = cache.get(device);
  if (!perDevice) cache.set(device, (perDevice = new Map()));
  const key = `${shaderName}(${constantsKey(constants)})`;
  let pipeline = perDevice.get(key);
  if (!pipeline) {
    const label = `${KERNEL_PREFIX}.${kernel}: ${key}`;
    const module = device.createShaderModule({ label, code: specialise(shader(shaderName), constants) });
    pipeline = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
    perDevice.set(key, pipeline);
  }
  return pipeline;
}
