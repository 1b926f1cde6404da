// `convergent run --example` under Deno (`deno run -A dist/cli/main.js`) prints and writes what
// it does under Node: the same headline and status lines, the same moments byte for byte, the
// same tables within 1e-12 (see expectSameCsv), the report with the same sections. On WebGPU
// Deno takes its own `navigator.gpu` (wgpu) and runs in one process (no re-run behind the Dawn
// noise filter, cli/native-noise.ts); where Deno finds no adapter that part is skipped with a
// warning, unless CONVERGENT_REQUIRE_WEBGPU=1.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoCli, expectSameJson, expectSameRun, hasDeno, nodeCli, statusLines, succeeded, tempDir, warnWithoutDeno } from './helpers.js';

warnWithoutDeno('Deno CLI test (run --example)');

const EXAMPLE = ['run', '--example', '--out', 'run'];

describe.runIf(hasDeno)('convergent run --example under Deno', () => {
  it('prints and writes what Node does (wasm)', () => {
    const dir = tempDir('example');
    const [inNode, inDeno] = [join(dir, 'node'), join(dir, 'deno')];
    mkdirSync(inNode);
    mkdirSync(inDeno);
    const node = succeeded('node run --example', nodeCli([...EXAMPLE, '--backend', 'wasm'], inNode));
    const deno = succeeded('deno run --example', denoCli([...EXAMPLE, '--backend', 'wasm'], inDeno));
    expect(node.stdout).toContain('bipartite r');
    expect(deno.stdout).toBe(node.stdout);
    expect(statusLines(deno.stderr)).toBe(statusLines(node.stderr));
    expectSameRun(join(inDeno, 'run'), join(inNode, 'run'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on Deno\'s own WebGPU when it has an adapter, with the numbers of the wasm run within 1e-6', () => {
    const dir = tempDir('example-webgpu');
    const [inNode, inDeno] = [join(dir, 'node'), join(dir, 'deno')];
    mkdirSync(inNode);
    mkdirSync(inDeno);
    const deno = denoCli([...EXAMPLE, '--backend', 'webgpu'], inDeno);
    if (deno.code !== 0 && /no WebGPU adapter found/.test(deno.stderr) && process.env.CONVERGENT_REQUIRE_WEBGPU !== '1') {
      console.warn('Deno found no WebGPU adapter: run --example --backend webgpu under Deno was not checked');
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    succeeded('deno run --example --backend webgpu', deno);
    expect(deno.stderr).toMatch(/backend webgpu on .* via Deno WebGPU/);
    const node = succeeded('node run --example', nodeCli([...EXAMPLE, '--backend', 'wasm'], inNode));
    // The GPU sums the centred co-moments in float32 (src/kernels/moments/webgpu.ts), so its
    // correlations differ from WASM's in the 8th digit (4e-8 on llvmpipe): within 1e-6.
    const summary = (where: string) => JSON.parse(readFileSync(join(where, 'run', 'summary.json'), 'utf8')) as unknown;
    expectSameJson(summary(inDeno), summary(inNode), 'summary.json', new Set(['backend', 'probedWith']), 1e-6);
    rmSync(dir, { recursive: true, force: true });
  });
});
