// The WASM trainer (float32, SIMD) against the float64 reference: logits, loss, every parameter's
// gradient, one SGD step, a few steps over a permuted order, and held-out evaluation.
import { describe, expect, it } from 'vitest';
import { seededPermutation } from '../../src/util/random.js';
import { forwardAll, lossAndGradient, referenceStep, type Hyper } from '../../src/train/reference.js';
import { createWasmTrainer } from '../../src/train/wasm-trainer.js';
import type { NetSpec } from '../../src/train/model.js';
import { MINI_LENET_PLAN, expectCloseByParam, maxAbs, randomBatch, randomParams, smallNet } from './nets.js';

const hyper: Hyper = { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };

const nets: [string, NetSpec][] = [
  ['small net (padding, stride 2, overlapping pools)', smallNet()],
  ['mini LeNet', smallNet(MINI_LENET_PLAN, [2, 17, 15], 3)],
];

describe.each(nets)('WASM trainer vs reference, %s', (_, spec) => {
  const n = 7;
  const { images, labels } = randomBatch(spec, n, 21);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const params = randomParams(spec, 4);

  it('logits, loss and the gradient of every parameter match the float64 reference', async () => {
    const t = await createWasmTrainer(spec, 8);
    t.setParams(params);
    const want = lossAndGradient(spec, params, images, labels, n);
    const logits = t.logits(images, 0, n);
    const scale = maxAbs(want.logits);
    for (let i = 0; i < logits.length; i++) expect(Math.abs(logits[i] - want.logits[i])).toBeLessThanOrEqual(1e-5 * scale);
    const got = t.gradient(images, labels, order, 0, n);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expectCloseByParam(spec, got.grad, want.grad, 1e-4, 'wasm gradient');
  });

  it('one SGD step (momentum, weight decay) lands within float32 rounding of the reference', async () => {
    const t = await createWasmTrainer(spec, 8);
    t.setParams(params);
    const velocity = new Float32Array(spec.paramCount).map((_, i) => 0.01 * Math.sin(i));
    t.setVelocity(velocity);
    const loss = t.step(images, labels, order, 0, n, hyper);
    const p64 = Float64Array.from(params);
    const v64 = Float64Array.from(velocity);
    const want = referenceStep(spec, p64, v64, images, labels, n, hyper);
    expect(loss).toBeCloseTo(want, 5);
    const got = t.getParams();
    // The step moves weights by lr * v; compare the new weights to 1e-6 of their scale.
    expectCloseByParam(spec, got, p64, 2e-6, 'wasm params after one step');
    expectCloseByParam(spec, t.getVelocity(), v64, 1e-4, 'wasm velocity after one step');
  });

  it('an epoch of batches over a permutation (last batch partial) follows the reference', async () => {
    const count = 11;
    const data = randomBatch(spec, count, 8);
    const perm = Int32Array.from(seededPermutation(count, 3));
    const t = await createWasmTrainer(spec, 4);
    t.setParams(params);
    const seen: number[] = [];
    const meanLoss = t.epoch(data.images, data.labels, perm, 4, hyper, (done) => seen.push(done));
    expect(seen).toEqual([4, 8, 11]);
    const p64 = Float64Array.from(params);
    const v64 = new Float64Array(spec.paramCount);
    let lossSum = 0;
    for (let start = 0; start < count; start += 4) {
      const m = Math.min(4, count - start);
      const idx = Array.from(perm.subarray(start, start + m));
      const x = new Float32Array(m * spec.layers[0].inSize);
      idx.forEach((item, j) => x.set(data.images.subarray(item * x.length / m, (item + 1) * x.length / m), j * x.length / m));
      lossSum += m * referenceStep(spec, p64, v64, x, idx.map((i) => data.labels[i]), m, hyper);
    }
    expect(meanLoss).toBeCloseTo(lossSum / count, 4);
    expectCloseByParam(spec, t.getParams(), p64, 1e-5, 'wasm params after an epoch');
  });

  it('evaluate counts the reference argmax over a range, in batches', async () => {
    const count = 10;
    const data = randomBatch(spec, count, 9);
    const t = await createWasmTrainer(spec, 3);
    t.setParams(params);
    const got = t.evaluate(data.images, data.labels, 2, count);
    const size = spec.layers[0].inSize;
    const acts = forwardAll(spec, params, data.images.subarray(2 * size, count * size), count - 2);
    const logits = acts[acts.length - 1];
    let correct = 0;
    for (let s = 0; s < count - 2; s++) {
      const row = Array.from(logits.subarray(s * spec.classes, (s + 1) * spec.classes));
      if (row.indexOf(Math.max(...row)) === data.labels[s + 2]) correct++;
    }
    expect(got.count).toBe(count - 2);
    expect(got.correct).toBe(correct);
    const want = lossAndGradient(spec, params, data.images.subarray(2 * size, count * size), data.labels.subarray(2), count - 2).loss;
    expect(got.lossSum / got.count).toBeCloseTo(want, 5);
  });
});

it('the WASM trainer names a bad label and a bad batch', async () => {
  const spec = smallNet();
  const t = await createWasmTrainer(spec, 2);
  const { images } = randomBatch(spec, 2, 1);
  expect(() => t.step(images, [0, 9], [0, 1], 0, 2, hyper)).toThrow(/sample 1 has label 9/);
  expect(() => t.step(images, [0, 1], [0, 1], 0, 3, hyper)).toThrow(/batch of 3/);
  expect(() => t.setParams(new Float32Array(3))).toThrow(/3 parameters/);
});

it('alexnet-small on 3 x 32 x 32 images: the WASM gradient matches the reference', async () => {
  const { buildNet } = await import('../../src/train/model.js');
  const spec = buildNet({ arch: 'alexnet-small', width: 1, inputShape: [3, 32, 32], classes: 5 });
  const n = 2;
  const { images, labels } = randomBatch(spec, n, 5);
  const params = randomParams(spec, 6);
  const t = await createWasmTrainer(spec, n);
  t.setParams(params);
  const got = t.gradient(images, labels, [0, 1], 0, n);
  const want = lossAndGradient(spec, params, images, labels, n);
  expect(got.loss).toBeCloseTo(want.loss, 5);
  expectCloseByParam(spec, got.grad, want.grad, 2e-4, 'alexnet-small gradient');
});
