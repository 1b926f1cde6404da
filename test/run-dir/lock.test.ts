// One writer per run directory (issue 10 item 4): a lock file names its owner; a second process
// is refused with a clear message; a stale lock (same host, process gone) is taken over with a
// note; a lock from another host is refused with the way to remove it; the lock is released when
// the command ends, also on errors and on SIGINT/SIGTERM. The CLI cases run the built CLI (dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPid, lockBy, newRun, referenceBackend } from './run-helpers.js';
import { acquireRunLock, readOwner } from '../../src/run-dir/lock.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { probe } from '../../src/probe/probe.js';

const CLI = 'dist/cli/main.js';
const NETS = [
  { name: 'netA', path: 'test/fixtures/e2e/netA' },
  { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
];
const NET_FLAGS = NETS.flatMap((n) => ['--net', `${n.name}=${n.path}`]);

const reference = referenceBackend();

function convergent(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the run lock', () => {
  it('refuses a probe while another live process holds the run, writing nothing', async () => {
    const run = newRun('lock');
    const path = lockBy(run, process.ppid); // the test runner: alive, and not this process
    await expect(probe({ nets: NETS, out: run, backend: reference.get() })).rejects.toThrow(
      new RegExp(`run directory ${run} is in use by process ${process.ppid} \\(still running\\), since 2026-01-02T03:04:05.000Z, command: convergent probe --out elsewhere \\(test\\)\\..*if that process is gone, delete ${path}`),
    );
    expect(readdirSync(run)).toEqual(['convergent.lock']);
    expect(readOwner(path)!.pid).toBe(process.ppid);
  });

  it('takes over a stale lock (same host, process gone) with a note, and releases it at the end', async () => {
    const run = newRun('lock');
    const pid = deadPid();
    lockBy(run, pid);
    const notes: string[] = [];
    await probe({ nets: NETS, out: run, backend: reference.get(), log: (m) => notes.push(m) });
    expect(notes.join('\n')).toContain(`took over the lock of ${run}: process ${pid} is no longer running`);
    expect(existsSync(runPaths.lock(run))).toBe(false);
    expect(existsSync(runPaths.manifest(run))).toBe(true);
  });

  it('refuses a lock from another host, naming it and the file to delete', async () => {
    const run = newRun('lock');
    const path = lockBy(run, 12345, 'build-box-7.example');
    await expect(probe({ nets: NETS, out: run, backend: reference.get() })).rejects.toThrow(`in use by process 12345 on another host, build-box-7.example (which cannot be checked from here)`);
    await expect(probe({ nets: NETS, out: run, backend: reference.get() })).rejects.toThrow(`delete ${path}`);
  });

  it('takes over a lock from another host whose SLURM job has ended (a re-submitted task), and keeps one whose job runs', async () => {
    // A stand-in for squeue on PATH: job 41 ended and forgotten, job 42 failed, job 43 running.
    const bin = join(newRun('squeue'), 'bin');
    mkdirSync(bin, { recursive: true });
    const script = ['#!/bin/sh', 'case "$*" in', '*41*) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1;;', '*42*) echo FAILED;;', '*43*) echo RUNNING;;', 'esac'].join('\n');
    writeFileSync(join(bin, 'squeue'), script + '\n', { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      for (const [job, why] of [['41', 'squeue no longer knows it'], ['42', 'FAILED']]) {
        const run = newRun('lock');
        lockBy(run, 12345, 'node-3.cluster', job);
        const notes: string[] = [];
        await probe({ nets: NETS, out: run, backend: reference.get(), log: (m) => notes.push(m) });
        expect(notes.join('\n')).toContain(`took over the lock of ${run}: its SLURM job ${job} has ended (${why})`);
      }
      const run = newRun('lock');
      lockBy(run, 12345, 'node-3.cluster', '43');
      await expect(probe({ nets: NETS, out: run, backend: reference.get() })).rejects.toThrow('in use by process 12345 on another host, node-3.cluster, in SLURM job 43 (running, or squeue cannot say)');
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses an unreadable lock file, saying how to remove it', async () => {
    const run = newRun('lock');
    mkdirSync(run, { recursive: true });
    writeFileSync(runPaths.lock(run), '');
    await expect(probe({ nets: NETS, out: run, backend: reference.get() })).rejects.toThrow(/cannot be read as a lock .*delete that file/);
  });

  it('is released after an error, and is re-entrant within one process', async () => {
    const run = newRun('lock');
    await expect(probe({ nets: NETS, out: run, backend: reference.get(), layers: ['fc'], reducers: [{ name: 'boom', description: '', create: () => { throw new Error('boom'); } }] })).rejects.toThrow('boom');
    expect(existsSync(runPaths.lock(run))).toBe(false);
    const outer = await acquireRunLock(run);
    const inner = await acquireRunLock(run);
    inner.release();
    expect(existsSync(outer.path)).toBe(true);
    outer.release();
    expect(existsSync(outer.path)).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('is released when the process gets %s', (signal) => {
    const run = newRun('lock');
    const lockModule = resolve('dist/src/run-dir/lock.js');
    const script = `const { acquireRunLock } = await import(${JSON.stringify(lockModule)});
      await acquireRunLock(${JSON.stringify(run)});
      process.stdout.write('locked\\n');
      process.kill(process.pid, '${signal}');
      setTimeout(() => process.stdout.write('still alive\\n'), 5000);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stdout).toBe('locked\n');
    expect(r.signal).toBe(signal);
    expect(existsSync(runPaths.lock(run))).toBe(false);
  });
});

describe('the CLI takes the lock in every command that writes into a run', () => {
  it('a second probe, align or report is refused with exit code 1 and a clear message', () => {
    const run = newRun('lock');
    const first = convergent(['probe', ...NET_FLAGS, '--out', run, '--backend', 'reference', '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(runPaths.lock(run))).toBe(false);
    const before = readFileSync(runPaths.manifest(run), 'utf8');
    lockBy(run, process.ppid);
    for (const args of [
      ['probe', ...NET_FLAGS, '--out', run, '--overwrite', '--backend', 'reference'],
      ['align', run, '--backend', 'reference'],
      ['report', run],
      ['run', ...NET_FLAGS, '--out', run, '--overwrite', '--backend', 'reference'],
    ]) {
      const r = convergent(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr, args[0]).toContain(`convergent: error: run directory ${run} is in use by process ${process.ppid} (still running)`);
    }
    expect(readFileSync(runPaths.manifest(run), 'utf8')).toBe(before);
  }, 120_000);

  it('probe refuses an existing run without --overwrite and replaces it with', () => {
    const run = newRun('lock');
    expect(convergent(['probe', ...NET_FLAGS, '--out', run, '--backend', 'reference', '--quiet']).code).toBe(0);
    const again = convergent(['probe', ...NET_FLAGS, '--out', run, '--layer', 'fc', '--backend', 'reference', '--quiet']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a run \(probe.json, moments\); pass --overwrite to replace it/);
    const over = convergent(['probe', ...NET_FLAGS, '--out', run, '--layer', 'fc', '--overwrite', '--backend', 'reference', '--quiet']);
    expect(over.code, over.stderr).toBe(0);
    expect(JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')).layers.map((l: { name: string }) => l.name)).toEqual(['fc']);
    expect(readdirSync(run).sort()).toEqual(['moments', 'probe.json']);
  }, 120_000);
});
