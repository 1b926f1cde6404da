import { open } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseNpyHeader } from '../../../src/inputs/npy/npy-header.js';
import { encodeNpy } from '../../../src/run-dir/npy-write.js';
import { NpzError, checkEntryReadable, listNpz, readEntryPrefix, streamEntry, type NpzEntry } from '../../../src/inputs/npy/npz.js';
import { expected, fixture, makeTmpDir, openFdsUnder, writeZip } from '../../helpers/io.js';

const tmp = makeTmpDir();
afterAll(() => tmp.cleanup());

async function entryBytes(path: string, entry: NpzEntry, chunkBytes?: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const parts: Buffer[] = [];
    for await (const c of streamEntry(fh, path, entry, { chunkBytes })) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  } finally {
    await fh.close();
  }
}

function valuesOf(npy: Buffer): number[] {
  const h = parseNpyHeader(npy);
  const body = npy.subarray(h.dataOffset);
  const copy = new Uint8Array(body).buffer;
  return Array.from(h.descr === '<f8' ? new Float64Array(copy) : new Float32Array(copy));
}

describe('listNpz and streamEntry on NumPy archives', () => {
  test.each([
    ['savez.npz', 0],
    ['savez_compressed.npz', 8],
    ['zip64.npz', 0],
    ['zip64_compressed.npz', 8],
  ])('%s', async (name, method) => {
    const path = fixture(name);
    const idx = await listNpz(path);
    expect(idx.fileSize).toBe(readFileSync(path).length);
    for (const e of idx.entries) {
      expect(e.compressionMethod).toBe(method);
      expect(e.encrypted).toBe(false);
      const bytes = await entryBytes(path, e, 7); // tiny read chunks on purpose
      expect(bytes.length).toBe(e.uncompressedSize);
      const want = expected[`${name}:${e.name}`]!;
      expect(parseNpyHeader(bytes).shape).toEqual(want.shape);
      expect(valuesOf(bytes)).toEqual(want.values);
    }
    expect(idx.entries.map((e) => e.name).sort()).toEqual(
      Object.keys(expected)
        .filter((k) => k.startsWith(`${name}:`))
        .map((k) => k.slice(name.length + 1))
        .sort(),
    );
    expect(openFdsUnder(path)).toEqual([]);
  });

  test('readEntryPrefix', async () => {
    for (const name of ['savez.npz', 'savez_compressed.npz']) {
      const path = fixture(name);
      const { entries } = await listNpz(path);
      const fh = await open(path, 'r');
      try {
        const full = await entryBytes(path, entries[0]!);
        const p = await readEntryPrefix(fh, path, entries[0]!, 100);
        expect(Buffer.from(p).equals(full.subarray(0, 100))).toBe(true);
        const all = await readEntryPrefix(fh, path, entries[0]!, 1e9);
        expect(all.length).toBe(full.length);
      } finally {
        await fh.close();
      }
    }
  });
});

describe('archives that must be refused', () => {
  test('not a zip', async () => {
    const err = await listNpz(fixture('dense_f32.npy')).catch((e) => e);
    expect(err).toBeInstanceOf(NpzError);
    expect(err.message).toMatch(/dense_f32\.npy: not a valid \.npz \(zip\) archive/);
    expect(openFdsUnder(fixture(''))).toEqual([]);
  });

  test('a cut-off archive (central directory lost)', async () => {
    const p = join(tmp.dir, 'cut.npz');
    const full = readFileSync(fixture('savez.npz'));
    writeFileSync(p, full.subarray(0, full.length - 40));
    await expect(listNpz(p)).rejects.toThrow(/not a valid \.npz \(zip\) archive/);
  });

  test('a deflated entry whose data is shorter than the directory says', async () => {
    const npy = encodeNpy(Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i)), [1000, 4]);
    const p = join(tmp.dir, 'short.npz');
    writeZip(p, [{ name: 'x.npy', data: npy, method: 8, lieUncompressedSize: npy.length + 64 }]);
    const [e] = (await listNpz(p)).entries;
    const err = await entryBytes(p, e!).catch((x) => x);
    expect(err).toBeInstanceOf(NpzError);
    expect(err.message).toContain(`${p}:x.npy: truncated entry: ${npy.length} of ${npy.length + 64} bytes`);
  });

  test('a deflated entry whose data is longer than the directory says', async () => {
    const npy = encodeNpy(new Float32Array(4000), [1000, 4]);
    const p = join(tmp.dir, 'long.npz');
    writeZip(p, [{ name: 'x.npy', data: npy, method: 8, lieUncompressedSize: 200 }]);
    const [e] = (await listNpz(p)).entries;
    await expect(entryBytes(p, e!)).rejects.toThrow(/x\.npy: corrupt entry: inflates to more than the 200 bytes/);
  });

  test('a broken deflate stream', async () => {
    const npy = encodeNpy(Float32Array.from({ length: 4000 }, (_, i) => Math.cos(i)), [1000, 4]);
    const p = join(tmp.dir, 'broken.npz');
    writeZip(p, [{ name: 'x.npy', data: npy, method: 8, chopCompressed: 100 }]);
    const [e] = (await listNpz(p)).entries;
    await expect(entryBytes(p, e!)).rejects.toThrow(/x\.npy: truncated or corrupt deflated entry after \d+ of 16128 bytes/);
  });

  test('a CRC mismatch', async () => {
    const npy = encodeNpy(new Float32Array(8), [2, 4]);
    for (const method of [0, 8] as const) {
      const p = join(tmp.dir, `crc${method}.npz`);
      writeZip(p, [{ name: 'x.npy', data: npy, method, lieCrc: 0x12345678 }]);
      const [e] = (await listNpz(p)).entries;
      await expect(entryBytes(p, e!)).rejects.toThrow(/x\.npy: corrupt entry: CRC-32 0x[0-9a-f]{8} does not match 0x12345678/);
    }
  });

  test('an unknown compression method', async () => {
    const p = join(tmp.dir, 'bzip.npz');
    writeZip(p, [{ name: 'x.npy', data: encodeNpy(new Float32Array(2), [1, 2]), method: 0 }]);
    const bytes = readFileSync(p);
    bytes.writeUInt16LE(12, 8); // local header: method 12 (bzip2)
    const cd = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt16LE(12, cd + 10);
    writeFileSync(p, bytes);
    const [e] = (await listNpz(p)).entries;
    await expect(entryBytes(p, e!)).rejects.toThrow(/x\.npy: unsupported compression method 12/);
  });
});

describe('an encrypted entry (issue 10, item 13)', () => {
  /** savez.npz with the encryption bit (bit 0 of the general-purpose flags) set on every entry, in both headers. */
  function encryptedCopy(): string {
    const bytes = Buffer.from(readFileSync(fixture('savez.npz')));
    for (let i = 0; i + 4 <= bytes.length; i++) {
      const signature = bytes.readUInt32LE(i);
      if (signature === 0x04034b50) bytes[i + 6] |= 1; // local file header: flags at +6
      if (signature === 0x02014b50) bytes[i + 8] |= 1; // central directory header: flags at +8
    }
    const p = join(tmp.dir, 'encrypted.npz');
    writeFileSync(p, bytes);
    return p;
  }

  test('is listed, and refused on reading as encrypted, naming the file and the entry (not "size mismatch")', async () => {
    const p = encryptedCopy();
    const { entries } = await listNpz(p);
    expect(entries.map((e) => e.encrypted)).toEqual([true, true]);
    const fc = entries.find((e) => e.name === 'fc.npy')!;
    expect(() => checkEntryReadable(p, fc)).toThrow(`${p}:fc.npy: entry is encrypted (its zip encryption flag is set); convergent reads unencrypted archives only, as numpy.savez writes them`);
  });
});
