// Reads a whole, small .npy file (the run's own moment and stats files) into memory.
// Activation files are streamed by activations.ts instead; this is for D x D arrays.
import { readFile } from 'node:fs/promises';
import { parseNpyHeader } from './npy-header.js';

export interface NpyArray {
  data: Float64Array | Float32Array | Int32Array;
  shape: number[];
}

const TYPES: Record<string, { ctor: Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor; size: number }> = {
  '<f8': { ctor: Float64Array, size: 8 },
  '<f4': { ctor: Float32Array, size: 4 },
  '<i4': { ctor: Int32Array, size: 4 },
};

export async function readNpy(path: string): Promise<NpyArray> {
  const bytes = await readFile(path);
  let header;
  try {
    header = parseNpyHeader(bytes);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const type = TYPES[header.descr];
  if (!type) throw new Error(`${path}: dtype ${header.descr} is not one convergent writes (<f8, <f4, <i4)`);
  if (header.fortranOrder) throw new Error(`${path}: Fortran-order arrays are not supported`);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = header.dataOffset + count * type.size;
  if (bytes.length < need) throw new Error(`${path}: truncated: shape ${JSON.stringify(header.shape)} needs ${need} bytes, file has ${bytes.length}`);
  // Copy into an aligned buffer: the data offset is 64-byte aligned by numpy, but Buffer pools are not.
  const aligned = new Uint8Array(count * type.size);
  aligned.set(bytes.subarray(header.dataOffset, need));
  return { data: new type.ctor(aligned.buffer, 0, count), shape: header.shape };
}
