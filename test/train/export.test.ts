// The exported ONNX model: onnxruntime-node loads it and scores the held-out digits exactly as
// convergent's own evaluation does; it decodes back to the same graph, with the probe's default
// layers conv1, conv2, fc1; the batch dimension is symbolic.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { decodeOnnx } from '../../src/inputs/onnx/decode.js';
import { defaultLayers } from '../../src/inputs/onnx/layers.js';
import { exportOnnx, toOnnxModel } from '../../src/train/export.js';
import { argmaxRows, evaluateNet, netLogits } from '../../src/train/evaluate.js';
import { TRAIN_DEFAULTS } from '../../src/train/options.js';
import { trainNet } from '../../src/train/train.js';
import { buildNet } from '../../src/train/model.js';
import { mnistSubset, randomParams, smallNet } from './nets.js';

async function ortLogits(bytes: Uint8Array, images: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', images, dims) });
    return new Float32Array(out[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}

describe('ONNX export', async () => {
  const data = await mnistSubset(1000, 500);

  it('onnxruntime scores a trained LeNet on the held-out digits exactly as convergent does', async () => {
    const net = await trainNet(data, { ...TRAIN_DEFAULTS, epochs: 3, seed: 3 }, { backend: 'wasm' });
    const bytes = exportOnnx(net.spec, net.params);
    const [h0, h1] = data.heldOut;
    const images = data.images.slice(h0 * 784, h1 * 784);
    const ours = await evaluateNet(net.spec, net.params, data.images, data.labels, data.heldOut);
    expect(ours.accuracy).toBeCloseTo(net.history.at(-1)!.heldOutAccuracy, 12);
    const theirs = await ortLogits(bytes, images, [h1 - h0, 1, 28, 28]);
    const mine = await netLogits(net.spec, net.params, data.images, data.heldOut);
    let scale = 1;
    for (const v of theirs) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i] - theirs[i])).toBeLessThanOrEqual(1e-4 * scale);
    const predicted = argmaxRows(theirs, 10);
    const correct = predicted.reduce((s, p, i) => s + (p === data.labels[h0 + i] ? 1 : 0), 0);
    expect(correct).toBe(ours.correct);
    expect(Array.from(predicted)).toEqual(Array.from(argmaxRows(mine, 10)));
    // A trained net, not chance: three epochs on 1000 digits.
    expect(ours.accuracy).toBeGreaterThan(0.8);
  });

  it('padding, strides and overlapping pools export faithfully (a small custom net)', async () => {
    const spec = smallNet();
    const params = randomParams(spec, 2);
    const n = 5;
    const images = Float32Array.from({ length: n * spec.layers[0].inSize }, (_, i) => Math.sin(i));
    const theirs = await ortLogits(exportOnnx(spec, params), images, [n, ...spec.inputShape]);
    const mine = await netLogits(spec, params, images, [0, n]);
    for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i] - theirs[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(theirs[i])));
  });

  it('decodes to the same graph; default layers conv1, conv2, fc1; symbolic batch', () => {
    const spec = buildNet({ arch: 'lenet', width: 2, inputShape: [1, 28, 28], classes: 10 });
    const params = randomParams(spec, 1);
    const model = decodeOnnx(exportOnnx(spec, params), 'lenet-w2.onnx');
    expect(model.opset).toBe(13);
    expect(model.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm']);
    expect(model.inputs[0].dims).toEqual(['N', 1, 28, 28]);
    expect(model.outputs[0].dims).toEqual(['N', 10]);
    expect(model.initializers.get('conv1.weight')!.dims).toEqual([40, 1, 5, 5]);
    expect(model.initializers.get('fc1.weight')!.dims).toEqual([1000, 1600]);
    expect(Array.from(model.initializers.get('fc2.bias')!.data!)).toEqual(Array.from(params.subarray(spec.params.at(-1)!.offset)));
    expect(defaultLayers(model).map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1']);
    expect(defaultLayers(toOnnxModel(buildNet({ arch: 'alexnet-small', width: 1, inputShape: [3, 32, 32], classes: 5 }), new Float32Array(buildNet({ arch: 'alexnet-small', width: 1, inputShape: [3, 32, 32], classes: 5 }).paramCount))).map((l) => l.name)).toEqual(['conv1', 'conv2', 'conv3', 'fc1']);
  });
});
