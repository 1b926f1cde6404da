// File system errors in words, naming the path: "could not write /x/a.npy: the disk is full (ENOSPC)".

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder of that name is in the way',
  EEXIST: 'something of that name is in the way',
  EMFILE: 'too many open files',
  EIO: 'an input/output error from the device',
};

/** A file system error in words, with its code: "the disk is full (ENOSPC)". */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reason = e?.code ? REASONS[e.code] : undefined;
  if (reason) return `${reason} (${e.code})`;
  return e instanceof Error ? e.message : String(error);
}

/** An error that names the path and what happened; keeps the system error's code for callers. */
export function fsError(what: string, path: string, cause: unknown): Error {
  if (cause instanceof Error && (cause as { fsPath?: string }).fsPath !== undefined) return cause; // named already
  const error = new Error(`could not ${what} ${path}: ${describeFsError(cause)}`, { cause }) as Error & { code?: string; fsPath?: string };
  error.code = (cause as NodeJS.ErrnoException)?.code;
  error.fsPath = path;
  return error;
}

