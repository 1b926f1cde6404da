// Whether WebGPU tests can run here. Without an adapter they skip, visibly, unless
// CONVERGENT_REQUIRE_WEBGPU=1 (set by CI), in which case a missing adapter fails the run.
import { acquireGpu } from '../../src/platform/webgpu.js';

export interface WebGpuAvailability {
  available: boolean;
  label: string;
  /** The device's maxComputeInvocationsPerWorkgroup (0 without an adapter), so that a test can
   * declare one case per tile configuration the device allows when its file is collected. */
  maxInvocationsPerWorkgroup: number;
}

let cached: Promise<WebGpuAvailability> | undefined;

export function webgpuAvailability(): Promise<WebGpuAvailability> {
  cached ??= (async () => {
    const gpu = await acquireGpu({ allowSoftware: true });
    if (!gpu) {
      if (process.env.CONVERGENT_REQUIRE_WEBGPU === '1') {
        throw new Error('CONVERGENT_REQUIRE_WEBGPU=1 but no WebGPU adapter was found (install Mesa llvmpipe: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)');
      }
      console.warn('WebGPU tests skipped: no adapter (set CONVERGENT_REQUIRE_WEBGPU=1 to make this an error)');
      return { available: false, label: '', maxInvocationsPerWorkgroup: 0 };
    }
    const result = { available: true, label: gpu.label, maxInvocationsPerWorkgroup: gpu.device.limits.maxComputeInvocationsPerWorkgroup };
    gpu.release();
    return result;
  })();
  return cached;
}
