// MNIST (src/inputs/data/mnist.ts) as an ImageSource: one split of the fixed interleaved order (by
// default the held-out digits, 8000:10000, which the nets trained on `train` have not seen),
// preprocessed to the model's input (by default 1 x 28 x 28 grey levels in 0..1, which
// passes the digits through unchanged; other shapes are resized, padded or replicated to RGB).
import { checkBatchArgs, checkBatchStart, newBatch, prefetchedBatches } from './batches.js';
import type { RawImage } from './image.js';
import { loadMnist, MNIST_CLASSES, MNIST_PIXELS, MNIST_SIDE, parseSplit } from './mnist.js';
import { checkItemShape, preprocessInto, resolvePreprocess } from './preprocess.js';
import type { ImageBatch, ImageSource, OpenImageSourceOptions } from './source.js';

export async function openMnistSource(options: OpenImageSourceOptions): Promise<ImageSource> {
  const itemShape = checkItemShape(options.itemShape);
  const prep = resolvePreprocess(itemShape, options.preprocess);
  const mnist = await loadMnist();
  const [start, end] = parseSplit(options.split ?? 'heldout');
  const count = end - start;
  const itemSize = itemShape[0] * itemShape[1] * itemShape[2];
  const labels = Int32Array.from(mnist.labels.subarray(start, end));
  const image = (index: number): RawImage => {
    const at = (start + index) * MNIST_PIXELS;
    return { width: MNIST_SIDE, height: MNIST_SIDE, channels: 1, data: mnist.images.subarray(at, at + MNIST_PIXELS), maxValue: 1 };
  };
  const describe = (index: number) => `mnist #${start + index}`;
  const check = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`mnist: item ${index} is outside 0..${count - 1}`);
  };
  // Items are preprocessed synchronously; a wrong channel count throws on the first one.
  const read = async (from: number, to: number): Promise<ImageBatch> => {
    const batch = newBatch(to - from, itemSize);
    for (let i = from; i < to; i++) {
      preprocessInto(image(i), itemShape, prep, batch.data, batch.n * itemSize, describe(i));
      batch.indices[batch.n++] = i;
    }
    return batch;
  };
  return {
    count,
    itemShape,
    labels,
    classNames: Array.from({ length: MNIST_CLASSES }, (_, d) => String(d)),
    describe(index) {
      check(index);
      return describe(index);
    },
    batches(batchSize, batchOptions) {
      const total = checkBatchArgs('mnist', count, batchSize, batchOptions);
      return prefetchedBatches(total, batchSize, read, checkBatchStart('mnist', batchOptions, total));
    },
    async readItem(index) {
      check(index);
      const out = new Float32Array(itemSize);
      preprocessInto(image(index), itemShape, prep, out, 0, describe(index));
      return out;
    },
    async close() {},
  };
}
