// Whether WebGPU tests can run here. Without an adapter they skip, visibly, unless
// CONVERGENT_REQUIRE_WEBGPU=1 (set by CI), in which case a missing adapter fails the run.
import { acquireGpu } from '../../src/platform/webgpu.js';

let cached: Promise<{ available: boolean; label: string }> | undefined;

export function webgpuAvailability(): Promise<{ available: boolean; label: string }> {
  cached ??= (async () => {
    const gpu = await acquireGpu({ allowSoftware: true });
    if (!gpu) {
      if (process.env.CONVERGENT_REQUIRE_WEBGPU === '1') {
        throw new Error('CONVERGENT_REQUIRE_WEBGPU=1 but no WebGPU adapter was found (install Mesa llvmpipe: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)');
      }
      console.warn('WebGPU tests skipped: no adapter (set CONVERGENT_REQUIRE_WEBGPU=1 to make this an error)');
      return { available: false, label: '' };
    }
    const label = gpu.label;
    gpu.release();
    return { available: true, label };
  })();
  return cached;
}
