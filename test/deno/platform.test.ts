// The Node-only assumptions that broke or slowed the CLI under Deno, checked inside Deno by
// test/deno/platform-checks.ts: a WebGPU command is not re-run as a child behind the Dawn noise
// filter (cli/native-noise.ts; Deno has navigator.gpu and never loads Dawn), and the workers'
// Blob URL revoke timer does not hold the process 10 s after the work (src/platform/workers.ts).
import { describe, expect, it } from 'vitest';
import { deno, hasDeno, root, succeeded, warnWithoutDeno } from './helpers.js';

warnWithoutDeno('Deno platform checks');

describe.runIf(hasDeno)('the platform shims under Deno', () => {
  it('runs WebGPU commands in one process and leaves no timer holding the process', () => {
    const run = succeeded('deno platform-checks.ts', deno(['run', '-A', 'test/deno/platform-checks.ts'], root));
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { nativeFilter: boolean; heldTimers: number; longTimers: number; doubled: number };
    expect(report.doubled).toBe(42);
    expect(report.nativeFilter).toBe(false);
    expect(report.longTimers).toBe(1); // the revoke of the workers' script URL
    expect(report.heldTimers).toBe(0);
  });
});
