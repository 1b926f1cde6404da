// Reading a run's probe.json: one place, so align, info and plugins refuse the same things in the same words.
import { readFile } from 'node:fs/promises';
import { fsError } from './fs-error.js';
import { runPaths, type ProbeManifest } from './layout.js';

/** RUN/probe.json, parsed; a missing file, bad JSON or an unknown format version is refused, naming the file. */
export async function readManifest(run: string): Promise<ProbeManifest> {
  const path = runPaths.manifest(run);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    // Only a missing file means "not a run"; any other failure (permissions, I/O) is said as it is.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError('read', path, e);
    throw new Error(`${run} is not a run directory: ${path} is missing (run \`convergent probe\` first)`);
  }
  let manifest: ProbeManifest;
  try {
    manifest = JSON.parse(text) as ProbeManifest;
  } catch (e) {
    throw new Error(`${path} cannot be read as JSON (${(e as Error).message})`);
  }
  if (manifest.version !== 1) throw new Error(`${path}: unknown run format version ${manifest.version}`);
  return manifest;
}
