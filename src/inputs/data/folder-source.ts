// A folder of PNG/JPEG images (src/inputs/data/folder.ts gives the order and classes) as an ImageSource.
// Each batch reads its files concurrently and decodes them synchronously; an image that cannot be
// read or decoded is skipped and listed in the batch, or is fatal, as `onBadImage` says. An image
// that decodes but does not fit the model (channels) is always an error: that is a setting, not
// a bad file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBatchArgs, checkBatchStart, newBatch, prefetchedBatches, trimBatch } from './batches.js';
import { decodeImage } from './decode.js';
import { listImages } from './folder.js';
import type { RawImage } from './image.js';
import { checkItemShape, preprocessInto, resolvePreprocess } from './preprocess.js';
import type { ImageBatch, ImageSource, OpenImageSourceOptions } from './source.js';
import { parseRange } from './split.js';

/** An image file that cannot be read or decoded (as opposed to a setting that does not fit it). */
class BadImageError extends Error {}

export async function openFolderSource(path: string, options: OpenImageSourceOptions): Promise<ImageSource> {
  const itemShape = checkItemShape(options.itemShape);
  const prep = resolvePreprocess(itemShape, options.preprocess);
  const onBad = options.onBadImage ?? 'skip';
  const listing = await listImages(path);
  if (listing.files.length === 0) throw new Error(`${path}: no PNG or JPEG images in the folder tree`);
  const [start, end] = options.split ? parseRange(options.split, listing.files.length, {}, path) : [0, listing.files.length];
  const files = listing.files.slice(start, end).map((f) => join(listing.root, f));
  const count = files.length;
  const itemSize = itemShape[0] * itemShape[1] * itemShape[2];

  const check = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`${path}: item ${index} is outside 0..${count - 1}`);
  };
  /** Reads and decodes one file; a BadImageError's message is the reason alone. */
  const load = async (file: string): Promise<RawImage> => {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new BadImageError(`cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      return decodeImage(bytes, options.decodeLimits);
    } catch (error) {
      throw new BadImageError((error as Error).message);
    }
  };
  const read = async (from: number, to: number): Promise<ImageBatch> => {
    const batch = newBatch(to - from, itemSize);
    // Each image is preprocessed into its own slot as soon as it is decoded, so only one decoded
    // image at a time is alive however large the images and the batch.
    const results = await Promise.allSettled(
      files.slice(from, to).map(async (file, k) => preprocessInto(await load(file), itemShape, prep, batch.data, k * itemSize, file)),
    );
    results.forEach((result, k) => {
      const index = from + k;
      const file = files[index]!;
      if (result.status === 'rejected') {
        // Anything but a bad file (e.g. a channel count the model does not take) is always fatal.
        if (!(result.reason instanceof BadImageError)) throw result.reason;
        if (onBad === 'fail') throw new Error(`${file}: ${result.reason.message}`);
        batch.skipped.push({ index, path: file, reason: result.reason.message });
        return;
      }
      if (batch.n !== k) batch.data.copyWithin(batch.n * itemSize, k * itemSize, (k + 1) * itemSize);
      batch.indices[batch.n++] = index;
    });
    return trimBatch(batch, itemSize);
  };

  return {
    count,
    itemShape,
    ...(listing.labels ? { labels: listing.labels.slice(start, end), classNames: listing.classes, classFolders: listing.classes } : {}),
    describe(index) {
      check(index);
      return files[index]!;
    },
    batches(batchSize, batchOptions) {
      const total = checkBatchArgs(path, count, batchSize, batchOptions);
      return prefetchedBatches(total, batchSize, read, checkBatchStart(path, batchOptions, total));
    },
    async readItem(index) {
      check(index);
      const file = files[index]!;
      let image: RawImage;
      try {
        image = await load(file);
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`);
      }
      const out = new Float32Array(itemSize);
      preprocessInto(image, itemShape, prep, out, 0, file);
      return out;
    },
    async close() {},
  };
}
