// Scoring a trained net: accuracy and mean loss over a range of items, through the WASM trainer's
// forward pass (the same code that reports held-out accuracy during training).
import type { NetSpec } from './model.js';
import { createWasmTrainer } from './wasm-trainer.js';

export { argmaxRows } from '../util/argmax.js';

export interface Evaluation {
  accuracy: number;
  loss: number;
  correct: number;
  count: number;
}

/** Argmax accuracy (first maximum on ties) and mean cross-entropy of items [begin, end). */
export async function evaluateNet(spec: NetSpec, params: Float32Array, images: Float32Array, labels: ArrayLike<number>, range: [number, number], batch = 256): Promise<Evaluation> {
  const [begin, end] = range;
  if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin < end && end * spec.layers[0].inSize <= images.length)) {
    throw new Error(`evaluate: range [${begin}, ${end}) is empty or outside the ${images.length / spec.layers[0].inSize} items`);
  }
  const core = await createWasmTrainer(spec, Math.min(batch, end - begin));
  core.setParams(params);
  const r = core.evaluate(images, labels, begin, end);
  return { accuracy: r.correct / r.count, loss: r.lossSum / r.count, correct: r.correct, count: r.count };
}

/** Logits (n x classes) of items [begin, end). */
export async function netLogits(spec: NetSpec, params: Float32Array, images: Float32Array, range: [number, number], batch = 256): Promise<Float32Array> {
  const core = await createWasmTrainer(spec, Math.min(batch, range[1] - range[0]));
  core.setParams(params);
  return core.logits(images, range[0], range[1]);
}
