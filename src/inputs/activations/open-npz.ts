// The layers of a net stored as an .npz archive (one `<layer>.npy` entry per layer, in archive
// order). Stored entries are later read at file offsets like a .npy; deflated ones as a stream.

import { open } from 'node:fs/promises';
import { NPY_PREFIX_MAX, npyHeaderLength, parseNpyHeader, type NpyHeader } from '../npy/npy-header.js';
import { NpzError, checkEntryReadable, listNpz, readEntryPrefix, type NpzEntry } from '../npy/npz.js';
import type { NetErrorContext } from './errors.js';
import { readFully, readHeaderAt } from './header-at.js';
import { layerNameFromFile, type AdmitLayer, type LayerRecord } from './record.js';
import { makeInfo, validateHeader } from './validate.js';

/** Refuses a file that is neither a zip archive nor named `.npz` (with a hint for a lone .npy). */
export async function checkLooksLikeNpz(ctx: NetErrorContext, path: string): Promise<void> {
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
}

/** The `.npy` entries of the archive; refuses an unreadable archive or one with no such entry. */
async function npyEntries(ctx: NetErrorContext, path: string): Promise<NpzEntry[]> {
  let index;
  try {
    index = await listNpz(path);
  } catch (e) {
    if (e instanceof NpzError) throw ctx.err('BAD_ARCHIVE', e.entry !== undefined ? `${path}:${e.entry}` : path, undefined, e.reason, e);
    throw ctx.err('IO', path, undefined, (e as Error).message, e);
  }
  const entries = index.entries.filter((e) => /\.npy$/i.test(e.name) && !e.name.endsWith('/'));
  if (entries.length === 0) {
    const shown = index.entries.slice(0, 10).map((e) => `'${e.name}'`);
    const listing = index.entries.length ? `; its entries: ${shown.join(', ')}${index.entries.length > 10 ? ', ...' : ''}` : ' (the archive is empty)';
    throw ctx.err('NO_LAYERS', path, undefined, `archive has no .npy entries${listing}`);
  }
  return entries;
}

export async function admitNpzLayers(ctx: NetErrorContext, path: string, admit: AdmitLayer): Promise<void> {
  const entries = await npyEntries(ctx, path);
  const seen = new Set<string>();
  const afh = await open(path, 'r');
  try {
    for (const entry of entries) {
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
}
