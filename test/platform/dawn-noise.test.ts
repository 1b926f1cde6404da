// Acquiring a GPU through Dawn prints no loader noise: on Linux without a GPU device node the GL
// backends are asked before Vulkan (so Dawn never tries to load libvulkan there), and a request
// that refuses software adapters does not load Dawn at all on such a machine. Dawn writes from
// C++ straight to the process's stderr, so this runs a small script in a child process and reads
// its stderr. The script imports the built module (dist/, as the CLI tests do).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dawnAttempts, gpuDeviceNodesPresent } from '../../src/platform/webgpu.js';
import { webgpuAvailability } from '../helpers/webgpu.js';

const gpu = await webgpuAvailability();

/** The stderr of a child that acquires a GPU (allowSoftware as given) and releases it. */
function acquireInChild(allowSoftware: boolean): { stdout: string; stderr: string; status: number | null } {
  const script = `
    const { acquireGpu } = await import(${JSON.stringify(new URL('../../dist/src/platform/webgpu.js', import.meta.url).href)});
    const gpu = await acquireGpu({ allowSoftware: ${allowSoftware} });
    process.stdout.write(gpu ? gpu.label : 'none');
    gpu?.release();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('dawnAttempts', () => {
  it('asks the GL backends before Vulkan on Linux without a GPU device node', () => {
    expect(dawnAttempts('linux', false).map((a) => a.backend)).toEqual(['opengles', 'opengl', 'vulkan']);
  });

  it('keeps Vulkan first when a device node exists or that cannot be told', () => {
    expect(dawnAttempts('linux', true).map((a) => a.backend)).toEqual(['vulkan', 'opengles', 'opengl']);
    expect(dawnAttempts('linux', undefined).map((a) => a.backend)).toEqual(['vulkan', 'opengles', 'opengl']);
    expect(dawnAttempts('darwin', false).map((a) => a.backend)).toEqual(['metal']);
  });
});

describe.runIf(gpu.available)('Dawn noise on stderr', () => {
  it('acquiring a device prints no Vulkan loader warning', () => {
    const r = acquireInChild(true);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(gpu.label);
    expect(r.stderr).not.toMatch(/Vulkan|BackendVk/);
  });

  it.runIf(gpuDeviceNodesPresent() === false)('refusing software adapters on a machine without a GPU device node prints nothing', () => {
    const r = acquireInChild(false);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('none');
    expect(r.stderr).toBe('');
  });
});
