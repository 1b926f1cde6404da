// Every file the tool writes goes through here: the bytes go to a temporary file in the same
// folder, which is flushed to disk and then renamed over the target. A reader (or a later run)
// sees either the old file or the complete new one, never a half-written file, even when the disk
// fills up or the process is killed midway. Errors name the file and say what happened.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from '../platform/node-fs.js';
import { open, rename, unlink, type FileHandle } from '../platform/node-fs-promises.js';
import { basename, dirname, join } from '../platform/node-path.js';
import { fsError } from './fs-error.js';

export { describeFsError, fsError } from './fs-error.js';
// Every writer makes its folders with ensureDir; it lives in make-dir.ts with the error analysis.
export { ensureDir } from './make-dir.js';

/** Writes the content through an open file handle (for data too large to hold twice in memory). */
export type FileWriter = (file: FileHandle) => Promise<void>;

export interface AtomicWriteOptions {
  /**
   * Flush the data to the disk before the rename (default true), so that a power cut cannot leave
   * an empty file under the final name. Off for bulk cosmetic output (thousands of patch PNGs).
   */
  fsync?: boolean;
}

let counter = 0;

/** The temporary sibling of `path`: hidden, unique to this process and call, ends in .tmp. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
}

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

/** Writes `content` to `path` atomically (temporary file + rename), replacing any existing file. */
export async function writeFileAtomic(path: string, content: string | Uint8Array | FileWriter, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(path);
  let file: FileHandle | undefined;
  try {
    file = await open(temp, 'wx');
    if (typeof content === 'function') await content(file);
    else await writeAll(file, bytesOf(content));
    if (options.fsync ?? true) await file.sync();
    await file.close();
    file = undefined;
    await rename(temp, path);
  } catch (e) {
    await file?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw fsError('write', path, e);
  }
}

/** Writes every byte (a single write may be short) at the handle's current end. */
export async function writeAll(file: FileHandle, bytes: Uint8Array, position = 0): Promise<number> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await file.write(bytes, off, Math.min(WRITE_CHUNK, bytes.length - off), position + off);
    off += bytesWritten;
  }
  return position + off;
}

// No single write beyond what the OS accepts in one call (about 2 GB on Linux).
export const WRITE_CHUNK = 64 << 20;

/** Synchronous {@link writeFileAtomic}; `content` may be a function writing through the descriptor. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array | ((fd: number) => void), options: AtomicWriteOptions = {}): void {
  const temp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx');
    if (typeof content === 'function') content(fd);
    else writeAllSync(fd, bytesOf(content), 0);
    if (options.fsync ?? true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* closing is best effort: the write already failed */
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      /* the temporary file may not exist */
    }
    throw fsError('write', path, e);
  }
}

/** Writes every byte at `position` through a descriptor. */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number): number {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(WRITE_CHUNK, bytes.length - off), position + off);
  return position + off;
}

/** JSON as the run directory stores it: two-space indent and a final newline, written atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
