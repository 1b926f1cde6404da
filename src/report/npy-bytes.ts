// A whole .npy file already in memory (the report's small arrays: top-k records, correlation
// blocks of a run held in memory) as a typed array. Large moment files are read by
// src/inputs/npy/npy-read.ts, a piece at a time, instead.
import { parseNpyHeader } from '../inputs/npy/npy-header.js';
import { npyDataLayout, type NpyArray } from '../inputs/npy/npy-read.js';

/** The array in `bytes` (the file `path`, named in errors). */
export function decodeNpyBytes(bytes: Uint8Array, path: string): NpyArray {
  let header;
  try {
    header = parseNpyHeader(bytes);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const { type, count } = npyDataLayout(header, bytes.length, path);
  // A copy into a buffer of its own: the data offset of `bytes` need not be aligned for the type.
  const aligned = bytes.slice(header.dataOffset, header.dataOffset + count * type.size);
  return { data: new type.ctor(aligned.buffer, 0, count), shape: header.shape };
}
