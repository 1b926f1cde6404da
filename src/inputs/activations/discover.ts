// Opening a net: finds its layers (a directory of .npy files or an .npz archive), checks every
// layer's header up front, and returns a source that reads them. Holds no file open.

import { stat } from 'node:fs/promises';
import { NetErrorContext, headerError } from './errors.js';
import { admitDirectoryLayers } from './open-directory.js';
import { admitNpzLayers, checkLooksLikeNpz } from './open-npz.js';
import type { AdmitLayer, LayerRecord } from './record.js';
import { FileNetSourceImpl } from './source.js';
import type { FileNetSource, OpenNetSourceOptions, RejectedLayer } from './types.js';

/**
 * Opens a net: a directory of `<layer>.npy` files (layers in natural name order) or an `.npz`
 * archive (layers in archive order). Reads every layer's header up front; holds no file open.
 */
export async function openNetSource(name: string, path: string, options: OpenNetSourceOptions = {}): Promise<FileNetSource> {
  const ctx = new NetErrorContext(name, path);
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
  const admit: AdmitLayer = async (layer, source, make) => {
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
    await admitDirectoryLayers(ctx, path, admit);
  } else if (st.isFile()) {
    await checkLooksLikeNpz(ctx, path);
    kind = 'npz';
    await admitNpzLayers(ctx, path, admit);
  } else {
    throw ctx.err('NOT_A_NET', path, undefined, 'is neither a directory of <layer>.npy files nor an .npz archive');
  }
  if (records.length === 0) {
    const why = rejected.map((r) => r.error.message).join('; ');
    throw ctx.err('NO_LAYERS', path, undefined, `no usable layers: ${why}`);
  }
  return new FileNetSourceImpl(ctx, kind, records, rejected);
}
