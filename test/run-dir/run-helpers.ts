// Shared by the run-directory tests: a reference backend for the file, fresh run paths, and the
// lock file of another (live or dead) process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend } from '../../src/backend/types.js';
import { runPaths } from '../../src/run-dir/layout.js';

/** The reference backend, opened before the file's tests and closed after them. */
export function referenceBackend(): { get(): Backend } {
  let backend: Backend | undefined;
  beforeAll(async () => {
    backend = await createBackend('reference');
  });
  afterAll(async () => {
    await backend?.dispose();
  });
  return { get: () => backend! };
}

/** A path for a run directory that does not exist yet (its parent does). */
export function newRun(tag: string): string {
  return join(mkdtempSync(join(tmpdir(), `convergent-${tag}-`)), 'run');
}

/** A lock file as another process would have left it. */
export function lockBy(run: string, pid: number, host = hostname(), slurmJob?: string): string {
  mkdirSync(run, { recursive: true });
  const path = runPaths.lock(run);
  writeFileSync(path, JSON.stringify({ pid, host, command: 'convergent probe --out elsewhere (test)', started: '2026-01-02T03:04:05.000Z', ...(slurmJob ? { slurmJob } : {}) }));
  return path;
}

/** The pid of a process that has exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}
