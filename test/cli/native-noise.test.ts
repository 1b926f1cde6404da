// Issue 10, item 10: the native WebGPU library's own warnings (written from C++ to fd 2) never
// reach the user's terminal unless --verbose asks for them; the filter passes everything else on
// as it comes, progress bars included.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NativeNoiseFilter, needsNativeFilter } from '../../cli/native-noise.js';
import { convergent, tempDir } from './helpers.js';

const DAWN = [
  "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n",
  '    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)\n',
  '\n',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n',
].join('');
const OURS = 'convergent: backend webgpu on llvmpipe\n\r  conv1 ███░░ 3/5\r  conv1 █████ 5/5\n  conv1: 5/5 samples in 0.1 s\n\nlayer  net A\n    at the end: an indented line of ours\n';

function filtered(chunks: string[]): { out: string; writes: string[] } {
  const writes: string[] = [];
  const filter = new NativeNoiseFilter((t) => writes.push(t));
  for (const c of chunks) filter.push(c);
  filter.end();
  return { out: writes.join(''), writes };
}

describe('NativeNoiseFilter', () => {
  it('drops the library lines and keeps ours, however the stream is cut into chunks', () => {
    // The library writes whole lines; they land between lines of ours.
    const cut = OURS.indexOf('\n') + 1;
    const text = `${DAWN}${OURS.slice(0, cut)}${DAWN}${OURS.slice(cut)}${DAWN}`;
    const want = OURS;
    expect(filtered([text]).out).toBe(want);
    for (const size of [1, 2, 3, 7, 13]) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(filtered(chunks).out, `chunks of ${size}`).toBe(want);
    }
  });

  it('passes a partial line on at once unless it may be the start of a library line', () => {
    const { writes } = filtered(['\r  fc1 ███', '░░ 3/5']);
    expect(writes).toEqual(['\r  fc1 ███', '░░ 3/5']);
    expect(filtered(['Warn']).out).toBe('Warn'); // held, then given back at the end
  });
});

describe('which command lines run behind the filter', () => {
  it('device commands with webgpu; never listings, --verbose, or wasm/reference', () => {
    const env = {};
    expect(needsNativeFilter(['run', '--example', '--backend', 'webgpu'], env)).toBe(true);
    expect(needsNativeFilter(['align', 'x', '--backend=webgpu'], env)).toBe(true);
    expect(needsNativeFilter(['align', 'x', '--backend', 'webgpu', '--verbose'], env)).toBe(false);
    expect(needsNativeFilter(['align', 'x', '--backend', 'wasm'], env)).toBe(false);
    expect(needsNativeFilter(['methods'], env)).toBe(false);
    expect(needsNativeFilter(['layers', 'm.onnx'], env)).toBe(false);
    expect(needsNativeFilter(['run', '--backend', 'webgpu'], { CONVERGENT_STDERR_FILTERED: 'pipe' })).toBe(false);
  });
});

describe('run --backend webgpu', () => {
  // Asked of the CLI, not of this process: loading the library here would print its warnings.
  it('shows no native warnings; --verbose is the way to see them', (test) => {
    const out = join(tempDir('webgpu-quiet'), 'run');
    const r = convergent(['run', '--example', '--out', out, '--backend', 'webgpu']);
    if (r.code !== 0 && /no WebGPU adapter found/.test(r.stderr) && process.env.CONVERGENT_REQUIRE_WEBGPU !== '1') test.skip();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^convergent: backend webgpu on /m);
    expect(r.stderr).not.toMatch(/Warning:|\.cpp:\d+/);
    expect(r.stdout).toMatch(/fc1: copy units recovered 24\/24/);
    const verbose = convergent(['run', '--example', '--out', join(tempDir('webgpu-verbose'), 'run'), '--backend', 'webgpu', '--verbose']);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/^convergent: backend webgpu on /m);
  });
});
