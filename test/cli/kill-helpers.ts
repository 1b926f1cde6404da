// Shared by the CLI resume tests: the built CLI (dist/) killed by a real signal at a chosen step of
// its probe. No timing: a small module preloaded into the child (node --require) watches the
// renames that mark the steps (a checkpoint swapped in, a file of a checkpoint written, probe.json
// written) and at the n-th one sends the signal to its own process, so the kill lands at the same
// place on every machine, however fast.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from './helpers.js';

/**
 * Where the kill lands, at the n-th time (1-based) the step happens:
 * - `checkpoint`: just after a complete checkpoint became RUN/.checkpoint;
 * - `checkpoint-meta`: just before a checkpoint's last file (meta.json) lands in .checkpoint-new:
 *   every state written but the checkpoint not complete, as a power cut leaves it;
 * - `checkpoint-swap`: between the two renames that swap a checkpoint in (.checkpoint moved to
 *   .checkpoint-old, the complete .checkpoint-new not yet renamed);
 * - `manifest`: just after probe.json was written (first when the probe starts, then after each finished layer);
 * - `moments-file`: just before a finished layer's moments file (mean.npy, m2.npy, count.json)
 *   takes its name, the bytes written to its temporary file.
 */
export type KillStep = 'checkpoint' | 'checkpoint-meta' | 'checkpoint-swap' | 'manifest' | 'moments-file';

const PRELOAD = String.raw`
const fs = require('node:fs');
const { basename, dirname } = require('node:path');
const { syncBuiltinESMExports } = require('node:module');
const plan = JSON.parse(process.env.CONVERGENT_TEST_KILL);
const counts = {};
function step(name) {
  counts[name] = (counts[name] || 0) + 1;
  if (name === plan.step && counts[name] === plan.n) process.kill(process.pid, plan.signal);
}
if (plan.counts) process.on('exit', () => fs.writeFileSync(plan.counts, JSON.stringify(counts)));
const renameSync = fs.renameSync;
fs.renameSync = (from, to) => {
  renameSync(from, to);
  if (basename(from) === '.checkpoint-new' && basename(to) === '.checkpoint') step('checkpoint');
  if (basename(from) === '.checkpoint' && basename(to) === '.checkpoint-old') step('checkpoint-swap');
};
const rename = fs.promises.rename;
fs.promises.rename = async (from, to) => {
  if (basename(to) === 'meta.json' && basename(dirname(to)) === '.checkpoint-new') step('checkpoint-meta');
  if (basename(dirname(dirname(to))) === 'moments') step('moments-file');
  await rename(from, to);
  if (basename(to) === 'probe.json') step('manifest');
};
syncBuiltinESMExports();
`;

let preloadPath: string | undefined;

function preload(): string {
  if (!preloadPath) {
    preloadPath = join(tempDir('kill'), 'kill-at-step.cjs');
    writeFileSync(preloadPath, PRELOAD);
  }
  return preloadPath;
}

export interface Killed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `convergent ARGS` and kills it with `signal` at the n-th `step`. */
export function runKilledAt(args: string[], step: KillStep, n: number, signal: NodeJS.Signals = 'SIGKILL'): Killed {
  const r = spawnSync(process.execPath, ['--require', preload(), CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', CONVERGENT_TEST_KILL: JSON.stringify({ step, n, signal }) },
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}

/** Runs `convergent ARGS` to the end and counts the steps it went through. */
export function countSteps(args: string[]): { code: number | null; stderr: string; counts: Partial<Record<KillStep, number>> } {
  const counts = join(tempDir('steps'), 'counts.json');
  const r = spawnSync(process.execPath, ['--require', preload(), CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', CONVERGENT_TEST_KILL: JSON.stringify({ step: 'none', counts }) },
  });
  return { code: r.status, stderr: r.stderr, counts: existsSync(counts) ? JSON.parse(readFileSync(counts, 'utf8')) : {} };
}

/** The position recorded in RUN's complete checkpoint `entry` (.checkpoint, .checkpoint-new, .checkpoint-old). */
export function checkpointPosition(run: string, entry = '.checkpoint'): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(run, entry, 'meta.json'), 'utf8')) as { position: Record<string, unknown> }).position;
}
