// The issue's acceptance check: a LeNet trained with the default recipe for 4 epochs on the 8,000
// training digits scores at least 97 % on the 2,000 held-out digits, and onnxruntime scores the
// exported model on them exactly as convergent does. About 20 s of training on one core, 10 s on a pair of workers.
import { expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mnistTrainData } from '../../src/train/data.js';
import { exportOnnx } from '../../src/train/export.js';
import { argmaxRows } from '../../src/train/evaluate.js';
import { TRAIN_DEFAULTS } from '../../src/train/options.js';
import { trainNets } from '../../src/train/train.js';

it('LeNet, 4 epochs on the 8,000 MNIST digits: >= 97 % held out, and onnxruntime agrees', async () => {
  const data = await mnistTrainData();
  const t0 = performance.now();
  const [net] = await trainNets(data, TRAIN_DEFAULTS, [1], { backend: 'wasm' });
  const seconds = (performance.now() - t0) / 1000;
  const last = net.history.at(-1)!;
  const trainSeconds = net.history.reduce((s, h) => s + h.trainSeconds, 0);
  console.info(
    `LeNet seed 1: ${net.history.map((h) => `epoch ${h.epoch} loss ${h.loss.toFixed(4)} held-out ${(100 * h.heldOutAccuracy).toFixed(2)}%`).join('; ')}; ` +
      `${seconds.toFixed(1)} s in all, ${Math.round((4 * 8000) / trainSeconds)} training images/s`,
  );
  expect(net.history).toHaveLength(4);
  expect(last.heldOutAccuracy).toBeGreaterThanOrEqual(0.97);
  // The loss falls epoch after epoch.
  for (let e = 1; e < 4; e++) expect(net.history[e].loss).toBeLessThan(net.history[e - 1].loss);

  const [h0, h1] = data.heldOut;
  const session = await ort.InferenceSession.create(exportOnnx(net.spec, net.params));
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data.images.slice(h0 * 784, h1 * 784), [h1 - h0, 1, 28, 28]) };
    const logits = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const predicted = argmaxRows(logits, 10);
    const correct = predicted.reduce((s, p, i) => s + (p === data.labels[h0 + i] ? 1 : 0), 0);
    expect(correct / (h1 - h0)).toBe(last.heldOutAccuracy);
  } finally {
    await session.release();
  }
}, 300_000);
