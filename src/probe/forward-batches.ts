// The batch loop of a probe from ONNX models, shared by the CLI's probe
// (src/probe/forward-probe-run.ts) and the web page's (src/study/probe.ts): each batch of images
// either to the device engine, which reduces it where it ran, or through the host's forward
// passes with one batch in flight (the forward pass of batch k + 1 runs, on the workers, while
// batch k is reduced). What is done with a batch is the caller's. Browser-safe.
import type { ForwardEngine } from '../forward/engine.js';
import type { DeviceBatch } from '../forward/webgpu/device-engine.js';
import type { ImageBatch } from '../inputs/data/source.js';
import type { LayerAccumulator } from './layer-accumulator.js';
import type { TopKUnits } from './reducers/topk.js';

export interface ForwardBatchSteps {
  /** The device path: the whole batch (forward pass and reduction) there. Without it, `engine`. */
  onDevice?: (batch: ImageBatch) => Promise<void>;
  engine?: ForwardEngine;
  /** A batch's captured tensors from the host's forward pass (per net, per capture). */
  reduce(batch: ImageBatch, captured: Float32Array[][]): Promise<void>;
  /** A batch whose every image was skipped (unreadable): it still counts as visited, in order. */
  empty(batch: ImageBatch): Promise<void>;
}

/** Runs every batch of `batches` through `steps`, in order. */
export async function forEachForwardBatch(batches: AsyncIterable<ImageBatch>, steps: ForwardBatchSteps): Promise<void> {
  let inFlight: { batch: ImageBatch; captured: Promise<Float32Array[][]> } | undefined;
  try {
    for await (const batch of batches) {
      if (batch.n === 0) {
        if (inFlight) {
          await steps.reduce(inFlight.batch, await inFlight.captured);
          inFlight = undefined;
        }
        await steps.empty(batch);
        continue;
      }
      if (steps.onDevice) {
        await steps.onDevice(batch);
        continue;
      }
      if (!steps.engine) throw new Error('a probe batch loop with neither a device engine nor a forward engine');
      const next = { batch, captured: steps.engine.forward(batch.data, batch.n) };
      next.captured.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      if (inFlight) await steps.reduce(inFlight.batch, await inFlight.captured);
      inFlight = next;
    }
    if (inFlight) await steps.reduce(inFlight.batch, await inFlight.captured);
  } finally {
    // On an error, let a forward pass still running finish before the engine is disposed.
    await inFlight?.captured.catch(() => {});
  }
}

/** A batch the device reduced (per layer its moments, per net its items' maxima), into the layers' moments and top-k. */
export function addDeviceBatch(reduced: DeviceBatch, batch: ImageBatch, moments: readonly (LayerAccumulator | undefined)[], tops: readonly TopKUnits[][]): void {
  for (let li = 0; li < moments.length; li++) {
    moments[li]!.addMoments(reduced.moments[li]);
    tops[li].forEach((t, k) => t.addMaxima(reduced.maxima[li][k].values, reduced.maxima[li][k].positions, batch.indices, 'unit-major'));
  }
}

/** Adds to each net's count the images of the batch whose predicted class (argmax of its output) is the label. */
export function countCorrect(predictions: readonly (ArrayLike<number> | undefined)[], labels: ArrayLike<number>, batch: ImageBatch, correct: number[]): void {
  predictions.forEach((predicted, k) => {
    if (predicted) for (let i = 0; i < batch.n; i++) if (predicted[i] === labels[batch.indices[i]]) correct[k]++;
  });
}
