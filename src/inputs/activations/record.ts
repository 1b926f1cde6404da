// What opening a net learns about each layer and reading it needs: where its data lies and how.

import type { NpyByteOrder } from '../npy/npy-header.js';
import type { NpzEntry } from '../npy/npz.js';
import type { LayerInfo } from './types.js';

export interface LayerRecord {
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

/**
 * Adds the layer made by `make` to the net, or (with `skipInvalidLayers`) lists it as rejected;
 * the openers of directories and archives call it once per candidate layer.
 */
export type AdmitLayer = (layer: string, source: string, make: () => Promise<LayerRecord>) => Promise<void>;

/** `conv1.npy` -> `conv1`; `features/0.npy` -> `features/0`. */
export function layerNameFromFile(file: string): string {
  return file.replace(/\.npy$/i, '');
}
