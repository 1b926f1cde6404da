// Writing float64 / float32 / int32 arrays as .npy files (C order, the machine's byte order, which
// is little-endian on every platform Node supports in practice). Headers are byte-identical to
// NumPy's `np.save` for the same array.

import { writeAll, writeAllSync, writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
import { encodeNpyHeader, shapeRepr } from '../inputs/npy/npy-header.js';

export type NpyWritable = Float64Array | Float32Array | Int32Array;

// The machine's byte order, read from a typed array (what node:os endianness() reports, on any platform).
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The dtype descriptor NumPy would write for this array on this machine, e.g. '<f8'. */
export function npyDescr(data: NpyWritable): string {
  const o = LITTLE ? '<' : '>';
  if (data instanceof Float64Array) return `${o}f8`;
  if (data instanceof Float32Array) return `${o}f4`;
  if (data instanceof Int32Array) return `${o}i4`;
  throw new TypeError('writeNpy: data must be a Float64Array, Float32Array or Int32Array');
}

function checkShape(data: NpyWritable, shape: readonly number[]): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`writeNpy: bad shape ${shapeRepr(shape)}`);
    n *= d;
  }
  if (n !== data.length) {
    throw new RangeError(`writeNpy: shape ${shapeRepr(shape)} holds ${n} values but the data has ${data.length}`);
  }
}

function bytesOf(data: NpyWritable): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The complete .npy file for `data` of `shape`, in memory. For small arrays and tests. */
export function encodeNpy(data: NpyWritable, shape: readonly number[]): Uint8Array {
  checkShape(data, shape);
  const header = encodeNpyHeader({ descr: npyDescr(data), shape });
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(bytesOf(data), header.length);
  return out;
}

/**
 * Writes `data` (C order) of `shape` to `path` as a .npy file, replacing any existing file
 * atomically (see atomic-write.ts): a failed or interrupted write leaves the old file or none.
 * Written in pieces so huge arrays never need a second in-memory copy.
 */
export async function writeNpy(path: string, data: NpyWritable, shape: readonly number[]): Promise<void> {
  checkShape(data, shape);
  const header = encodeNpyHeader({ descr: npyDescr(data), shape });
  await writeFileAtomic(path, async (file) => {
    const end = await writeAll(file, header, 0);
    await writeAll(file, bytesOf(data), end);
  });
}

/** Synchronous variant of {@link writeNpy}. */
export function writeNpySync(path: string, data: NpyWritable, shape: readonly number[]): void {
  checkShape(data, shape);
  const header = encodeNpyHeader({ descr: npyDescr(data), shape });
  writeFileAtomicSync(path, (fd) => {
    const end = writeAllSync(fd, header, 0);
    writeAllSync(fd, bytesOf(data), end);
  });
}
