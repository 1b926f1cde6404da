// The parts of WebGPU acquisition that need no GPU: telling from device nodes whether a GPU is
// there (without loading Dawn), naming adapters, the order of adapter requests on navigator.gpu,
// and the error scope wrapper (against a stand-in device).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireGpu, adapterDisplayName, GpuScopeError, gpuDeviceNodesPresent, withGpuErrorScope } from '../../src/platform/webgpu.js';

/** A stand-in `fs` with the given /dev and /dev/dri listings and existing paths. */
function fakeFs(dev: string[], dri: string[] | undefined, exists: string[] = []) {
  return {
    readdirSync(path: string): string[] {
      if (path === '/dev') return dev;
      if (path === '/dev/dri' && dri) return dri;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    existsSync: (path: string) => exists.includes(path),
  };
}

function withProcess(fields: { platform?: string; getBuiltinModule?: (name: string) => unknown }) {
  vi.stubGlobal('process', { ...process, ...fields });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('gpuDeviceNodesPresent', () => {
  it('finds a DRM render node, an NVIDIA device or WSL /dev/dxg on Linux', () => {
    withProcess({ platform: 'linux', getBuiltinModule: () => fakeFs(['null', 'dri'], ['card0', 'renderD128']) });
    expect(gpuDeviceNodesPresent()).toBe(true);
    withProcess({ platform: 'linux', getBuiltinModule: () => fakeFs(['nvidia0', 'nvidiactl'], undefined) });
    expect(gpuDeviceNodesPresent()).toBe(true);
    withProcess({ platform: 'linux', getBuiltinModule: () => fakeFs(['null'], undefined, ['/dev/dxg']) });
    expect(gpuDeviceNodesPresent()).toBe(true);
  });

  it('says false when Linux has none: a display card without a render node, nvidiactl alone', () => {
    withProcess({ platform: 'linux', getBuiltinModule: () => fakeFs(['null', 'nvidiactl', 'nvidia-uvm'], ['card0']) });
    expect(gpuDeviceNodesPresent()).toBe(false);
  });

  it('says undefined (ask the library) off Linux or without the fs module', () => {
    withProcess({ platform: 'darwin', getBuiltinModule: () => fakeFs(['nvidia0'], undefined) });
    expect(gpuDeviceNodesPresent()).toBeUndefined();
    withProcess({ platform: 'linux', getBuiltinModule: undefined });
    expect(gpuDeviceNodesPresent()).toBeUndefined();
    withProcess({ platform: 'linux', getBuiltinModule: () => undefined });
    expect(gpuDeviceNodesPresent()).toBeUndefined();
  });
});

describe('adapterDisplayName', () => {
  const info = (fields: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>>) => ({ vendor: '', architecture: '', device: '', description: '', ...fields });

  it('names software rasterisers by kind and LLVM version', () => {
    expect(adapterDisplayName(info({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)', vendor: 'mesa' }))).toBe('llvmpipe (LLVM 15)');
    expect(adapterDisplayName(info({ device: 'Lavapipe (LLVM 17.0.1, 256 bits)', vendor: 'mesa' }))).toBe('lavapipe (LLVM 17)');
  });

  it('prefers the description, skips GL version strings, and un-slugs GL renderer names', () => {
    expect(adapterDisplayName(info({ description: 'NVIDIA H100 80GB HBM3', vendor: 'nvidia' }))).toBe('NVIDIA H100 80GB HBM3');
    expect(adapterDisplayName(info({ description: 'OpenGL ES 3.2 Mesa', device: 'mesa-intel-r-uhd-graphics-' }))).toBe('mesa intel r uhd graphics');
  });

  it('falls back to vendor and architecture, leaving out numeric ids, then to "unknown adapter"', () => {
    expect(adapterDisplayName(info({ vendor: 'apple', architecture: 'metal-3' }))).toBe('apple metal-3');
    expect(adapterDisplayName(info({ vendor: '4318', architecture: '' }))).toBe('unknown adapter');
  });
});

describe('acquireGpu on navigator.gpu', () => {
  function fakeGpu() {
    const requests: unknown[] = [];
    return { requests, gpu: { requestAdapter: async (options: unknown) => (requests.push(options), null) } };
  }

  it('asks for a high-performance core adapter, then compatibility, then (software allowed) a fallback', async () => {
    const { requests, gpu } = fakeGpu();
    vi.stubGlobal('navigator', { gpu });
    expect(await acquireGpu()).toBeNull();
    expect(requests).toEqual([{ powerPreference: 'high-performance' }, { featureLevel: 'compatibility' }, { forceFallbackAdapter: true }]);
  });

  it('never asks for a fallback adapter when software is refused', async () => {
    const { requests, gpu } = fakeGpu();
    vi.stubGlobal('navigator', { gpu });
    expect(await acquireGpu({ allowSoftware: false })).toBeNull();
    expect(requests).toEqual([{ powerPreference: 'high-performance' }, { featureLevel: 'compatibility' }]);
  });
});

describe('withGpuErrorScope', () => {
  /** A stand-in device whose scopes pop the given errors (innermost first). */
  function fakeDevice(errors: (string | null)[]) {
    const pushed: string[] = [];
    const device = {
      pushErrorScope: (filter: string) => pushed.push(filter),
      popErrorScope: async () => {
        const message = errors.shift() ?? null;
        return message === null ? null : ({ message } as GPUError);
      },
    } as unknown as GPUDevice;
    return { device, pushed };
  }

  it('returns the result when the device reported nothing, with both scopes pushed and popped', async () => {
    const { device, pushed } = fakeDevice([null, null]);
    expect(await withGpuErrorScope(device, () => 42)).toBe(42);
    expect(pushed).toEqual(['validation', 'out-of-memory']);
  });

  it("throws the device's errors, with the function's own error as the cause", async () => {
    const { device } = fakeDevice(['out of memory', 'bad binding']);
    const failure = new Error('mapAsync failed');
    const error = await withGpuErrorScope(device, () => {
      throw failure;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuScopeError);
    expect((error as GpuScopeError).message).toBe('WebGPU reported 2 errors: out of memory | bad binding');
    expect((error as GpuScopeError).cause).toBe(failure);
  });

  it("rethrows the function's error when the device reported nothing", async () => {
    const { device } = fakeDevice([null, null]);
    await expect(withGpuErrorScope(device, () => Promise.reject(new Error('plain failure')))).rejects.toThrow('plain failure');
  });
});
