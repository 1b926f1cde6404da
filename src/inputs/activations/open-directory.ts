// The layers of a net stored as a directory of `<layer>.npy` files, in natural name order
// (conv2 before conv10). Each file's header is read and checked; no file stays open.

import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetErrorContext } from './errors.js';
import { readHeaderAt } from './header-at.js';
import { layerNameFromFile, type AdmitLayer, type LayerRecord } from './record.js';
import { makeInfo, validateHeader } from './validate.js';

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The regular `.npy` files of `path` (a dangling link is not a layer), naturally sorted. */
async function npyFiles(path: string): Promise<string[]> {
  const names = (await readdir(path)).filter((f) => /\.npy$/i.test(f)).sort(naturalCompare);
  const files: string[] = [];
  for (const f of names) {
    try {
      if ((await stat(join(path, f))).isFile()) files.push(f);
    } catch {
      /* a dangling link: not a layer */
    }
  }
  return files;
}

export async function admitDirectoryLayers(ctx: NetErrorContext, path: string, admit: AdmitLayer): Promise<void> {
  const files = await npyFiles(path);
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
}
