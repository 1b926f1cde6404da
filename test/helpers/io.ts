// Shared helpers for the I/O tests: temp dirs, a tiny zip writer (for archives NumPy would not
// make: lying directories, bad CRCs, huge deflated entries), reassembly of batches, open-fd checks.

import { ftruncateSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zc, crc32, deflateRawSync } from 'node:zlib';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { ActivationBatch, NetSource } from '../../src/inputs/activations/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'io');

export interface ExpectedArray {
  shape: number[];
  dtype: string;
  values: number[];
}
export const expected: Record<string, ExpectedArray> = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function makeTmpDir(prefix = 'convergent-io-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** File descriptors of this process that point at a path under `root`. */
export function openFdsUnder(root: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(root)) out.push(`${fd} -> ${target}`);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Unit-major expected layout of a C-order (N, D) or (N, C, H, W) array: [u * S + s]. */
export function unitMajor(values: ArrayLike<number>, shape: number[]): { data: Float64Array; units: number; samples: number } {
  const N = shape[0]!;
  const C = shape[1]!;
  const hw = shape.length === 4 ? shape[2]! * shape[3]! : 1;
  const S = N * hw;
  const data = new Float64Array(C * S);
  for (let i = 0; i < N; i++)
    for (let c = 0; c < C; c++)
      for (let p = 0; p < hw; p++) data[c * S + i * hw + p] = values[(i * C + c) * hw + p]!;
  return { data, units: C, samples: S };
}

export async function collect(it: AsyncIterable<ActivationBatch>): Promise<ActivationBatch[]> {
  const out: ActivationBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Concatenates unit-major batches into one unit-major array. */
export function concatBatches(batches: ActivationBatch[], units: number): Float64Array {
  const S = batches.reduce((a, b) => a + b.samples, 0);
  const out = new Float64Array(units * S);
  let off = 0;
  for (const b of batches) {
    for (let u = 0; u < units; u++) for (let s = 0; s < b.samples; s++) out[u * S + off + s] = b.data[u * b.samples + s]!;
    off += b.samples;
  }
  return out;
}

/** Reads a whole layer and returns it unit-major, with the batch sizes. */
export async function readLayer(src: NetSource, layer: string, batchSamples: number, limitSamples?: number) {
  const batches = await collect(src.readBatches(layer, { batchSamples, limitSamples }));
  const units = batches[0]?.units ?? 0;
  return { batches, units, data: concatBatches(batches, units), sizes: batches.map((b) => b.samples) };
}

// ---- a tiny zip writer ----------------------------------------------------------------------------

export interface ZipEntrySpec {
  name: string;
  /** The uncompressed content, as one array or as chunks (written without holding them all). */
  data: Uint8Array | (() => Iterable<Uint8Array>);
  method: 0 | 8;
  /** Write this uncompressed size into the directory instead of the real one. */
  lieUncompressedSize?: number;
  /** Write this CRC-32 into the directory instead of the real one. */
  lieCrc?: number;
  /** Cut this many bytes off the end of the compressed data (a broken deflate stream). */
  chopCompressed?: number;
}

interface ZipEntryFields {
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  nameLength: number;
}

/**
 * The fields a local file header (at 4) and its central directory record (at 6) share, in the same
 * order: version needed, flags (UTF-8 names), method, time and date (0), CRC-32, sizes, name length.
 */
function putEntryFields(b: Buffer, at: number, f: ZipEntryFields): void {
  b.writeUInt16LE(20, at);
  b.writeUInt16LE(0x0800, at + 2);
  b.writeUInt16LE(f.method, at + 4);
  b.writeUInt32LE(f.crc, at + 10);
  b.writeUInt32LE(f.compressedSize, at + 14);
  b.writeUInt32LE(f.size, at + 18);
  b.writeUInt16LE(f.nameLength, at + 22);
}

/** Writes a (non-zip64) zip archive; sizes and CRCs are computed while streaming the data. */
export function writeZip(path: string, entries: ZipEntrySpec[]): void {
  const fd = openSync(path, 'w');
  let pos = 0;
  const put = (b: Uint8Array) => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off, pos + off);
    pos += b.length;
  };
  const central: Buffer[] = [];
  try {
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const headerAt = pos;
      const local = Buffer.alloc(30 + name.length);
      put(local); // placeholder, rewritten below
      let crc = 0;
      let size = 0;
      let csize = 0;
      // Each chunk is deflated on its own with a sync flush (the last one with finish): the
      // concatenation is one valid raw deflate stream, made without holding all the data.
      const it = (e.data instanceof Uint8Array ? [e.data] : e.data())[Symbol.iterator]();
      let cur = it.next();
      let any = false;
      while (!cur.done) {
        const c = cur.value;
        const nxt = it.next();
        any = true;
        crc = crc32(c, crc);
        size += c.length;
        const p = e.method === 0 ? c : deflateRawSync(c, { finishFlush: nxt.done ? zc.Z_FINISH : zc.Z_SYNC_FLUSH });
        put(p);
        csize += p.length;
        cur = nxt;
      }
      if (e.method === 8 && !any) {
        const p = deflateRawSync(new Uint8Array(0));
        put(p);
        csize += p.length;
      }
      if (e.chopCompressed) {
        pos -= e.chopCompressed;
        csize -= e.chopCompressed;
      }
      const realCrc = crc >>> 0;
      const dirCrc = (e.lieCrc ?? realCrc) >>> 0;
      const dirSize = e.lieUncompressedSize ?? size;
      const fields: ZipEntryFields = { method: e.method, crc: dirCrc, compressedSize: csize, size: dirSize, nameLength: name.length };
      local.writeUInt32LE(0x04034b50, 0);
      putEntryFields(local, 4, fields);
      name.copy(local, 30);
      writeSync(fd, local, 0, local.length, headerAt);
      const cd = Buffer.alloc(46 + name.length);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4); // version made by
      putEntryFields(cd, 6, fields);
      cd.writeUInt32LE(headerAt, 42);
      name.copy(cd, 46);
      central.push(cd);
    }
    const cdStart = pos;
    for (const c of central) put(c);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(entries.length, 8);
    eocd.writeUInt16LE(entries.length, 10);
    eocd.writeUInt32LE(pos - cdStart, 12);
    eocd.writeUInt32LE(cdStart, 16);
    put(eocd);
    ftruncateSync(fd, pos);
  } finally {
    closeSync(fd);
  }
}

// ---- memory ----------------------------------------------------------------------------------------

let gcFn: (() => void) | null = null;
/** A callable `gc()`, exposed at run time (works without --expose-gc on the command line). */
export function getGc(): () => void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  return gcFn;
}

export function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
