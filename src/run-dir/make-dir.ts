// Creating folders (mkdir -p) with errors that give the real cause. Node's recursive mkdir says
// ENOENT ("no such file or directory") whenever it cannot create a missing folder, also when the
// file system is read-only (EROFS) or the parent is not writable (EACCES): the message would blame
// a missing folder that is not the problem. When a recursive mkdir fails with ENOENT although an
// ancestor exists, the first missing folder is created on its own, which reports the real error,
// and that error is given with the path that failed.
import { existsSync, mkdirSync } from '../platform/node-fs.js';
import { mkdir } from '../platform/node-fs-promises.js';
import { dirname, resolve } from '../platform/node-path.js';
import { fsError } from './fs-error.js';

/** Creates one folder, not its parents (tests inject a failing one). */
export type MakeOneDir = (path: string) => void;

const makeOneDir: MakeOneDir = (path) => mkdirSync(path);

/**
 * mkdir -p, synchronous; returns the first folder it created (undefined if `dir` existed), as
 * mkdirSync does. The error names `dir` ("could not WHAT DIR: the file system is read-only (EROFS)").
 */
export function makeDirSync(dir: string, what = 'create the folder', makeOne: MakeOneDir = makeOneDir): string | undefined {
  try {
    return mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw explainMkdirError(dir, what, e, makeOne);
  }
}

/** mkdir -p, with an error that names the folder and the real cause. */
export async function ensureDir(dir: string, what = 'create the folder', makeOne: MakeOneDir = makeOneDir): Promise<string | undefined> {
  try {
    return await mkdir(dir, { recursive: true });
  } catch (e) {
    throw explainMkdirError(dir, what, e, makeOne);
  }
}

/**
 * The error of a failed recursive mkdir of `dir`, in words. An ENOENT below an existing ancestor
 * is looked into: creating the first missing folder alone gives the real error (EROFS, EACCES).
 */
export function explainMkdirError(dir: string, what: string, error: unknown, makeOne: MakeOneDir = makeOneDir): Error {
  if ((error as NodeJS.ErrnoException)?.code !== 'ENOENT') return fsError(what, dir, error);
  const missing = firstMissingFolder(dir);
  if (missing === undefined) return fsError(what, dir, error); // not even the root exists: ENOENT is the truth
  try {
    makeOne(missing);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code && code !== 'ENOENT' && code !== 'EEXIST') return fsError(what, missing === resolve(dir) ? dir : `${dir} (at ${missing})`, e);
  }
  // Created after all (another process made the path meanwhile), or ENOENT again: the first error stands.
  return fsError(what, dir, error);
}

/** The outermost folder of `dir` that does not exist, below one that does; undefined if none exists. */
function firstMissingFolder(dir: string): string | undefined {
  let missing = resolve(dir);
  for (;;) {
    const parent = dirname(missing);
    if (parent === missing) return undefined;
    if (existsSync(parent)) return missing;
    missing = parent;
  }
}
