// Images held by the page as an ImageSource (src/inputs/data/source.ts): the built-in MNIST digits
// or files the user chose, each decoded only when its batch is read, so that no more than one
// batch of decoded images is alive at a time (as in Node's folder source). Browser-safe.
import { decodeImage } from '../inputs/data/decode.js';
import type { RawImage } from '../inputs/data/image.js';
import { checkItemShape, preprocessInto, resolvePreprocess, type PreprocessOptions } from '../inputs/data/preprocess.js';
import type { ImageBatch, ImageSource } from '../inputs/data/source.js';

export interface LazyImages {
  count: number;
  /** What item `index` is, for the log and the manifest (a file's path, 'mnist #i'). */
  describe(index: number): string;
  /** Item `index`, decoded. */
  read(index: number): Promise<RawImage>;
  labels?: Int32Array;
  classNames?: string[];
  /** The class folders, when the classes are a folder tree's first-level sub-folders (as the CLI's folder source). */
  classFolders?: string[];
}

/** `images` preprocessed to `itemShape` (defaults from the shape, as the CLI's). A bad image is an error naming it. */
export function lazyImageSource(images: LazyImages, itemShape: readonly number[], preprocess: Partial<PreprocessOptions> = {}): ImageSource {
  const shape = checkItemShape(itemShape);
  const prep = resolvePreprocess(shape, preprocess);
  const itemSize = shape[0] * shape[1] * shape[2];
  const check = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= images.count) throw new Error(`item ${index} is outside 0..${images.count - 1}`);
  };
  const readInto = async (index: number, out: Float32Array, offset: number) => {
    let image: RawImage;
    try {
      image = await images.read(index);
    } catch (error) {
      throw new Error(`${images.describe(index)}: ${(error as Error).message}`);
    }
    preprocessInto(image, shape, prep, out, offset, images.describe(index));
  };
  return {
    count: images.count,
    itemShape: shape,
    ...(images.labels ? { labels: images.labels } : {}),
    ...(images.classNames ? { classNames: images.classNames } : {}),
    ...(images.classFolders ? { classFolders: images.classFolders } : {}),
    describe(index) {
      check(index);
      return images.describe(index);
    },
    async *batches(batchSize, options = {}) {
      const end = Math.min(images.count, options.limit ?? images.count);
      for (let start = options.start ?? 0; start < end; start += batchSize) {
        const n = Math.min(batchSize, end - start);
        const batch: ImageBatch = { data: new Float32Array(n * itemSize), n, indices: new Int32Array(n), skipped: [] };
        for (let k = 0; k < n; k++) {
          await readInto(start + k, batch.data, k * itemSize);
          batch.indices[k] = start + k;
        }
        yield batch;
      }
    },
    async readItem(index) {
      check(index);
      const out = new Float32Array(itemSize);
      await readInto(index, out, 0);
      return out;
    },
    async close() {},
  };
}

/** MNIST digits held as float32 grey levels in 0..1 (count x 28 x 28), `first` their index in the fixed order. */
export function mnistImages(pixels: Float32Array, labels: Uint8Array, first: number): LazyImages {
  const side = 28;
  const size = side * side;
  const count = labels.length;
  if (pixels.length !== count * size) throw new Error(`MNIST subset: ${pixels.length} grey levels for ${count} digits (expected ${count * size})`);
  return {
    count,
    describe: (index) => `mnist #${first + index}`,
    read: async (index) => ({ width: side, height: side, channels: 1, data: pixels.subarray(index * size, (index + 1) * size), maxValue: 1 }),
    labels: Int32Array.from(labels),
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
  };
}

/** Image files (PNG or JPEG bytes on demand), in the order given; `classes`: the class folders and each file's label. */
export function fileImages(files: { path: string; bytes: () => Promise<Uint8Array> }[], classes?: { names: string[]; labels: Int32Array }): LazyImages {
  return {
    count: files.length,
    describe: (index) => files[index].path,
    read: async (index) => decodeImage(await files[index].bytes()),
    ...(classes ? { labels: classes.labels, classNames: classes.names, classFolders: classes.names } : {}),
  };
}
