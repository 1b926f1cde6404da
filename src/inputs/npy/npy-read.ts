// Reads a whole .npy file (the run's own moment and stats files) into memory.
// Activation files are streamed by activations.ts instead; this is for D x D arrays.
//
// The data is read from the file straight into the array's own (aligned) buffer, a piece at a
// time: never a second copy of the file in memory (a D x D float64 m2.npy of 16,384 units is
// 2 GiB, which is also more than fs.readFile reads at once).
import { open } from '../../platform/node-fs-promises.js';
import { npyHeaderLength, parseNpyHeader, type NpyHeader } from './npy-header.js';

export interface NpyArray {
  data: Float64Array | Float32Array | Int32Array;
  shape: number[];
}

const TYPES: Record<string, { ctor: Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor; size: number }> = {
  '<f8': { ctor: Float64Array, size: 8 },
  '<f4': { ctor: Float32Array, size: 4 },
  '<i4': { ctor: Int32Array, size: 4 },
};

/** The array type and element count of a file of `size` bytes with `header`, refused when convergent does not read it or the file is short. */
export function npyDataLayout(header: NpyHeader, size: number, path: string): { type: (typeof TYPES)[string]; count: number } {
  const type = TYPES[header.descr];
  if (!type) throw new Error(`${path}: dtype ${header.descr} is not one convergent writes (<f8, <f4, <i4)`);
  if (header.fortranOrder) throw new Error(`${path}: Fortran-order arrays are not supported`);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = header.dataOffset + count * type.size;
  if (size < need) throw new Error(`${path}: truncated: shape ${JSON.stringify(header.shape)} needs ${need} bytes, file has ${size}`);
  return { type, count };
}

/** Bytes read per call: large enough to stream at disk speed. */
const PIECE = 64 * 1024 * 1024;

/**
 * The array in `path`. `reuse`: a buffer to read the data into when its byte length is exactly the
 * data's (e.g. the previous part's m2 of the same layer, already merged), instead of a new one, so
 * that memory does not wait for the garbage collector to give the old one back.
 */
export async function readNpy(path: string, reuse?: ArrayBuffer): Promise<NpyArray> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const prefix = await readAt(file, 0, Math.min(size, 12));
    let header;
    try {
      const headerBytes = await readAt(file, 0, Math.min(size, npyHeaderLength(prefix)));
      header = parseNpyHeader(headerBytes);
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`);
    }
    const { type, count } = npyDataLayout(header, size, path);
    // A buffer of its own: the data offset is 64-byte aligned by numpy, but Buffer pools are not.
    const aligned = reuse?.byteLength === count * type.size ? new Uint8Array(reuse) : new Uint8Array(count * type.size);
    for (let at = 0; at < aligned.length; ) {
      const { bytesRead } = await file.read(aligned, at, Math.min(PIECE, aligned.length - at), header.dataOffset + at);
      if (bytesRead === 0) throw new Error(`${path}: truncated while reading (${at} of ${aligned.length} data bytes)`);
      at += bytesRead;
    }
    return { data: new type.ctor(aligned.buffer, 0, count), shape: header.shape };
  } finally {
    await file.close();
  }
}

/** Bytes [position, position + length) of the file (fewer where it ends first). */
async function readAt(file: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await file.read(out, at, length - at, position + at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return out.subarray(0, at);
}
