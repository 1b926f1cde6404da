// A run directory always describes one consistent state. Two rules keep it so:
//
// - probe: into a fresh directory it writes in place (a layer's moments, then probe.json naming it,
//   so an error in a later layer loses nothing finished). Into a directory that holds a run it
//   refuses, unless `overwrite`: then the new probe is written to RUN/.staging-probe/ and only
//   when it is complete does it replace the old run (probe, align and report outputs together).
//   A re-probe that fails or is killed leaves the old run untouched.
// - align: writes stats/, tables/ and summary.json to RUN/.staging-align/, and then they replace
//   those of the previous align as a whole (with the old report, which described that align), so
//   no table of an earlier align (another method, another format) survives beside the new ones.
//
// The swap is a few renames, done synchronously: no signal handler can run in the middle of it,
// only a hard kill (or a power cut) can interrupt it; the next command then finishes the cleanup or
// says what to do. Every command here holds the run's lock (lock.ts) while it works.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { plural } from '../util/plural.js';
import { fsError } from './fs-error.js';
import { makeDirSync } from './make-dir.js';
import { acquireRunLock, type LockOptions } from './lock.js';
import { ALIGN_ENTRIES, CHECKPOINT_ENTRIES, PROBE_ENTRIES, REPORT_ENTRIES, runPaths, type ProbeManifest } from './layout.js';

export interface ProbeTargetOptions extends LockOptions {
  /** Replace a run already in the directory (once the new probe is complete). */
  overwrite?: boolean;
}

/** The entries of a run (probe or align outputs) that `run` holds now. */
function runEntries(run: string): string[] {
  return [...PROBE_ENTRIES, ...ALIGN_ENTRIES].filter((e) => existsSync(join(run, e)));
}

/** Refuses, before anything is written, to probe into a directory holding a run without `overwrite`. */
export function checkProbeTarget(run: string, overwrite: boolean | undefined): void {
  const entries = runEntries(run);
  if (entries.length === 0 || overwrite) return;
  // A probe killed or stopped midway: the one who repeats its command most likely wants --resume.
  const unfinished = unfinishedProbe(run);
  if (unfinished) {
    throw new Error(
      `${run} already holds an unfinished probe (${unfinished}): the same \`probe\` command with --resume continues it; pass --overwrite to replace it, or choose another --out`,
    );
  }
  throw new Error(
    `${run} already holds a run (${entries.join(', ')}); pass --overwrite to replace it (the old run stays until the new probe is complete), or choose another --out`,
  );
}

/** What shows that the probe in `run` did not finish (a checkpoint, layers still pending), if anything. */
function unfinishedProbe(run: string): string | undefined {
  if (CHECKPOINT_ENTRIES.some((e) => existsSync(join(run, e)))) return 'it holds a checkpoint';
  try {
    const pending = (JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest).pending ?? [];
    return pending.length > 0 ? `layers not finished: ${pending.join(', ')}` : undefined;
  } catch {
    return undefined; // no readable probe.json: described as a run like any other
  }
}

/**
 * Runs a probe's `work` (which writes a run into the folder it is given) under the run's lock:
 * in place into a fresh directory, or, with `overwrite`, staged and swapped in when complete.
 */
export async function writeProbeRun<T>(run: string, options: ProbeTargetOptions, work: (dir: string) => Promise<T>): Promise<T> {
  const target = await beginProbeRun(run, options);
  let result: T;
  try {
    result = await work(target.dir);
  } catch (e) {
    target.fail();
    throw e;
  }
  target.finish();
  return result;
}

/** Where a probe writes, and how it ends: {@link writeProbeRun} in steps, for a probe shaped otherwise. */
export interface ProbeTarget {
  /** The folder to write the run into: the run directory, or its staging folder. */
  dir: string;
  /** The probe is complete: a staged run replaces the old one; the lock is released. */
  finish(): void;
  /** The probe failed: the old run stays; a fresh one that finished no layer is removed; the lock is released. */
  fail(): void;
}

/** Takes the run's lock and decides where the probe writes (see the top of this file). */
export async function beginProbeRun(run: string, options: ProbeTargetOptions): Promise<ProbeTarget> {
  checkProbeTarget(run, options.overwrite);
  const lock = await acquireRunLock(run, options);
  try {
    clearLeftovers(run, 'probe', options.log);
    checkProbeTarget(run, options.overwrite); // again: another process may have finished a probe meanwhile
  } catch (e) {
    lock.release();
    throw e;
  }
  if (runEntries(run).length === 0) {
    removeOrphanCheckpoint(run, options.log);
    return {
      dir: run,
      finish: () => lock.release(),
      fail() {
        // A checkpoint keeps what it holds for `probe --resume`; otherwise a run with no finished layer is of no use.
        if (CHECKPOINT_ENTRIES.some((e) => existsSync(join(run, e)))) options.log?.(`the probe's checkpoint is kept in ${run}: continue with the same command and --resume`);
        else if (!finishedLayers(run)) for (const entry of PROBE_ENTRIES) rmSync(join(run, entry), { recursive: true, force: true });
        lock.release();
      },
    };
  }
  const stage = runPaths.staging(run, 'probe');
  try {
    makeDirSync(stage);
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    dir: stage,
    finish() {
      try {
        // The replaced run's checkpoint goes with it: it must never meet the new run's probe.json.
        swapIn(run, 'probe', stage, [...PROBE_ENTRIES, ...ALIGN_ENTRIES, ...REPORT_ENTRIES, ...CHECKPOINT_ENTRIES], 'probe.json');
      } finally {
        lock.release();
      }
    },
    fail() {
      if (!finishedLayers(stage)) rmSync(stage, { recursive: true, force: true });
      else options.log?.(`the run in ${run} is unchanged; the layers this probe finished are in ${stage} (a run directory of its own, removed by the next probe into ${run})`);
      lock.release();
    },
  };
}

/**
 * Takes the run's lock to continue an unfinished probe in place (`probe --resume`): nothing of it
 * is removed, on success or failure, so a later resume finds its layers and checkpoint again.
 */
export async function resumeProbeRun(run: string, options: LockOptions): Promise<ProbeTarget> {
  const lock = await acquireRunLock(run, options);
  try {
    clearLeftovers(run, 'probe', options.log);
    removeTemporaryFiles(run, options.log);
  } catch (e) {
    lock.release();
    throw e;
  }
  return { dir: run, finish: () => lock.release(), fail: () => lock.release() };
}

/** The temporary file of an atomic write (tempPathFor in atomic-write.ts): `.<name>.<pid>.<n>.tmp`. */
const TEMPORARY_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/**
 * The temporary files of writes a killed probe never finished (a layer's m2.npy can be gigabytes):
 * with the run's lock held no other process writes here, so every one of them is garbage. Only
 * the lock's own temporary files are left alone: another process may be writing one right now,
 * on its way to finding the lock held.
 */
function removeTemporaryFiles(run: string, log: (message: string) => void = () => {}): void {
  const lockTemp = `.${basename(runPaths.lock(run))}.`;
  let removed = 0;
  for (const entry of readdirSync(run, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !TEMPORARY_FILE.test(entry.name) || entry.name.startsWith(lockTemp)) continue;
    rmSync(join(entry.parentPath, entry.name), { force: true });
    removed++;
  }
  if (removed > 0) log(`removed ${plural(removed, 'temporary file')} of writes the stopped probe did not finish`);
}

/**
 * A checkpoint with no run beside it is that of a probe whose files were deleted (`rm -r RUN/*`
 * keeps hidden folders): a fresh probe here must never continue from it, so it goes, with a note.
 */
function removeOrphanCheckpoint(run: string, log: (message: string) => void = () => {}): void {
  for (const entry of CHECKPOINT_ENTRIES) {
    const path = join(run, entry);
    if (!existsSync(path)) continue;
    rmSync(path, { recursive: true, force: true });
    log(`removed ${path}: the checkpoint of an earlier probe whose run (probe.json) is gone`);
  }
}

function finishedLayers(run: string): boolean {
  try {
    return (JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest).layers.length > 0;
  } catch {
    return false; // no readable probe.json: nothing of this probe can be used
  }
}

/** Runs an align's `work` (which writes stats/, tables/ and summary.json into the folder it is given) and swaps its outputs in. */
export async function writeAlignRun<T>(run: string, options: LockOptions, work: (dir: string) => Promise<T>): Promise<T> {
  const lock = await acquireRunLock(run, options);
  try {
    clearLeftovers(run, 'align', options.log);
    const stage = runPaths.staging(run, 'align');
    makeDirSync(stage);
    let result: T;
    try {
      result = await work(stage);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    }
    swapIn(run, 'align', stage, [...ALIGN_ENTRIES, ...REPORT_ENTRIES], 'summary.json');
    return result;
  } finally {
    lock.release();
  }
}

function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    throw fsError(`move ${from} to`, to, e);
  }
}

/**
 * Replaces the run's `entries` with the staged ones. `commit` (probe.json or summary.json) leaves
 * first and arrives last: readers see the old state, then no state, then the complete new state.
 */
function swapIn(run: string, what: 'probe' | 'align', stage: string, entries: string[], commit: string): void {
  const old = runPaths.replaced(run, what);
  rmSync(old, { recursive: true, force: true });
  makeDirSync(old);
  for (const entry of [commit, ...entries.filter((e) => e !== commit)]) {
    if (existsSync(join(run, entry))) move(join(run, entry), join(old, entry));
  }
  for (const entry of readdirSync(stage).filter((e) => e !== commit)) move(join(stage, entry), join(run, entry));
  move(join(stage, commit), join(run, commit));
  rmSync(old, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
}

/**
 * Leftovers of an earlier command: a staging folder of one that failed or was killed (removed;
 * it never replaced anything), or a swap cut short by a hard kill. Each removal is logged, so that
 * files vanishing from the run directory are never a surprise.
 */
function clearLeftovers(run: string, what: 'probe' | 'align', log: (message: string) => void = () => {}): void {
  const stage = runPaths.staging(run, what);
  const old = runPaths.replaced(run, what);
  if (existsSync(old)) {
    const commit = what === 'probe' ? 'probe.json' : 'summary.json';
    if (!existsSync(join(run, commit))) {
      throw new Error(
        `an earlier ${what} into ${run} was killed while it replaced the previous outputs: the previous ones are in ${old}, the new ones in ${stage} and ${run}. ` +
          `Delete ${old} and ${stage} and run \`convergent ${what}\` again`,
      );
    }
    rmSync(old, { recursive: true, force: true }); // the swap was complete but for this cleanup
    log(`removed ${old}: the previous outputs, left by an earlier ${what} killed just after it replaced them`);
  }
  if (existsSync(stage)) {
    rmSync(stage, { recursive: true, force: true });
    log(`removed ${stage}: the unfinished outputs of an earlier ${what} into ${run} that failed or was killed`);
  }
}
