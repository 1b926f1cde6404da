// The WebGPU backend: every kernel on one device, the backend's own. The forward passes, the
// moments, the joint histograms and the trainer share it, so a probe's activations can stay on
// the device (probeOnDevice) and no capability opens a device of its own.
import { createInProcessEngine } from '../forward/engine.js';
import { createDeviceProbeEngine } from '../forward/webgpu/device-engine.js';
import { createWebGpuKernels } from '../forward/webgpu/kernels.js';
import { createWebGpuJointHistogramKernel } from '../kernels/joint-histogram/index.js';
import { createWebGpuMomentKernel } from '../kernels/moments/webgpu.js';
import type { GpuContext } from '../platform/webgpu.js';
import type { Backend } from './types.js';

/** A backend on `gpu`; its dispose() releases the device. */
export function createWebGpuBackend(gpu: GpuContext): Backend {
  const moments = createWebGpuMomentKernel(gpu);
  return {
    kind: 'webgpu',
    description: `webgpu on ${gpu.label}`,
    capabilities: { moments: moments.name, forward: 'webgpu', probeOnDevice: true, jointHistogram: 'webgpu', trainer: 'webgpu' },
    gpu,
    moments,
    forwardEngine: async (nets, itemShape) => createInProcessEngine(`webgpu on ${gpu.label}`, nets, itemShape, createWebGpuKernels(gpu)),
    probeOnDevice: (request) => createDeviceProbeEngine({ ...request, gpu, moments }),
    jointHistogram: (spec) => createWebGpuJointHistogramKernel(gpu, spec),
    trainer: { options: { backend: 'webgpu', gpu }, label: `webgpu (${gpu.label})` },
    async dispose() {
      try {
        await moments.dispose();
      } finally {
        gpu.release();
      }
    },
  };
}
