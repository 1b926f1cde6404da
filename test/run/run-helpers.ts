// Shared by the run-directory tests: a reference backend for the file, and fresh run paths.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend } from '../../src/backend/types.js';

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
