// Joint histograms of unit pairs on the backend's kind of device: WebGPU, WASM, or the plain-TS
// reference (the definition; see reference.ts for the binning rule and the counts' layout).
import type { BackendKind } from '../../backend/types.js';
import { acquireGpu, type GpuContext } from '../../platform/webgpu.js';
import { createReferenceJointHistogramKernel, type JointHistogramKernel, type JointHistogramSpec } from './reference.js';
import { createWasmJointHistogramKernel } from './wasm.js';
import { createWebGpuJointHistogramKernel } from './webgpu.js';

export type { JointHistogramKernel, JointHistogramSpec } from './reference.js';
export { MAX_BINS, accumulateJointCounts, binIndex, binUnits, createReferenceJointHistogramKernel } from './reference.js';
export { createWasmJointHistogramKernel } from './wasm.js';
export { createWebGpuJointHistogramKernel } from './webgpu.js';

/**
 * A kernel of the given kind. For 'webgpu' it runs on `gpu` when given, otherwise on a device of
 * its own (acquired here and released by the kernel's dispose()).
 */
export async function openJointHistogramKernel(spec: JointHistogramSpec, kind: BackendKind, gpu?: GpuContext): Promise<JointHistogramKernel> {
  if (kind === 'reference') return createReferenceJointHistogramKernel(spec);
  if (kind === 'wasm') return createWasmJointHistogramKernel(spec);
  if (gpu) return createWebGpuJointHistogramKernel(gpu, spec);
  const own = await acquireGpu({ allowSoftware: true });
  if (!own) throw new Error('joint histograms: no WebGPU adapter found (use --backend wasm)');
  try {
    const kernel = await createWebGpuJointHistogramKernel(own, spec);
    return {
      name: kernel.name,
      add: (nets, samples) => kernel.add(nets, samples),
      counts: () => kernel.counts(),
      async dispose() {
        try {
          await kernel.dispose();
        } finally {
          own.release();
        }
      },
    };
  } catch (error) {
    own.release();
    throw error;
  }
}
