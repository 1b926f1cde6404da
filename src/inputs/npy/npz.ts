// Listing and streaming the entries of an .npz archive (a zip of .npy files, as written by NumPy's
// `savez` (stored entries) and `savez_compressed` (deflated entries); NumPy always writes zip64
// local headers, and full zip64 archives for entries or archives over 2 GB).
//
// yauzl parses the central directory (zip64 included) and the local file headers; it runs over our
// own FileHandle (a custom RandomAccessReader), so opening and closing the archive is deterministic
// and leaves no descriptor behind. Entry data is then read by us at file offsets in large chunks:
// stored entries directly (random access, like a .npy file), deflated entries through zlib's raw
// inflate, checking the uncompressed size and the CRC-32 when an entry is read to its end.

import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export interface NpzEntry {
  /** The entry's name in the archive, e.g. 'conv1.npy'. */
  name: string;
  /** 0 = stored, 8 = deflated. */
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  encrypted: boolean;
  /** Offset in the archive of the entry's (possibly compressed) data, after its local header. */
  dataStart: number;
}

export interface NpzIndex {
  path: string;
  fileSize: number;
  entries: NpzEntry[];
}

/** An error about an archive or one of its entries; `entry` is set when it concerns one entry. */
export class NpzError extends Error {
  override name = 'NpzError';
  /**
   * @param reason what is wrong, without the location (the message is `path[:entry]: reason`)
   */
  constructor(
    readonly reason: string,
    readonly path: string,
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}${entry !== undefined ? `:${entry}` : ''}: ${reason}`, options);
  }
}

/** yauzl's random-access reader over a FileHandle that we own (yauzl never closes it). */
class FileHandleReader extends yauzl.RandomAccessReader {
  constructor(private readonly fh: FileHandle) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(readRange(this.fh, start, end - start, 1 << 16));
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const cb = callback as (err: Error | null, bytesRead?: number) => void;
    this.fh.read(buffer, offset, length, position).then(
      (r) => cb(null, r.bytesRead),
      (e: Error) => cb(e),
    );
  }
  override close(callback: (err: Error | null) => void): void {
    setImmediate(() => callback(null));
  }
}

/** Reads an archive's directory. Opens and closes the file; holds nothing afterwards. */
export async function listNpz(path: string): Promise<NpzIndex> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.fromRandomAccessReaderPromise(new FileHandleReader(fh), size, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: true,
        // Checked below per entry, where the message can name the entry and an encrypted one.
        validateEntrySizes: false,
        strictFileNames: false,
      });
    } catch (e) {
      throw new NpzError(`not a valid .npz (zip) archive: ${(e as Error).message}`, path, undefined, { cause: e });
    }
    const entries: NpzEntry[] = [];
    try {
      const raw: yauzl.Entry[] = [];
      for await (const entry of zip.eachEntry()) raw.push(entry);
      for (const entry of raw) {
        checkStoredSize(path, entry);
        let dataStart: number;
        try {
          ({ fileDataStart: dataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true }));
        } catch (e) {
          throw new NpzError(`corrupt zip entry: ${(e as Error).message}`, path, entry.fileName, { cause: e });
        }
        entries.push({
          name: entry.fileName,
          compressionMethod: entry.compressionMethod,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          crc32: entry.crc32 >>> 0,
          encrypted: entry.isEncrypted(),
          dataStart,
        });
      }
    } catch (e) {
      if (e instanceof NpzError) throw e;
      throw new NpzError(`corrupt .npz (zip) archive: ${(e as Error).message}`, path, undefined, { cause: e });
    } finally {
      zip.close();
    }
    return { path, fileSize: size, entries };
  } finally {
    await fh.close();
  }
}

const ENCRYPTED = 'entry is encrypted (its zip encryption flag is set); convergent reads unencrypted archives only, as numpy.savez writes them';

/**
 * A stored entry holds as many bytes as it decodes to (plus a 12-byte header when encrypted);
 * anything else is a corrupt directory. An encrypted entry is named as such, whatever its sizes.
 */
function checkStoredSize(path: string, entry: yauzl.Entry): void {
  if (entry.compressionMethod !== 0 || entry.isEncrypted()) return;
  if (entry.compressedSize !== entry.uncompressedSize) {
    throw new NpzError(`corrupt zip entry: stored (uncompressed) but ${entry.compressedSize} bytes in the archive for ${entry.uncompressedSize} bytes of data`, path, entry.fileName);
  }
}

/** Throws unless the entry can be decoded (stored or deflated, not encrypted). */
export function checkEntryReadable(path: string, entry: NpzEntry): void {
  if (entry.encrypted) throw new NpzError(ENCRYPTED, path, entry.name);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new NpzError(
      `unsupported compression method ${entry.compressionMethod} (only stored (0) and deflate (8) are supported)`,
      path,
      entry.name,
    );
  }
}

/**
 * Yields `length` bytes of `fh` from `position`, in chunks of `chunkBytes` (fresh buffers).
 * Throws if the file ends early.
 */
export async function* readRange(fh: FileHandle, position: number, length: number, chunkBytes: number): AsyncGenerator<Buffer> {
  let done = 0;
  while (done < length) {
    const n = Math.min(chunkBytes, length - done);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(buf, got, n - got, position + done + got);
      if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done + got}`);
      got += bytesRead;
    }
    done += n;
    yield buf;
  }
}

export interface EntryStreamOptions {
  /** Size of the reads from the archive (default 4 MiB). */
  chunkBytes?: number;
  /** Verify the uncompressed size and the CRC-32 once the whole entry has been read (default true). */
  verify?: boolean;
}

/**
 * Streams the uncompressed bytes of an entry from its beginning. `fh` is the archive, opened by the
 * caller, who also closes it (after ending or `return()`-ing this generator). Errors name the
 * archive and entry; an entry that inflates to fewer or more bytes than the directory says, or
 * whose CRC-32 does not match, is reported as truncated or corrupt.
 */
export async function* streamEntry(fh: FileHandle, path: string, entry: NpzEntry, options: EntryStreamOptions = {}): AsyncGenerator<Buffer> {
  checkEntryReadable(path, entry);
  const chunkBytes = options.chunkBytes ?? 4 << 20;
  const verify = options.verify ?? true;
  let crc = 0;
  let total = 0;
  if (entry.compressionMethod === 0) {
    try {
      for await (const chunk of readRange(fh, entry.dataStart, entry.uncompressedSize, chunkBytes)) {
        if (verify) crc = crc32(chunk, crc);
        total += chunk.length;
        yield chunk;
      }
    } catch (e) {
      if (e instanceof NpzError) throw e;
      throw new NpzError(`truncated or unreadable entry: ${(e as Error).message}`, path, entry.name, { cause: e });
    }
  } else {
    const inflate = createInflateRaw({ chunkSize: 1 << 20 });
    const src = Readable.from(readRange(fh, entry.dataStart, entry.compressedSize, chunkBytes), { objectMode: false });
    pipeline(src, inflate, () => {
      /* errors surface through the iteration below */
    });
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > entry.uncompressedSize) {
          throw new NpzError(
            `corrupt entry: inflates to more than the ${entry.uncompressedSize} bytes the archive directory gives`,
            path,
            entry.name,
          );
        }
        if (verify) crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (e) {
      if (e instanceof NpzError) throw e;
      throw new NpzError(
        `truncated or corrupt deflated entry after ${total} of ${entry.uncompressedSize} bytes: ${(e as Error).message}`,
        path,
        entry.name,
        { cause: e },
      );
    } finally {
      inflate.destroy();
      src.destroy();
    }
  }
  if (total !== entry.uncompressedSize) {
    throw new NpzError(`truncated entry: ${total} of ${entry.uncompressedSize} bytes`, path, entry.name);
  }
  if (verify && crc >>> 0 !== entry.crc32) {
    throw new NpzError(
      `corrupt entry: CRC-32 ${hex(crc >>> 0)} does not match ${hex(entry.crc32)} in the archive directory`,
      path,
      entry.name,
    );
  }
}

function hex(x: number): string {
  return `0x${x.toString(16).padStart(8, '0')}`;
}

/** The first `n` uncompressed bytes of an entry (fewer if the entry is shorter). */
export async function readEntryPrefix(fh: FileHandle, path: string, entry: NpzEntry, n: number): Promise<Uint8Array> {
  const want = Math.min(n, entry.uncompressedSize);
  const out = new Uint8Array(want);
  if (want === 0) return out;
  let got = 0;
  const it = streamEntry(fh, path, entry, { chunkBytes: Math.max(want, 1 << 16), verify: false });
  try {
    for await (const chunk of it) {
      const k = Math.min(chunk.length, want - got);
      out.set(chunk.subarray(0, k), got);
      got += k;
      if (got >= want) break;
    }
  } finally {
    await it.return(undefined);
  }
  return out;
}
