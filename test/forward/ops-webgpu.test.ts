// Every op case of test/forward/op-cases.ts through compilePlan + PlanRunner on the WebGPU
// kernels, against onnxruntime-node within 1e-4 relative (expectClose in harness.ts). On this
// machine WebGPU is Mesa llvmpipe through Dawn's GL backend; without an adapter the suite skips
// visibly (webgpuAvailability), unless CONVERGENT_REQUIRE_WEBGPU=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuKernels, type WebGpuKernels } from '../../src/forward/webgpu/kernels.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { checkCase } from './harness.js';
import { opCases } from './op-cases.js';

const { available, label } = await webgpuAvailability();
if (available) console.info(`WebGPU forward ops on ${label}`);

describe.runIf(available)('WebGPU forward kernels on the op cases', () => {
  let gpu: GpuContext;
  let kernels: WebGpuKernels;
  beforeAll(async () => {
    const g = await acquireGpu({ allowSoftware: true });
    if (!g) throw new Error('webgpuAvailability found an adapter, acquireGpu did not');
    gpu = g;
    kernels = createWebGpuKernels(gpu);
  });
  afterAll(async () => {
    await kernels?.dispose();
    gpu?.release();
  });

  for (const c of opCases) {
    it(c.name, async () => {
      await withGpuErrorScope(gpu.device, () => checkCase(c, kernels));
    });
  }

  it('reuses pooled buffers: running a case again creates no buffer', async () => {
    const net = opCases.find((c) => c.name === 'AlexNet-like');
    if (!net) throw new Error('op-cases.ts has no AlexNet-like case');
    await withGpuErrorScope(gpu.device, () => checkCase(net, kernels));
    const { liveBuffers, pipelines } = kernels.stats();
    // Constants, input, intermediates and read-back buffers all come back from the pools.
    await withGpuErrorScope(gpu.device, () => checkCase(net, kernels));
    expect(kernels.stats().liveBuffers).toBe(liveBuffers);
    expect(kernels.stats().pipelines).toBe(pipelines);
  });
});
