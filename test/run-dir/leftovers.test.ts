// A command that finds leftovers of an earlier one that was killed (issue 10, tester's note on
// item 4/8: `align` killed by SIGTERM left its lock and .staging-align) clears them and says so in
// one line each: files vanishing from a run directory are never a surprise. The leftovers are
// made by hand here, as a killed process leaves them, so that nothing depends on timing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPid, lockBy, newRun, referenceBackend } from './run-helpers.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { probe } from '../../src/probe/probe.js';

const NETS = [
  { name: 'netA', path: 'test/fixtures/e2e/netA' },
  { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
];
const reference = referenceBackend();
const registry = new PluginRegistry();
registry.add(builtinPlugin, 'built-in');

/** A folder as an unfinished command leaves it, with a file in it. */
function leaveFolder(path: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'half-written.npy'), 'x');
}

describe('leftovers of a killed command', () => {
  it('align: the stale lock and .staging-align are removed with a note each', async () => {
    const run = newRun('leftovers');
    await probe({ nets: NETS, out: run, backend: reference.get() });
    const pid = deadPid();
    lockBy(run, pid);
    const stage = runPaths.staging(run, 'align');
    leaveFolder(stage);
    const notes: string[] = [];
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'], log: (m) => notes.push(m) });
    expect(notes).toContainEqual(expect.stringContaining(`took over the lock of ${run}: process ${pid} is no longer running`));
    expect(notes).toContain(`removed ${stage}: the unfinished outputs of an earlier align into ${run} that failed or was killed`);
    expect(existsSync(stage)).toBe(false);
    expect(existsSync(runPaths.summary(run))).toBe(true);
  });

  it('align: the previous outputs of a swap killed just before its cleanup are removed with a note', async () => {
    const run = newRun('leftovers');
    await probe({ nets: NETS, out: run, backend: reference.get() });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'] });
    const old = runPaths.replaced(run, 'align');
    leaveFolder(old);
    const notes: string[] = [];
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'], log: (m) => notes.push(m) });
    expect(notes).toContain(`removed ${old}: the previous outputs, left by an earlier align killed just after it replaced them`);
    expect(existsSync(old)).toBe(false);
  });

  it('probe --overwrite: .staging-probe of an earlier probe is removed with a note', async () => {
    const run = newRun('leftovers');
    await probe({ nets: NETS, out: run, backend: reference.get() });
    const stage = runPaths.staging(run, 'probe');
    leaveFolder(stage);
    const notes: string[] = [];
    await probe({ nets: NETS, out: run, backend: reference.get(), overwrite: true, log: (m) => notes.push(m) });
    expect(notes).toContain(`removed ${stage}: the unfinished outputs of an earlier probe into ${run} that failed or was killed`);
    expect(existsSync(join(stage, 'half-written.npy'))).toBe(false);
  });

  it('nothing to clear: no note', async () => {
    const run = newRun('leftovers');
    const notes: string[] = [];
    await probe({ nets: NETS, out: run, backend: reference.get(), log: (m) => notes.push(m) });
    await align({ run, backend: reference.get(), registry: registry.methods, methods: ['semi'], log: (m) => notes.push(m) });
    expect(notes.filter((m) => /^removed |took over/.test(m))).toEqual([]);
  });
});
