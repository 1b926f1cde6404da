// The forward kernels on a device opened with the default limits instead of the adapter's maxima
// (what a browser page gets unless it asks): in compatibility mode that is 128 invocations per
// workgroup, 16 KiB of workgroup memory and 4 storage buffers per stage. Tiles must be chosen from
// `device.limits`, and no kernel may bind more than 4 storage buffers. Node only (opens Dawn
// directly); skips without an adapter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuKernels, type WebGpuKernels } from '../../src/forward/webgpu/kernels.js';
import { adapterDisplayName, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { checkCase } from './harness.js';
import { opCases } from './op-cases.js';

const { available } = await webgpuAvailability();

interface Dawn {
  create(options: string[]): GPU;
}

/** A device with default limits from the first Dawn backend that gives an adapter. */
async function defaultLimitsDevice(): Promise<{ gpu: GpuContext; instance: GPU } | null> {
  const specifier = 'webgpu';
  const dawn = (await import(specifier)) as Dawn;
  for (const [backend, featureLevel] of [['vulkan', 'core'], ['opengles', 'compatibility'], ['opengl', 'compatibility']] as const) {
    let instance: GPU;
    try {
      instance = dawn.create([`backend=${backend}`]);
    } catch {
      continue;
    }
    const adapter = await instance.requestAdapter({ featureLevel } as GPURequestAdapterOptions).catch(() => null);
    if (!adapter) continue;
    const device = await adapter.requestDevice({ label: 'test: default limits' });
    const raw = adapter.info;
    const adapterInfo = { vendor: raw.vendor, architecture: raw.architecture, device: raw.device, description: raw.description };
    const gpu: GpuContext = {
      device,
      adapterInfo,
      isSoftware: /llvmpipe|lavapipe|swiftshader/i.test(Object.values(adapterInfo).join(' ')),
      label: `${adapterDisplayName(adapterInfo)} via Dawn ${backend}, default limits`,
      featureLevel,
      release: () => device.destroy(),
    };
    return { gpu, instance };
  }
  return null;
}

describe.runIf(available)('WebGPU forward kernels under default device limits', () => {
  let opened: { gpu: GpuContext; instance: GPU } | null;
  let kernels: WebGpuKernels;
  beforeAll(async () => {
    opened = await defaultLimitsDevice();
    if (!opened) throw new Error('webgpuAvailability found an adapter, Dawn gave none');
    kernels = createWebGpuKernels(opened.gpu);
  });
  afterAll(async () => {
    await kernels?.dispose();
    opened?.gpu.release();
    opened = null;
  });

  it('chooses tiles from the device limits', () => {
    const limits = opened!.gpu.device.limits;
    console.info(`default limits on ${opened!.gpu.label}: ${limits.maxComputeInvocationsPerWorkgroup} invocations, ${limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory, ${limits.maxStorageBuffersPerShaderStage} storage buffers`);
    expect(kernels.tiles.gemmThreads).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
    expect(kernels.tiles.workgroup).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
  });

  for (const name of ['Conv many channels 3x3', 'Gemm large (fully connected)', 'LeNet with BatchNorm', 'AlexNet-like', 'ResNet block', 'MobileNet-like']) {
    it(name, async () => {
      const c = opCases.find((x) => x.name === name);
      if (!c) throw new Error(`op-cases.ts has no case ${name}`);
      await withGpuErrorScope(opened!.gpu.device, () => checkCase(c, kernels));
    });
  }
});
