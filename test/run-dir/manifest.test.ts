// readManifest (src/run-dir/manifest.ts): the one reader of probe.json that align, info and
// plugins share; each refusal names the run or the file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/run-dir/manifest.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { readRunInfo } from '../../src/run-dir/run-info.js';

const root = mkdtempSync(join(tmpdir(), 'convergent-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runWith(name: string, text: string): string {
  const run = join(root, name);
  mkdirSync(run, { recursive: true });
  writeFileSync(runPaths.manifest(run), text);
  return run;
}

describe('readManifest', () => {
  it('refuses a folder without probe.json, naming the run and the file', async () => {
    const run = join(root, 'empty');
    await expect(readManifest(run)).rejects.toThrow(`${run} is not a run directory: ${runPaths.manifest(run)} is missing`);
  });

  it('says why probe.json cannot be read when it exists (here a folder in its place), not that it is missing', async () => {
    const run = join(root, 'unreadable');
    mkdirSync(runPaths.manifest(run), { recursive: true });
    await expect(readManifest(run)).rejects.toThrow(`could not read ${runPaths.manifest(run)}: a folder of that name is in the way (EISDIR)`);
  });

  it('refuses probe.json that is not JSON, naming the file (align and info alike)', async () => {
    const run = runWith('bad-json', '{"version": 1,');
    await expect(readManifest(run)).rejects.toThrow(`${runPaths.manifest(run)} cannot be read as JSON`);
    await expect(readRunInfo(run)).rejects.toThrow(`${runPaths.manifest(run)} cannot be read as JSON`);
  });

  it('refuses an unknown format version', async () => {
    const run = runWith('v2', JSON.stringify({ version: 2 }));
    await expect(readManifest(run)).rejects.toThrow(`${runPaths.manifest(run)}: unknown run format version 2`);
  });
});
