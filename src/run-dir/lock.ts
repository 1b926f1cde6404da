// One writer per run directory. Every command that writes into a run (probe, align, report, run,
// demo) holds RUN/convergent.lock while it works: a file created exclusively, holding the pid,
// host, command and start time of its owner. A second process is refused with a message naming
// the owner. A lock whose owner is gone (same host, pid not running) is taken over with a note; a
// lock from another host cannot be checked, so it is refused with the way to remove it.
// The lock is released when the work ends, on errors, on exit and on SIGINT/SIGTERM.
// Within one process the lock is re-entrant: `run` holds it and its probe and align take it again.
import { linkSync, readFileSync, rmdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fsError, tempPathFor } from './atomic-write.js';
import { currentSlurmJob, slurmJobEnded } from './lock-slurm.js';
import { makeDirSync } from './make-dir.js';
import { runPaths } from './layout.js';

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started: string;
  /** The SLURM job of the owner, when it ran in one (src/run-dir/lock-slurm.ts). */
  slurmJob?: string;
}

export interface RunLock {
  /** The lock file. */
  path: string;
  release(): void;
}

export interface LockOptions {
  /** The command line, recorded in the lock for whoever finds it held. */
  command?: string;
  /** Where a note goes when a stale lock is taken over. */
  log?: (message: string) => void;
}

interface Held {
  count: number;
  path: string;
  /** The run directory, when taking the lock created it (removed again if left empty). */
  createdDir?: string;
}

const held = new Map<string, Held>();

/** Takes the lock of run directory `run` (creating the directory), or throws naming the owner. */
export async function acquireRunLock(run: string, options: LockOptions = {}): Promise<RunLock> {
  const path = resolve(runPaths.lock(run));
  const mine = held.get(path);
  if (mine) {
    mine.count++;
    return handle(path);
  }
  const createdDir = makeDirSync(run, 'create the run directory');
  const slurmJob = currentSlurmJob();
  const owner: LockOwner = { pid: process.pid, host: hostname(), command: options.command ?? process.argv.slice(1).join(' '), started: new Date().toISOString(), ...(slurmJob ? { slurmJob } : {}) };
  try {
    for (let attempt = 0; !createExclusively(path, JSON.stringify(owner, null, 2) + '\n'); attempt++) {
      const other = readOwner(path);
      if (other === undefined) continue; // released in between: try again
      const stale = staleReason(other);
      // Several processes taking over one stale lock: each attempt sees the newest owner.
      if (!stale || attempt >= 3) throw new Error(heldMessage(run, path, other));
      options.log?.(`took over the lock of ${run}: ${stale} (lock of ${describeOwner(other)})`);
      // Only if it is still that owner's: another process may have taken the stale lock over first.
      const now = readOwner(path);
      if (now?.pid === other.pid && now.host === other.host && now.started === other.started) {
        try {
          unlinkSync(path);
        } catch {
          /* gone already: the next attempt creates it or sees its new owner */
        }
      }
    }
  } catch (e) {
    removeIfEmpty(createdDir ? run : undefined);
    throw e;
  }
  held.set(path, { count: 1, path, createdDir: createdDir ? run : undefined });
  installExitHandlers();
  return handle(path);
}

/** Runs `work` holding the lock of `run`. */
export async function withRunLock<T>(run: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const lock = await acquireRunLock(run, options);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** The owner recorded in a lock file, or undefined if there is none. */
export function readOwner(path: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError('read the lock file', path, e);
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isInteger(owner.pid) && typeof owner.host === 'string') return owner;
  } catch {
    /* reported below */
  }
  throw new Error(`the run directory is locked by ${path}, which cannot be read as a lock (${JSON.stringify(text.slice(0, 80))}); if no convergent command is writing into it, delete that file`);
}

function handle(path: string): RunLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const entry = held.get(path);
      if (!entry || --entry.count > 0) return;
      releaseEntry(entry);
    },
  };
}

function releaseEntry(entry: Held): void {
  held.delete(entry.path);
  try {
    unlinkSync(entry.path);
  } catch {
    /* already gone (deleted by hand): nothing to release */
  }
  removeIfEmpty(entry.createdDir);
  if (held.size === 0) removeExitHandlers();
}

/** A command that failed before writing anything leaves no empty run directory behind. */
function removeIfEmpty(dir: string | undefined): void {
  if (!dir) return;
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* best effort */
  }
}

/** Creates `path` with `text` only if it does not exist; false if it does. The file never exists half-written. */
function createExclusively(path: string, text: string): boolean {
  // Written whole under a temporary name, then hard-linked to the lock's name: link() fails if the
  // name exists, atomically, also on NFS. File systems without hard links fall back to O_EXCL.
  const temp = tempPathFor(path);
  try {
    writeFileSync(temp, text, { flag: 'wx' });
  } catch (e) {
    throw fsError('create the lock file', path, e);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw fsError('create the lock file', path, e);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      /* gone already */
    }
  }
  try {
    writeFileSync(path, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError('create the lock file', path, e);
  }
}

/** Why a lock no longer protects anything, or undefined while its owner may be running. */
function staleReason(owner: LockOwner): string | undefined {
  if (owner.host !== hostname()) {
    // Another machine's processes cannot be looked at, but a SLURM job's end can be.
    return owner.slurmJob && owner.slurmJob !== currentSlurmJob() ? slurmJobEnded(owner.slurmJob) : undefined;
  }
  if (owner.pid === process.pid) return 'it names this process, which does not hold it';
  try {
    process.kill(owner.pid, 0);
    return undefined; // running
  } catch (e) {
    // EPERM: the process exists but belongs to another user; it is running.
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? `process ${owner.pid} is no longer running` : undefined;
  }
}

function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on host ${owner.host}, since ${owner.started}, command: ${owner.command || '(unknown)'}`;
}

function heldMessage(run: string, path: string, owner: LockOwner): string {
  const where =
    owner.host === hostname()
      ? `process ${owner.pid} (still running)`
      : owner.slurmJob
        ? `process ${owner.pid} on another host, ${owner.host}, in SLURM job ${owner.slurmJob} (running, or squeue cannot say)`
        : `process ${owner.pid} on another host, ${owner.host} (which cannot be checked from here)`;
  return (
    `run directory ${run} is in use by ${where}, since ${owner.started}, command: ${owner.command || '(unknown)'}. ` +
    `Wait for it to finish or use another --out; if that process is gone, delete ${path}`
  );
}

// On exit (normal, error or process.exit) and on SIGINT/SIGTERM, every held lock is released.
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
let installed = false;

function releaseAll(): void {
  for (const entry of [...held.values()]) releaseEntry(entry);
}

function onSignal(signal: NodeJS.Signals): void {
  releaseAll();
  removeExitHandlers();
  // With no other handler, die of the signal as the process would have without ours.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', releaseAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function removeExitHandlers(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', releaseAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}
