// A ready (N, C, H, W) float32 or float64 tensor in an .npy file as an ImageSource, used as it is
// (no preprocessing). It is streamed: each batch reads its own byte range, so a file larger than
// memory works, and only the header is read when the source is opened.
import { open, type FileHandle } from 'node:fs/promises';
import { shapeRepr } from '../npy/npy-header.js';
import { readFully, readHeaderAt } from '../activations/header-at.js';
import { checkBatchArgs, checkBatchStart, prefetchedBatches } from './batches.js';
import { checkItemShape } from './preprocess.js';
import type { ImageBatch, ImageSource, OpenImageSourceOptions } from './source.js';
import { parseRange } from './split.js';

const DTYPES: Record<string, number> = { '<f4': 4, '<f8': 8 };

export async function openNpySource(path: string, options: OpenImageSourceOptions): Promise<ImageSource> {
  const itemShape = checkItemShape(options.itemShape);
  const given = Object.entries(options.preprocess ?? {}).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (given.length > 0) throw new Error(`${path}: an .npy tensor is used as it is; preprocessing options (${given.join(', ')}) do not apply to it`);
  const fh = await open(path, 'r');
  try {
    const { dataOffset, itemBytes, count: fileCount, dtypeSize } = await readHeader(fh, path, itemShape);
    const [start, end] = options.split ? parseRange(options.split, fileCount, {}, path) : [0, fileCount];
    const count = end - start;
    const itemSize = itemShape[0] * itemShape[1] * itemShape[2];
    let closed = false;

    /** Items [from, to) of the split as float32. */
    const readItems = async (from: number, to: number): Promise<Float32Array> => {
      if (closed) throw new Error(`${path}: the source is closed`);
      const n = to - from;
      const bytes = new Uint8Array(n * itemBytes);
      const position = dataOffset + (start + from) * itemBytes;
      const done = await readFully(fh, bytes, position);
      if (done < bytes.length) throw new Error(`${path}: file ends at byte ${position + done} inside item ${start + from + Math.floor(done / itemBytes)}`);
      const values = dtypeSize === 4 ? new Float32Array(bytes.buffer, 0, n * itemSize) : new Float64Array(bytes.buffer, 0, n * itemSize);
      checkFinite(values, path, start + from, itemShape);
      return values instanceof Float32Array ? values : Float32Array.from(values);
    };
    const check = (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`${path}: item ${index} is outside 0..${count - 1}`);
    };
    const read = async (from: number, to: number): Promise<ImageBatch> => ({
      data: await readItems(from, to),
      n: to - from,
      indices: Int32Array.from({ length: to - from }, (_, k) => from + k),
      skipped: [],
    });
    return {
      count,
      itemShape,
      describe(index) {
        check(index);
        return `${path} #${start + index}`;
      },
      batches(batchSize, batchOptions) {
        const total = checkBatchArgs(path, count, batchSize, batchOptions);
        return prefetchedBatches(total, batchSize, read, checkBatchStart(path, batchOptions, total));
      },
      async readItem(index) {
        check(index);
        return readItems(index, index + 1);
      },
      async close() {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  } catch (error) {
    await fh.close();
    throw error;
  }
}

async function readHeader(fh: FileHandle, path: string, itemShape: [number, number, number]) {
  const size = (await fh.stat()).size;
  let header;
  try {
    header = (await readHeaderAt(fh, 0, size)).header;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const dtypeSize = DTYPES[header.descr];
  if (!dtypeSize) throw new Error(`${path}: dtype ${header.descr} is not float32 (<f4) or float64 (<f8)`);
  if (header.fortranOrder) throw new Error(`${path}: Fortran-order arrays are not supported (save a C-order array)`);
  const [c, h, w] = itemShape;
  // (N, H, W) is accepted for a one-channel model.
  const shape = header.shape.length === 3 && c === 1 ? [header.shape[0]!, 1, header.shape[1]!, header.shape[2]!] : header.shape;
  if (shape.length !== 4 || shape[1] !== c || shape[2] !== h || shape[3] !== w) {
    throw new Error(`${path}: tensor of shape ${shapeRepr(header.shape)} does not match the model input: expected (N, ${c}, ${h}, ${w})`);
  }
  const count = shape[0]!;
  if (count === 0) throw new Error(`${path}: tensor of shape ${shapeRepr(header.shape)} holds no items`);
  const itemBytes = c * h * w * dtypeSize;
  const need = header.dataOffset + count * itemBytes;
  if (size < need) throw new Error(`${path}: truncated: shape ${shapeRepr(header.shape)} needs ${need} bytes, the file has ${size}`);
  return { dataOffset: header.dataOffset, itemBytes, count, dtypeSize };
}

/**
 * A NaN or infinite pixel (or a float64 value beyond float32's range) would surface as a unit's
 * NaN activation deep in the probe; it is named here as what it is: a value of an input image.
 */
function checkFinite(values: Float32Array | Float64Array, path: string, firstItem: number, [c, h, w]: [number, number, number]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.abs(v) <= 3.4028234663852886e38) continue; // finite and representable in float32 (NaN fails too)
    const item = Math.floor(i / (c * h * w));
    const within = i % (c * h * w);
    const place = `channel ${Math.floor(within / (h * w))}, row ${Math.floor((within % (h * w)) / w)}, column ${within % w}`;
    const what = Number.isFinite(v) ? `${v}, beyond the float32 range the nets compute in` : String(v);
    throw new Error(`${path}: image #${firstItem + item} has ${what} at ${place}; input images must be finite`);
  }
}
