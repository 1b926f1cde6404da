// Runs test/deno/smoke.ts in Deno (the `deno` devDependency): the compiled kernels load without
// Node, the reference moment kernel runs, the embedded WASM compiles and, when Deno finds a WebGPU
// adapter, the WebGPU moment kernel matches the reference. Deno does not map `.js` imports onto
// `.ts` files, so the script imports the tsc output under dist/; this test builds it when missing
// or older than the sources. With CONVERGENT_REQUIRE_WEBGPU=1 (CI) Deno must find an adapter too.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoBinary as deno, hasDeno, root, warnWithoutDeno } from './helpers.js';

const script = join(root, 'test', 'deno', 'smoke.ts');
/** The dist modules smoke.ts imports, with their sources. */
const needed = [
  'src/kernels/moments/reference',
  'src/kernels/moments/webgpu',
  'src/kernels/wasm-module',
  'src/platform/webgpu',
  'src/kernels/moments/merge',
  'src/generated/shaders',
  'src/generated/wasm-binary',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function distIsStale(): boolean {
  const sources = newestMtime(join(root, 'src'));
  return needed.some((m) => {
    const out = join(root, 'dist', `${m}.js`);
    return !existsSync(out) || statSync(out).mtimeMs < sources;
  });
}

warnWithoutDeno('Deno smoke test');

describe.runIf(hasDeno)('Deno smoke test', () => {
  it('loads the compiled kernels in Deno and runs them', () => {
    if (distIsStale()) {
      // Type errors elsewhere in the project must not stop the emit that this test needs.
      const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
        cwd: root,
        encoding: 'utf8',
      });
      const missing = needed.filter((m) => !existsSync(join(root, 'dist', `${m}.js`)));
      if (missing.length > 0) throw new Error(`tsc did not emit ${missing.join(', ')}:\n${build.stdout}${build.stderr}`);
    }
    const run = spawnSync(deno, ['run', '--allow-read', '--allow-env', relative(root, script)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    const lastLine = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !lastLine.startsWith('{')) {
      throw new Error(`deno exited with ${run.status} (${run.signal ?? 'no signal'}):\n${run.stdout}\n${run.stderr}`);
    }
    const report = JSON.parse(lastLine) as {
      ok: boolean;
      reference: { error: number };
      wasm: { hasMemory: boolean };
      webgpu: { label: string; error: number } | null;
    };
    expect(report.ok).toBe(true);
    expect(report.reference.error).toBe(0);
    expect(report.wasm.hasMemory).toBe(true);
    if (report.webgpu) {
      console.info(`Deno WebGPU moment kernel on ${report.webgpu.label}: worst relative error ${report.webgpu.error.toExponential(2)}`);
      expect(report.webgpu.error).toBeLessThan(1e-5);
    } else if (process.env.CONVERGENT_REQUIRE_WEBGPU === '1') {
      throw new Error('CONVERGENT_REQUIRE_WEBGPU=1 but Deno found no WebGPU adapter');
    } else {
      console.warn('Deno smoke test: Deno found no WebGPU adapter; the WebGPU kernel was not run');
    }
  });
});
