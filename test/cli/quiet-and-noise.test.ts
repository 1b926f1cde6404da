// Issue 10, items 10 and 11: no native noise on the terminal (auto without a GPU never loads the
// WebGPU library; commands that need no device never touch it; a bad command line is refused before
// a device is opened), --quiet prints nothing but errors, and a closed pipe only drops
// the rest of the output: the command still finishes its files and exits with its own status.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuDeviceNodesPresent } from '../../src/platform/webgpu.js';
import { CLI, convergent, exampleRun, tempDir, writeTinyCnn } from './helpers.js';

const NATIVE_NOISE = /Warning:|Vulkan|artificially reduced|\.cpp:\d+/;

describe('native WebGPU messages', () => {
  it.skipIf(gpuDeviceNodesPresent() !== false)('auto on a machine without a GPU device node: WASM, and the WebGPU library is never loaded', () => {
    const out = join(tempDir('auto'), 'run');
    const r = convergent(['run', '--example', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^convergent: backend wasm-simd .*\(auto: no GPU device found\)$/m);
    expect(r.stderr).not.toMatch(NATIVE_NOISE);
  });

  it('methods and layers never touch a device', () => {
    const model = join(tempDir('layers'), 'tiny.onnx');
    writeTinyCnn(model, 1);
    for (const args of [['methods'], ['layers', model]]) {
      const r = convergent(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
  });

  it('a command line refused is refused before the (explicitly asked for) WebGPU device is opened', () => {
    const out = join(tempDir('early'), 'run');
    const r = convergent(['probe', '--net', 'a=test/fixtures/e2e/netA', '--net', 'b=test/fixtures/e2e/netB.npz', '--out', out, '--backend', 'webgpu', '--reducer', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('convergent: error: unknown reducer "nope"; loaded: mi-histograms, sample-norms, layer-cka, null\n');
    const missing = convergent(['probe', '--net', 'a=test/fixtures/e2e/netA', '--net', 'b=/nonexistent/b.npz', '--out', out, '--backend', 'webgpu']);
    expect(missing.stderr).toBe('convergent: error: --net b=/nonexistent/b.npz: no such file or directory\n');
    const notRun = convergent(['align', join(tempDir('early-align'), 'nothing'), '--backend', 'webgpu']);
    expect(notRun.stderr).toMatch(/^convergent: error: .*is not a run directory[^\n]*\n$/);
    const run = exampleRun();
    const bad = convergent(['align', run, '--backend', 'webgpu', '--method', 'nope']);
    expect(bad.stderr).toMatch(/^convergent: error: unknown method "nope"; available: [a-z, -]+\n$/);
  });
});

describe('--quiet', () => {
  it('run --example --quiet prints nothing and still writes the run', () => {
    const out = join(tempDir('quiet'), 'run');
    const r = convergent(['run', '--example', '--out', out, '--backend', 'wasm', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    for (const f of ['probe.json', 'summary.json', 'tables/matches.csv', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('errors still reach stderr', () => {
    const r = convergent(['align', join(tempDir('quiet-missing'), 'nothing'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^convergent: error: .*is not a run directory/);
  });
});

describe('a reader that goes away', () => {
  it('`convergent methods` into a closed pipe exits 0 without a stack trace', async () => {
    // The read end is closed before the child has even started, so its first write meets EPIPE.
    const child = spawn(process.execPath, [CLI, 'methods'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('`convergent run ... 2>&1 | head -3` still finishes the run and exits 0', async () => {
    const out = join(tempDir('pipe'), 'run');
    const args = ['run', '--net', 'a=test/fixtures/e2e/netA', '--net', 'b=test/fixtures/e2e/netB.npz', '--out', out];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // As `head` does: read the first output, then close both pipes while the run goes on.
    let seen = '';
    const closeBoth = (chunk: Buffer) => {
      seen += chunk;
      child.stdout.destroy();
      child.stderr.destroy();
    };
    child.stdout.once('data', closeBoth);
    child.stderr.once('data', closeBoth);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(seen).toMatch(/^convergent: /);
    expect(code).toBe(0);
    for (const f of ['probe.json', 'summary.json', 'tables/matches.csv', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
