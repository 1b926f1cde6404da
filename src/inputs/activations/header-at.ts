// Reading a .npy header at a file offset (a .npy file at 0, a stored npz entry at its data start).

import type { FileHandle } from 'node:fs/promises';
import { NPY_PREFIX_MAX, npyHeaderLength, parseNpyHeader, type NpyHeader } from '../npy/npy-header.js';

/** Reads up to `dst.length` bytes at `position`; returns how many there were. */
export async function readFully(fh: FileHandle, dst: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < dst.length) {
    const { bytesRead } = await fh.read(dst, got, dst.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Reads and parses the .npy header at `position` of `fh`, which holds `size` bytes from there. */
export async function readHeaderAt(fh: FileHandle, position: number, size: number): Promise<{ header: NpyHeader; bytes: Uint8Array }> {
  const prefix = new Uint8Array(Math.min(size, NPY_PREFIX_MAX));
  await readFully(fh, prefix, position);
  const len = npyHeaderLength(prefix);
  const bytes = new Uint8Array(Math.min(len, size));
  await readFully(fh, bytes, position);
  return { header: parseNpyHeader(bytes), bytes };
}
