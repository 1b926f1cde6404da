// Checking a layer's .npy header: float32/float64, C order, rank 2 or 4, units, enough data bytes.
// A header that passes becomes the layer's LayerInfo.

import { endianness } from 'node:os';
import { describeDtype, shapeRepr, type NpyByteOrder, type NpyHeader } from '../npy/npy-header.js';
import type { NetErrorContext } from './errors.js';
import type { LayerInfo } from './types.js';

/** Whether this machine stores numbers little-endian (big-endian data is byte-swapped on read). */
export const HOST_LITTLE = endianness() === 'LE';

export interface ValidatedHeader {
  header: NpyHeader;
  units: number;
  items: number;
  samplesPerItem: number;
  dtype: 'float32' | 'float64';
  bytesPerValue: 4 | 8;
  byteOrder: NpyByteOrder;
  dataBytes: number;
}

export function validateHeader(ctx: NetErrorContext, source: string, layer: string, header: NpyHeader, availableBytes: number): ValidatedHeader {
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

export function makeInfo(name: string, source: string, v: ValidatedHeader): LayerInfo {
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
