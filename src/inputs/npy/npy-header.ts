// Parsing and encoding of .npy headers (NumPy format versions 1.0, 2.0 and 3.0).
//
// Layout of a .npy file:
//   6 bytes   magic "\x93NUMPY"
//   2 bytes   format version (major, minor)
//   2 bytes   (v1) or 4 bytes (v2, v3) little-endian header length HLEN
//   HLEN      header: a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
//             padded with spaces and ending in '\n'; latin-1 (v1, v2) or UTF-8 (v3)
//   ...       the data, starting at `dataOffset`
//
// The dict is parsed by a small parser for Python literals (py-literal.ts; never `eval`), so shapes
// like `()`, `(5,)`, trailing commas, Python 2 longs (`3L`), either quote style and arbitrary
// whitespace work.

import { PyLiteralParser, renderPy, type PyValue } from './py-literal.js';

export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY
/** NumPy aligns the start of the data to this many bytes. */
export const NPY_ARRAY_ALIGN = 64;
/** NumPy pads the header so the first axis can grow in place to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
/** Bytes of the fixed prefix (magic, version, length field) for the largest format version. */
export const NPY_PREFIX_MAX = 12;
/**
 * Headers claiming more than this are refused as corrupt rather than read into memory (real ones
 * are a few hundred bytes; NumPy itself refuses over 10 kB by default).
 */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

export type NpyErrorCode = 'BAD_MAGIC' | 'BAD_VERSION' | 'BAD_HEADER' | 'SHORT_HEADER';

/** A malformed .npy header. The message says what is wrong but not which file (callers add that). */
export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
  constructor(
    readonly code: NpyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type NpyByteOrder = 'little' | 'big' | 'none';

export interface NpyHeader {
  /** Format version, e.g. [1, 0]. */
  version: [number, number];
  /** The dtype descriptor as written, e.g. '<f4'; for structured dtypes a printable rendering of the list. */
  descr: string;
  /** True when `descr` was not a plain string (a structured / record dtype). */
  structured: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first data byte (length of magic + version + length field + header). */
  dataOffset: number;
}

export interface NpyDtypeInfo {
  /** Byte order of the descriptor ('none' for single-byte types like '|b1'). */
  byteOrder: NpyByteOrder;
  /** NumPy kind character: f (float), i (int), u (uint), b (bool), c (complex), ... */
  kind: string;
  itemSize: number;
  /** A friendly name, e.g. 'float32', 'int64', 'bool'. */
  name: string;
}

const KIND_NAMES: Record<string, string> = {
  f: 'float',
  i: 'int',
  u: 'uint',
  c: 'complex',
  b: 'bool',
  M: 'datetime64',
  m: 'timedelta64',
  O: 'object',
  S: 'bytes',
  a: 'bytes',
  U: 'str',
  V: 'void',
};

/** Interprets a simple dtype descriptor such as '<f4', '>f8', '|b1', '=i8'. Returns null if it is not simple. */
export function describeDtype(descr: string, hostLittleEndian = true): NpyDtypeInfo | null {
  const m = /^([<>|=!]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) return null;
  const [, order, kind, size] = m;
  const itemSize = size === '' ? (kind === 'b' || kind === '?' ? 1 : 0) : Number(size);
  let byteOrder: NpyByteOrder;
  if (order === '<') byteOrder = 'little';
  else if (order === '>' || order === '!') byteOrder = 'big';
  else if (order === '|') byteOrder = 'none';
  else byteOrder = itemSize <= 1 ? 'none' : hostLittleEndian ? 'little' : 'big'; // '=' or none: native
  const base = KIND_NAMES[kind!] ?? `kind '${kind}'`;
  let name: string;
  if (kind === 'b') name = 'bool';
  else if (kind === 'O') name = 'object';
  else if (kind === 'f' || kind === 'i' || kind === 'u' || kind === 'c') name = `${base}${itemSize * 8}`;
  else name = `${base}${itemSize ? `[${itemSize}]` : ''}`;
  return { byteOrder, kind: kind!, itemSize, name };
}

/**
 * Given at least the first 10 bytes of a file (12 for versions 2 and 3), returns the total length of
 * magic + version + length field + header, i.e. the data offset. Throws NpyFormatError on bad magic
 * or an unknown version, and 'SHORT_HEADER' when `prefix` is too short to tell.
 */
export function npyHeaderLength(prefix: Uint8Array): number {
  if (!hasMagic(prefix)) {
    throw new NpyFormatError(
      'BAD_MAGIC',
      `not a .npy file (bad magic: expected "\\x93NUMPY", found ${showBytes(prefix.subarray(0, 8))})`,
    );
  }
  if (prefix.length < 8) throw new NpyFormatError('SHORT_HEADER', `file ends inside the .npy header (${prefix.length} bytes)`);
  const major = prefix[6]!;
  const minor = prefix[7]!;
  if (major === 1) {
    if (prefix.length < 10) throw new NpyFormatError('SHORT_HEADER', `file ends inside the .npy header (${prefix.length} bytes)`);
    return 10 + (prefix[8]! | (prefix[9]! << 8));
  }
  if (major === 2 || major === 3) {
    if (prefix.length < 12) throw new NpyFormatError('SHORT_HEADER', `file ends inside the .npy header (${prefix.length} bytes)`);
    const len = (prefix[8]! | (prefix[9]! << 8) | (prefix[10]! << 16)) + prefix[11]! * 0x1000000;
    if (len > NPY_MAX_HEADER_BYTES) {
      throw new NpyFormatError('BAD_HEADER', `implausible .npy header length ${len} bytes (more than ${NPY_MAX_HEADER_BYTES}); the file is corrupt`);
    }
    return 12 + len;
  }
  throw new NpyFormatError('BAD_VERSION', `unsupported .npy format version ${major}.${minor} (known: 1.0, 2.0, 3.0)`);
}

function hasMagic(b: Uint8Array): boolean {
  if (b.length < NPY_MAGIC.length) return false;
  for (let i = 0; i < NPY_MAGIC.length; i++) if (b[i] !== NPY_MAGIC[i]) return false;
  return true;
}

function showBytes(b: Uint8Array): string {
  if (b.length === 0) return 'an empty file';
  let s = '';
  for (const x of b) s += x >= 0x20 && x < 0x7f && x !== 0x5c ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return `"${s}"`;
}

/**
 * Parses a complete .npy header. `bytes` must hold at least `npyHeaderLength(bytes)` bytes (extra
 * bytes, e.g. the start of the data, are ignored).
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const dataOffset = npyHeaderLength(bytes);
  if (bytes.length < dataOffset) {
    throw new NpyFormatError(
      'SHORT_HEADER',
      `file ends inside the .npy header (header needs ${dataOffset} bytes, have ${bytes.length})`,
    );
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const start = major === 1 ? 10 : 12;
  const raw = bytes.subarray(start, dataOffset);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : latin1(raw);
  const dict = parseHeaderDict(text);
  return { version: [major, minor], dataOffset, ...dict };
}

function latin1(b: Uint8Array): string {
  let s = '';
  const CH = 8192;
  for (let i = 0; i < b.length; i += CH) s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + CH)));
  return s;
}

/** Parses the header dict text (without the binary prefix). */
export function parseHeaderDict(text: string): Omit<NpyHeader, 'version' | 'dataOffset'> {
  let value: PyValue;
  try {
    const p = new PyLiteralParser(text);
    value = p.parseTop();
  } catch (e) {
    throw new NpyFormatError('BAD_HEADER', `malformed .npy header ${JSON.stringify(text.trim())}: ${(e as Error).message}`);
  }
  if (!(value instanceof Map)) {
    throw new NpyFormatError('BAD_HEADER', `malformed .npy header ${JSON.stringify(text.trim())}: not a dict`);
  }
  const bad = (what: string) => new NpyFormatError('BAD_HEADER', `malformed .npy header ${JSON.stringify(text.trim())}: ${what}`);
  for (const key of ['descr', 'fortran_order', 'shape']) if (!value.has(key)) throw bad(`missing key '${key}'`);
  const descrV = value.get('descr')!;
  const fortranV = value.get('fortran_order')!;
  const shapeV = value.get('shape')!;
  let descr: string;
  let structured = false;
  if (typeof descrV === 'string') descr = descrV;
  else {
    structured = true;
    descr = renderPy(descrV);
  }
  let fortranOrder: boolean;
  if (typeof fortranV === 'boolean') fortranOrder = fortranV;
  else if (typeof fortranV === 'number' && (fortranV === 0 || fortranV === 1)) fortranOrder = fortranV === 1;
  else throw bad(`'fortran_order' is ${renderPy(fortranV)}, expected True or False`);
  if (!Array.isArray(shapeV)) throw bad(`'shape' is ${renderPy(shapeV)}, expected a tuple of integers`);
  const shape: number[] = [];
  for (const d of shapeV) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw bad(`'shape' is ${renderPy(shapeV)}, expected a tuple of non-negative integers`);
    }
    shape.push(d);
  }
  return { descr, structured, fortranOrder, shape };
}

// ---- encoding ------------------------------------------------------------------------------------

/** Python repr of a shape tuple: (), (5,), (3, 4). */
export function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

export interface EncodeNpyHeaderOptions {
  descr: string;
  fortranOrder?: boolean;
  shape: readonly number[];
  /** Force a format version; by default the oldest that fits (as NumPy does). */
  version?: [1 | 2 | 3, 0];
}

/**
 * Encodes a header exactly as NumPy's `np.save` does (same key order, growth padding and 64-byte
 * alignment), so the files are byte-identical to NumPy's for the same array.
 */
export function encodeNpyHeader(opts: EncodeNpyHeaderOptions): Uint8Array {
  const fortran = opts.fortranOrder ?? false;
  for (const d of opts.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`bad shape ${shapeRepr(opts.shape)}`);
  }
  let text = `{'descr': '${opts.descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeRepr(opts.shape)}, }`;
  if (opts.shape.length > 0) {
    const axis = opts.shape[fortran ? opts.shape.length - 1 : 0]!;
    text += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(axis).length));
  }
  const wrap = (major: 1 | 2 | 3): Uint8Array | null => {
    const body = major === 3 ? new TextEncoder().encode(text) : Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    const lenBytes = major === 1 ? 2 : 4;
    const hlen = body.length + 1;
    const padlen = NPY_ARRAY_ALIGN - ((NPY_MAGIC.length + 2 + lenBytes + hlen) % NPY_ARRAY_ALIGN);
    const total = hlen + padlen;
    if (major === 1 && total > 0xffff) return null;
    const out = new Uint8Array(NPY_MAGIC.length + 2 + lenBytes + total);
    out.set(NPY_MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (major === 1) dv.setUint16(8, total, true);
    else dv.setUint32(8, total, true);
    const p = 8 + lenBytes;
    out.set(body, p);
    out.fill(0x20, p + body.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  };
  const latin = [...text].every((c) => c.charCodeAt(0) < 256);
  if (opts.version) {
    const major = opts.version[0];
    if (major !== 3 && !latin) throw new RangeError('header is not latin-1; it needs format version 3.0');
    const r = wrap(major);
    if (!r) throw new RangeError(`header too long for format version ${major}.0`);
    return r;
  }
  if (latin) return wrap(1) ?? wrap(2)!;
  return wrap(3)!;
}
