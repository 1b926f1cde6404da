// The activation-file input layer: a net is a directory of `<layer>.npy` files or one `.npz`
// archive with an entry `<layer>.npy` per layer. Arrays are float32 or float64, C order, shaped
// (N, D) for dense layers or (N, C, H, W) for conv layers (C units; every image position is a
// sample, so N*H*W samples). Data is streamed in batches and transposed to unit-major; nothing ever
// reads a whole file into memory.
//
// Reading: .npy files and stored .npz entries are read with a FileHandle at file offsets, a batch at
// a time in pieces of at most 4 MiB, and the next batch is read while the current one is transposed
// and consumed (double buffering). Deflated .npz entries are inflated as a stream and cut into
// batches. Every handle a read opens is closed when the iteration ends, breaks, throws, or when the
// source is closed.

import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import {
  NPY_PREFIX_MAX,
  NpyFormatError,
  describeDtype,
  npyHeaderLength,
  parseNpyHeader,
  shapeRepr,
  type NpyByteOrder,
  type NpyHeader,
} from './npy-header.js';
import { NpzError, checkEntryReadable, listNpz, readEntryPrefix, streamEntry, type NpzEntry } from './npz.js';

// ---- public types --------------------------------------------------------------------------------

export interface LayerInfo {
  name: string;
  /** D for (N, D), C for (N, C, H, W). */
  units: number;
  /** N for dense, N*H*W for conv layers. */
  samples: number;
  /** 1 for dense, H*W for conv layers. */
  samplesPerItem: number;
  /** N. */
  items: number;
  shape: number[];
  dtype: 'float32' | 'float64';
  /** The file path, or `archive.npz:entry.npy`. */
  source: string;
}

/** `units` rows of `samples` values, unit-major: `data[u * samples + s]`. The caller owns `data`. */
export interface ActivationBatch {
  data: Float32Array | Float64Array;
  units: number;
  samples: number;
}

export interface ReadBatchesOptions {
  /**
   * About this many samples per batch. Dense layers: exactly this many (the last batch may be
   * shorter). Conv layers: whole items (images), floor(batchSamples / (H*W)) of them, at least one.
   */
  batchSamples: number;
  /**
   * Read only the first `limitSamples` samples (in file order: item-major, then h, then w). The
   * batches then hold exactly min(limitSamples, samples) samples in all; for a conv layer the last
   * batch may end inside an item.
   */
  limitSamples?: number;
}

export interface NetSource {
  readonly name: string;
  readonly path: string;
  layers(): LayerInfo[];
  readBatches(layer: string, options: { batchSamples: number; limitSamples?: number }): AsyncIterable<ActivationBatch>;
  close(): Promise<void>;
}

export interface RejectedLayer {
  name: string;
  source: string;
  error: ActivationInputError;
}

/** What `openNetSource` returns: a NetSource, plus the layers skipped with `skipInvalidLayers`. */
export interface FileNetSource extends NetSource {
  readonly kind: 'directory' | 'npz';
  /** Layers skipped because they cannot be used (only with `skipInvalidLayers`; empty otherwise). */
  readonly rejected: readonly RejectedLayer[];
}

export interface OpenNetSourceOptions {
  /**
   * Skip (and list in `rejected`) arrays that cannot be used as a layer (wrong dtype, rank,
   * Fortran order, truncated, not a .npy) instead of failing; e.g. a `labels.npy` of int64 next to
   * the activations. Default false: any bad array fails `openNetSource`.
   */
  skipInvalidLayers?: boolean;
}

export type ActivationErrorCode =
  | 'NOT_FOUND' // the path does not exist
  | 'NOT_A_NET' // neither a directory nor an .npz archive
  | 'NO_LAYERS' // a directory without .npy files, an archive without .npy entries
  | 'BAD_ARCHIVE' // not a readable zip archive, or an entry that cannot be decoded
  | 'BAD_MAGIC' // not a .npy file
  | 'BAD_HEADER' // a malformed .npy header, or an unknown format version
  | 'TRUNCATED' // fewer data bytes than the shape promises
  | 'CORRUPT' // an npz entry that fails to inflate or whose CRC-32 does not match
  | 'DTYPE' // not float32 / float64
  | 'FORTRAN_ORDER'
  | 'RANK' // not (N, D) or (N, C, H, W)
  | 'NO_UNITS' // a zero-sized unit axis
  | 'DUPLICATE_LAYER'
  | 'NO_SUCH_LAYER'
  | 'CLOSED'
  | 'IO';

/** Every error of this module: `net`, the file (`source`, with `:entry` for npz) and the layer. */
export class ActivationInputError extends Error {
  override name = 'ActivationInputError';
  constructor(
    readonly code: ActivationErrorCode,
    message: string,
    readonly net: string,
    readonly source: string,
    readonly layer?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface NonFinite {
  unit: number;
  /** Sample index within the batch, plus `sampleOffset`. */
  sample: number;
  value: number;
  /** 'NaN', 'Infinity' or '-Infinity'. */
  kind: 'NaN' | 'Infinity' | '-Infinity';
}

/**
 * The first NaN or ±Infinity in a batch, scanning unit by unit (lowest unit first, then lowest
 * sample), or null. Pass the batch's first global sample index as `sampleOffset` to get a global
 * sample index, e.g. for `net A, layer conv2, unit 17, sample 12345 is NaN`.
 */
export function findNonFinite(batch: ActivationBatch, sampleOffset = 0): NonFinite | null {
  const { data, samples } = batch;
  const n = Math.min(data.length, batch.units * samples);
  for (let i = 0; i < n; i++) {
    const x = data[i]!;
    if (x - x !== 0) {
      const unit = samples > 0 ? Math.floor(i / samples) : 0;
      const kind = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
      return { unit, sample: i - unit * samples + sampleOffset, value: x, kind };
    }
  }
  return null;
}

// ---- internals -----------------------------------------------------------------------------------

const HOST_LITTLE = endianness() === 'LE';
/** Reads from files are done in pieces of at most this many bytes. */
const READ_PIECE = 4 << 20;
/** Raw (file-layout) data is read in chunks of whole items of at most this many bytes. */
const RAW_CHUNK = 8 << 20;

interface LayerRecord {
  info: LayerInfo;
  /** The file to open: the .npy, or the archive. */
  file: string;
  /** 'file': a .npy or stored entry read at offsets; 'stream': a deflated entry. */
  access: 'file' | 'stream';
  /** Absolute offset of the array data in `file` (for access 'file'). */
  dataStart: number;
  /** Offset of the array data within the .npy (= header length). */
  dataOffset: number;
  byteOrder: NpyByteOrder;
  bytesPerValue: 4 | 8;
  entry?: NpzEntry;
  /** For stored npz entries: the .npy header bytes, to verify the entry's CRC-32 on a full read. */
  headerBytes?: Uint8Array;
}

interface ValidatedHeader {
  header: NpyHeader;
  units: number;
  items: number;
  samplesPerItem: number;
  dtype: 'float32' | 'float64';
  bytesPerValue: 4 | 8;
  byteOrder: NpyByteOrder;
  dataBytes: number;
}

function layerNameFromFile(file: string): string {
  return file.replace(/\.npy$/i, '');
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0);
}

class Ctx {
  constructor(
    readonly net: string,
    readonly netPath: string,
  ) {}
  err(code: ActivationErrorCode, source: string, layer: string | undefined, what: string, cause?: unknown): ActivationInputError {
    const where = layer !== undefined ? `net ${this.net}, layer ${layer} (${source})` : `net ${this.net} (${source})`;
    return new ActivationInputError(code, `${where}: ${what}`, this.net, source, layer, cause !== undefined ? { cause } : undefined);
  }
}

function validateHeader(ctx: Ctx, source: string, layer: string, header: NpyHeader, availableBytes: number): ValidatedHeader {
  if (header.structured) {
    throw ctx.err('DTYPE', source, layer, `unsupported dtype ${header.descr} (a structured dtype); activations must be float32 ('<f4') or float64 ('<f8')`);
  }
  const dt = describeDtype(header.descr, HOST_LITTLE);
  if (!dt || dt.kind !== 'f' || (dt.itemSize !== 4 && dt.itemSize !== 8)) {
    const name = dt ? ` (${dt.name})` : '';
    throw ctx.err('DTYPE', source, layer, `unsupported dtype '${header.descr}'${name}; activations must be float32 ('<f4') or float64 ('<f8')`);
  }
  if (header.fortranOrder) {
    throw ctx.err(
      'FORTRAN_ORDER',
      source,
      layer,
      `array of shape ${shapeRepr(header.shape)} is stored in Fortran (column-major) order; only C order is supported (save np.ascontiguousarray(a))`,
    );
  }
  const shape = header.shape;
  if (shape.length !== 2 && shape.length !== 4) {
    throw ctx.err(
      'RANK',
      source,
      layer,
      `shape ${shapeRepr(shape)} has rank ${shape.length}; expected (N, D) for a dense layer or (N, C, H, W) for a conv layer`,
    );
  }
  const items = shape[0]!;
  const units = shape[1]!;
  const samplesPerItem = shape.length === 4 ? shape[2]! * shape[3]! : 1;
  if (units === 0) throw ctx.err('NO_UNITS', source, layer, `shape ${shapeRepr(shape)} has no units (axis 1 is 0)`);
  const bytesPerValue = dt.itemSize as 4 | 8;
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * bytesPerValue;
  if (!Number.isSafeInteger(dataBytes)) throw ctx.err('BAD_HEADER', source, layer, `shape ${shapeRepr(shape)} is too large`);
  if (availableBytes < dataBytes) {
    throw ctx.err(
      'TRUNCATED',
      source,
      layer,
      `truncated: the header promises shape ${shapeRepr(shape)} of '${header.descr}' = ${dataBytes} bytes of data, but only ${Math.max(0, availableBytes)} bytes follow the ${header.dataOffset}-byte header`,
    );
  }
  return {
    header,
    units,
    items,
    samplesPerItem,
    dtype: bytesPerValue === 4 ? 'float32' : 'float64',
    bytesPerValue,
    byteOrder: dt.byteOrder,
    dataBytes,
  };
}

function headerError(ctx: Ctx, source: string, layer: string, e: unknown): ActivationInputError {
  if (e instanceof ActivationInputError) return e;
  if (e instanceof NpyFormatError) {
    const code: ActivationErrorCode = e.code === 'BAD_MAGIC' ? 'BAD_MAGIC' : e.code === 'SHORT_HEADER' ? 'TRUNCATED' : 'BAD_HEADER';
    return ctx.err(code, source, layer, e.message, e);
  }
  if (e instanceof NpzError) return ctx.err('BAD_ARCHIVE', source, layer, e.reason, e);
  return ctx.err('IO', source, layer, (e as Error).message ?? String(e), e);
}

async function readFully(fh: FileHandle, dst: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < dst.length) {
    const { bytesRead } = await fh.read(dst, got, dst.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Reads and parses the .npy header at `position` of `fh`, which holds `size` bytes from there. */
async function readHeaderAt(fh: FileHandle, position: number, size: number): Promise<{ header: NpyHeader; bytes: Uint8Array }> {
  const prefix = new Uint8Array(Math.min(size, NPY_PREFIX_MAX));
  await readFully(fh, prefix, position);
  const len = npyHeaderLength(prefix);
  const bytes = new Uint8Array(Math.min(len, size));
  await readFully(fh, bytes, position);
  return { header: parseNpyHeader(bytes), bytes };
}

function makeInfo(name: string, source: string, v: ValidatedHeader): LayerInfo {
  return {
    name,
    units: v.units,
    samples: v.items * v.samplesPerItem,
    samplesPerItem: v.samplesPerItem,
    items: v.items,
    shape: [...v.header.shape],
    dtype: v.dtype,
    source,
  };
}

// ---- opening -------------------------------------------------------------------------------------

/**
 * Opens a net: a directory of `<layer>.npy` files (layers in natural name order) or an `.npz`
 * archive (layers in archive order). Reads every layer's header up front; holds no file open.
 */
export async function openNetSource(name: string, path: string, options: OpenNetSourceOptions = {}): Promise<FileNetSource> {
  const ctx = new Ctx(name, path);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw ctx.err('NOT_FOUND', path, undefined, 'no such file or directory', e);
    throw ctx.err('IO', path, undefined, (e as Error).message, e);
  }
  const records: LayerRecord[] = [];
  const rejected: RejectedLayer[] = [];
  const skip = options.skipInvalidLayers ?? false;
  const admit = async (layer: string, source: string, make: () => Promise<LayerRecord>): Promise<void> => {
    try {
      records.push(await make());
    } catch (e) {
      const err = headerError(ctx, source, layer, e);
      if (!skip) throw err;
      rejected.push({ name: layer, source, error: err });
    }
  };

  let kind: 'directory' | 'npz';
  if (st.isDirectory()) {
    kind = 'directory';
    const names = (await readdir(path)).filter((f) => /\.npy$/i.test(f)).sort(naturalCompare);
    const files: string[] = [];
    for (const f of names) {
      try {
        if ((await stat(join(path, f))).isFile()) files.push(f);
      } catch {
        /* a dangling link: not a layer */
      }
    }
    if (files.length === 0) {
      const npz = (await readdir(path)).filter((f) => /\.npz$/i.test(f));
      const hint = npz.length ? ` (it has ${npz.map((f) => `'${f}'`).join(', ')}: give the .npz itself as the net)` : '';
      throw ctx.err('NO_LAYERS', path, undefined, `directory has no .npy files${hint}`);
    }
    for (const f of files) {
      const layer = layerNameFromFile(f);
      const file = join(path, f);
      await admit(layer, file, async () => {
        const fh = await open(file, 'r');
        try {
          const { size } = await fh.stat();
          const { header } = await readHeaderAt(fh, 0, size);
          const v = validateHeader(ctx, file, layer, header, size - header.dataOffset);
          return {
            info: makeInfo(layer, file, v),
            file,
            access: 'file',
            dataStart: header.dataOffset,
            dataOffset: header.dataOffset,
            byteOrder: v.byteOrder,
            bytesPerValue: v.bytesPerValue,
          } satisfies LayerRecord;
        } finally {
          await fh.close();
        }
      });
    }
  } else if (st.isFile()) {
    const magic = new Uint8Array(6);
    const fh = await open(path, 'r');
    try {
      await readFully(fh, magic, 0);
    } finally {
      await fh.close();
    }
    const isZip = magic[0] === 0x50 && magic[1] === 0x4b && (magic[2] === 3 || magic[2] === 5) && (magic[3] === 4 || magic[3] === 6);
    const isNpy = magic[0] === 0x93 && String.fromCharCode(...magic.subarray(1)) === 'NUMPY';
    if (!isZip && !/\.npz$/i.test(path)) {
      throw ctx.err(
        'NOT_A_NET',
        path,
        undefined,
        isNpy
          ? 'is a single .npy file; a net is a directory of <layer>.npy files or an .npz archive'
          : 'is neither a directory of <layer>.npy files nor an .npz archive',
      );
    }
    kind = 'npz';
    let index;
    try {
      index = await listNpz(path);
    } catch (e) {
      if (e instanceof NpzError) throw ctx.err('BAD_ARCHIVE', e.entry !== undefined ? `${path}:${e.entry}` : path, undefined, e.reason, e);
      throw ctx.err('IO', path, undefined, (e as Error).message, e);
    }
    const npyEntries = index.entries.filter((e) => /\.npy$/i.test(e.name) && !e.name.endsWith('/'));
    if (npyEntries.length === 0) {
      const shown = index.entries.slice(0, 10).map((e) => `'${e.name}'`);
      const listing = index.entries.length ? `; its entries: ${shown.join(', ')}${index.entries.length > 10 ? ', ...' : ''}` : ' (the archive is empty)';
      throw ctx.err('NO_LAYERS', path, undefined, `archive has no .npy entries${listing}`);
    }
    const seen = new Set<string>();
    const afh = await open(path, 'r');
    try {
      for (const entry of npyEntries) {
        const layer = layerNameFromFile(entry.name);
        const source = `${path}:${entry.name}`;
        if (seen.has(layer)) throw ctx.err('DUPLICATE_LAYER', source, layer, `the archive holds two entries for layer ${layer}`);
        seen.add(layer);
        await admit(layer, source, async () => {
          try {
            checkEntryReadable(path, entry);
          } catch (e) {
            throw ctx.err('BAD_ARCHIVE', source, layer, e instanceof NpzError ? e.reason : (e as Error).message, e);
          }
          let header: NpyHeader;
          let headerBytes: Uint8Array;
          if (entry.compressionMethod === 0) {
            ({ header, bytes: headerBytes } = await readHeaderAt(afh, entry.dataStart, entry.uncompressedSize));
          } else {
            let prefix: Uint8Array;
            try {
              prefix = await readEntryPrefix(afh, path, entry, NPY_PREFIX_MAX);
              const len = npyHeaderLength(prefix);
              prefix = await readEntryPrefix(afh, path, entry, len);
            } catch (e) {
              if (e instanceof NpzError) throw ctx.err(/truncated/i.test(e.reason) ? 'TRUNCATED' : 'CORRUPT', source, layer, e.reason, e);
              throw e;
            }
            header = parseNpyHeader(prefix);
            headerBytes = prefix;
          }
          const v = validateHeader(ctx, source, layer, header, entry.uncompressedSize - header.dataOffset);
          return {
            info: makeInfo(layer, source, v),
            file: path,
            access: entry.compressionMethod === 0 ? 'file' : 'stream',
            dataStart: entry.dataStart + header.dataOffset,
            dataOffset: header.dataOffset,
            byteOrder: v.byteOrder,
            bytesPerValue: v.bytesPerValue,
            entry,
            headerBytes,
          } satisfies LayerRecord;
        });
      }
    } finally {
      await afh.close();
    }
  } else {
    throw ctx.err('NOT_A_NET', path, undefined, 'is neither a directory of <layer>.npy files nor an .npz archive');
  }
  if (records.length === 0) {
    const why = rejected.map((r) => r.error.message).join('; ');
    throw ctx.err('NO_LAYERS', path, undefined, `no usable layers: ${why}`);
  }
  return new FileNetSourceImpl(ctx, kind, records, rejected);
}

// ---- reading -------------------------------------------------------------------------------------

/** Fills buffers with consecutive bytes of a layer's data. */
interface Filler {
  fill(dst: Uint8Array, nbytes: number): Promise<void>;
  /** Called after the last byte of the layer's data was filled, when the whole layer was read. */
  finishFull(): Promise<void>;
  dispose(): Promise<void>;
}

class PositionalFiller implements Filler {
  private pos: number;
  private crc = 0;
  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly rec: LayerRecord,
    private readonly ctx: Ctx,
    private readonly verifyCrc: boolean,
  ) {
    this.pos = start;
    if (verifyCrc) this.crc = crc32(rec.headerBytes!, 0);
  }
  async fill(dst: Uint8Array, nbytes: number): Promise<void> {
    let got = 0;
    while (got < nbytes) {
      const n = Math.min(READ_PIECE, nbytes - got);
      const { bytesRead } = await this.fh.read(dst, got, n, this.pos + got);
      if (bytesRead === 0) {
        throw this.ctx.err('TRUNCATED', this.rec.info.source, this.rec.info.name, `truncated: the file ended at byte ${this.pos + got} while reading the data (was it changed after opening?)`);
      }
      got += bytesRead;
    }
    if (this.verifyCrc) this.crc = crc32(dst.subarray(0, nbytes), this.crc);
    this.pos += nbytes;
  }
  async finishFull(): Promise<void> {
    if (!this.verifyCrc) return;
    const entry = this.rec.entry!;
    const trailing = entry.dataStart + entry.uncompressedSize - this.pos;
    if (trailing > 0) {
      const rest = new Uint8Array(Math.min(trailing, 64 << 20));
      for (let done = 0; done < trailing; ) {
        const n = Math.min(rest.length, trailing - done);
        await this.fill(rest, n);
        done += n;
      }
    }
    if (this.crc >>> 0 !== entry.crc32) {
      throw this.ctx.err(
        'CORRUPT',
        this.rec.info.source,
        this.rec.info.name,
        `corrupt entry: CRC-32 0x${(this.crc >>> 0).toString(16).padStart(8, '0')} does not match 0x${entry.crc32.toString(16).padStart(8, '0')} in the archive directory`,
      );
    }
  }
  async dispose(): Promise<void> {
    await this.fh.close();
  }
}

class StreamFiller implements Filler {
  private it: AsyncGenerator<Buffer>;
  private rest: Uint8Array = new Uint8Array(0);
  private skip: number;
  constructor(
    private readonly fh: FileHandle,
    private readonly rec: LayerRecord,
    private readonly ctx: Ctx,
  ) {
    this.it = streamEntry(fh, rec.file, rec.entry!, { chunkBytes: READ_PIECE, verify: true });
    this.skip = rec.dataOffset;
  }
  private wrap(e: unknown): ActivationInputError {
    if (e instanceof ActivationInputError) return e;
    const what = e instanceof NpzError ? e.reason : ((e as Error).message ?? String(e));
    const code: ActivationErrorCode = /truncated/i.test(what) ? 'TRUNCATED' : 'CORRUPT';
    return this.ctx.err(code, this.rec.info.source, this.rec.info.name, what, e);
  }
  private async next(): Promise<Uint8Array | null> {
    let r;
    try {
      r = await this.it.next();
    } catch (e) {
      throw this.wrap(e);
    }
    return r.done ? null : r.value;
  }
  async fill(dst: Uint8Array, nbytes: number): Promise<void> {
    let got = 0;
    while (got < nbytes) {
      if (this.rest.length === 0) {
        const chunk = await this.next();
        if (!chunk) {
          throw this.ctx.err('TRUNCATED', this.rec.info.source, this.rec.info.name, `truncated: the entry ended before the data the header promises`);
        }
        this.rest = chunk;
        if (this.skip > 0) {
          const k = Math.min(this.skip, this.rest.length);
          this.rest = this.rest.subarray(k);
          this.skip -= k;
          continue;
        }
      }
      const k = Math.min(this.rest.length, nbytes - got);
      dst.set(this.rest.subarray(0, k), got);
      this.rest = this.rest.subarray(k);
      got += k;
    }
  }
  async finishFull(): Promise<void> {
    // Drain any trailing bytes so the entry's size and CRC-32 get verified.
    this.rest = new Uint8Array(0);
    while ((await this.next()) !== null) {
      /* drain */
    }
  }
  async dispose(): Promise<void> {
    try {
      await this.it.return(undefined);
    } catch {
      /* already failed */
    }
    await this.fh.close();
  }
}

/**
 * Interleaves `k` items, each `C` rows of `hw` contiguous values, into `C` rows of `n` values
 * starting at column `off`: dst[c * n + off + i * hw + p] = src[(i * C + c) * hw + p], for i < k,
 * p < hw. (Dense layers: hw = 1, a plain transpose of a k x C matrix.) Blocked over items and
 * units so that both the reads and the writes stay in cache; long runs are block copies.
 */
export function interleaveItems(
  src: Float32Array | Float64Array,
  dst: Float32Array | Float64Array,
  k: number,
  C: number,
  hw: number,
  n: number,
  off = 0,
): void {
  if (hw >= 64) {
    for (let i = 0; i < k; i++) {
      const sBase = i * C * hw;
      const dBase = off + i * hw;
      for (let c = 0; c < C; c++) {
        const s = sBase + c * hw;
        dst.set(src.subarray(s, s + hw), c * n + dBase);
      }
    }
    return;
  }
  if (src instanceof Float32Array) interleaveBlocked32(src, dst as Float32Array, k, C, hw, n, off);
  else interleaveBlocked64(src, dst as Float64Array, k, C, hw, n, off);
}

// Two monomorphic copies of the same loop, so each stays specialised to one array type.
// Tiles of 64 units x (64 / hw) items (64 x 64 for dense layers) measured fastest.
function interleaveBlocked32(src: Float32Array, dst: Float32Array, k: number, C: number, hw: number, n: number, off: number): void {
  const CB = 64;
  const IB = Math.max(1, (64 / hw) | 0);
  const stride = C * hw;
  for (let i0 = 0; i0 < k; i0 += IB) {
    const i1 = Math.min(k, i0 + IB);
    for (let c0 = 0; c0 < C; c0 += CB) {
      const c1 = Math.min(C, c0 + CB);
      for (let c = c0; c < c1; c++) {
        let d = c * n + off + i0 * hw;
        let s = i0 * stride + c * hw;
        for (let i = i0; i < i1; i++, s += stride) {
          for (let p = 0; p < hw; p++) dst[d++] = src[s + p]!;
        }
      }
    }
  }
}

function interleaveBlocked64(src: Float64Array, dst: Float64Array, k: number, C: number, hw: number, n: number, off: number): void {
  const CB = 64;
  const IB = Math.max(1, (64 / hw) | 0);
  const stride = C * hw;
  for (let i0 = 0; i0 < k; i0 += IB) {
    const i1 = Math.min(k, i0 + IB);
    for (let c0 = 0; c0 < C; c0 += CB) {
      const c1 = Math.min(C, c0 + CB);
      for (let c = c0; c < c1; c++) {
        let d = c * n + off + i0 * hw;
        let s = i0 * stride + c * hw;
        for (let i = i0; i < i1; i++, s += stride) {
          for (let p = 0; p < hw; p++) dst[d++] = src[s + p]!;
        }
      }
    }
  }
}

/** One running `readBatches` iteration, so that `close()` can release it. */
class ActiveRead {
  private disposed = false;
  private disposing: Promise<void> | null = null;
  pending: Promise<unknown> | null = null;
  constructor(readonly filler: Filler) {}
  get isDisposed(): boolean {
    return this.disposed;
  }
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposed = true;
      this.disposing = (async () => {
        if (this.pending) await this.pending.catch(() => undefined);
        await this.filler.dispose();
      })();
    }
    return this.disposing;
  }
}

class FileNetSourceImpl implements FileNetSource {
  private readonly byName = new Map<string, LayerRecord>();
  private readonly active = new Set<ActiveRead>();
  private closed = false;

  constructor(
    private readonly ctx: Ctx,
    readonly kind: 'directory' | 'npz',
    private readonly records: LayerRecord[],
    readonly rejected: readonly RejectedLayer[],
  ) {
    for (const r of records) this.byName.set(r.info.name, r);
  }

  get name(): string {
    return this.ctx.net;
  }
  get path(): string {
    return this.ctx.netPath;
  }

  layers(): LayerInfo[] {
    return this.records.map((r) => ({ ...r.info, shape: [...r.info.shape] }));
  }

  readBatches(layer: string, options: ReadBatchesOptions): AsyncIterable<ActivationBatch> {
    const { batchSamples, limitSamples } = options;
    if (!Number.isSafeInteger(batchSamples) || batchSamples < 1) {
      throw new RangeError(`readBatches: batchSamples must be a positive integer, got ${batchSamples}`);
    }
    if (limitSamples !== undefined && (!Number.isSafeInteger(limitSamples) || limitSamples < 0)) {
      throw new RangeError(`readBatches: limitSamples must be a non-negative integer, got ${limitSamples}`);
    }
    if (this.closed) throw this.ctx.err('CLOSED', this.ctx.netPath, layer, 'the source is closed');
    const rec = this.byName.get(layer);
    if (!rec) {
      const rej = this.rejected.find((r) => r.name === layer);
      if (rej) throw rej.error;
      const avail = this.records.map((r) => r.info.name).join(', ');
      throw this.ctx.err('NO_SUCH_LAYER', this.ctx.netPath, layer, `no layer ${layer}; available layers: ${avail}`);
    }
    // A fresh iteration (and file handle) each time it is iterated.
    return { [Symbol.asyncIterator]: () => this.iterate(rec, batchSamples, limitSamples) };
  }

  private async *iterate(rec: LayerRecord, batchSamples: number, limitSamples: number | undefined): AsyncGenerator<ActivationBatch> {
    const info = rec.info;
    const C = info.units;
    const hw = info.samplesPerItem;
    const total = Math.min(limitSamples ?? info.samples, info.samples);
    if (total === 0 || hw === 0) return;
    const itemsNeeded = Math.ceil(total / hw);
    const perBatch = Math.min(itemsNeeded, hw === 1 ? batchSamples : Math.max(1, Math.floor(batchSamples / hw)));
    const bpv = rec.bytesPerValue;
    const itemBytes = C * hw * bpv;
    const full = total === info.samples;

    const closedErr = () => this.ctx.err('CLOSED', info.source, info.name, 'the source was closed while reading');
    if (this.closed) throw closedErr();
    let fh: FileHandle;
    try {
      fh = await open(rec.file, 'r');
    } catch (e) {
      throw this.ctx.err('IO', info.source, info.name, (e as Error).message, e);
    }
    if (this.closed) {
      await fh.close();
      throw closedErr();
    }
    const filler: Filler =
      rec.access === 'file'
        ? new PositionalFiller(fh, rec.dataStart, rec, this.ctx, full && rec.entry !== undefined && rec.headerBytes !== undefined)
        : new StreamFiller(fh, rec, this.ctx);
    const run = new ActiveRead(filler);
    this.active.add(run);

    // The file is read in chunks of whole items, at most RAW_CHUNK bytes (one item if an item is
    // larger), double-buffered: the next chunk is being read while the current one is transposed
    // into its batch and while the consumer works on a finished batch. So memory is one output
    // batch plus two chunks, whatever the batch size.
    const chunkItems = Math.max(1, Math.min(perBatch, Math.floor(RAW_CHUNK / itemBytes)));
    const raws = [new Uint8Array(new ArrayBuffer(chunkItems * itemBytes)), new Uint8Array(new ArrayBuffer(chunkItems * itemBytes))];
    const swap = rec.byteOrder === (HOST_LITTLE ? 'big' : 'little');
    // Chunks [first item, item count], never crossing a batch boundary.
    function* plan(): Generator<[number, number]> {
      for (let b0 = 0; b0 < itemsNeeded; b0 += perBatch) {
        const b1 = Math.min(itemsNeeded, b0 + perBatch);
        for (let i0 = b0; i0 < b1; i0 += chunkItems) yield [i0, Math.min(chunkItems, b1 - i0)];
      }
    }
    const start = (slot: number, items: number): Promise<void> => {
      const p = filler.fill(raws[slot]!, items * itemBytes);
      run.pending = p;
      p.catch(() => undefined); // awaited below; avoid an unhandled rejection if the consumer stops
      return p;
    };
    const settle = async (p: Promise<void>): Promise<void> => {
      try {
        await p;
      } catch (e) {
        if (run.isDisposed) throw closedErr();
        throw e;
      }
      if (run.isDisposed) throw closedErr();
    };
    try {
      const chunks = plan();
      let cur = chunks.next();
      let slot = 0;
      let pending: Promise<void> | null = cur.done ? null : start(slot, cur.value[1]);
      let out: Float32Array | Float64Array | null = null;
      let outSamples = 0;
      while (!cur.done) {
        const [i0, k] = cur.value;
        await settle(pending!);
        const raw = raws[slot]!;
        const nxt = chunks.next();
        if (!nxt.done) {
          slot ^= 1;
          pending = start(slot, nxt.value[1]);
        } else {
          pending = null;
          run.pending = null;
        }
        const b0 = Math.floor(i0 / perBatch) * perBatch;
        const b1 = Math.min(itemsNeeded, b0 + perBatch);
        if (i0 === b0) {
          outSamples = Math.min((b1 - b0) * hw, total - b0 * hw);
          out = bpv === 4 ? new Float32Array(C * outSamples) : new Float64Array(C * outSamples);
        }
        const nbytes = k * itemBytes;
        if (swap) {
          const b = Buffer.from(raw.buffer, 0, nbytes);
          if (bpv === 4) b.swap32();
          else b.swap64();
        }
        const src = bpv === 4 ? new Float32Array(raw.buffer, 0, nbytes / 4) : new Float64Array(raw.buffer, 0, nbytes / 8);
        const col = (i0 - b0) * hw;
        const samples = Math.min(k * hw, total - i0 * hw);
        const fullItems = Math.floor(samples / hw);
        interleaveItems(src, out!, fullItems, C, hw, outSamples, col);
        const partial = samples - fullItems * hw;
        if (partial > 0) {
          // The last item of a limited read: only its first `partial` positions.
          const s0 = fullItems * C * hw;
          const d0 = col + fullItems * hw;
          for (let c = 0; c < C; c++) out!.set(src.subarray(s0 + c * hw, s0 + c * hw + partial), c * outSamples + d0);
        }
        if (i0 + k === b1) {
          if (nxt.done && full) await settle(filler.finishFull());
          const batch: ActivationBatch = { data: out!, units: C, samples: outSamples };
          out = null;
          yield batch;
        }
        cur = nxt;
      }
    } finally {
      this.active.delete(run);
      await run.dispose();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.active];
    this.active.clear();
    await Promise.all(runs.map((r) => r.dispose()));
  }
}
