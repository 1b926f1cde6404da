// The WebGPU trainer (forward on the forward backend's kernels, backward on train_*.wgsl) against
// the float64 reference and the WASM trainer, on whatever adapter this machine has (llvmpipe on a
// machine without a GPU: small sizes). Without an adapter the tests skip visibly, unless
// CONVERGENT_REQUIRE_WEBGPU=1.
import { afterAll, describe, expect, it } from 'vitest';
import { seededPermutation } from '../../src/util/random.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import type { NetSpec } from '../../src/train/model.js';
import { forwardAll, lossAndGradient, referenceStep, type Hyper } from '../../src/train/reference.js';
import { createWasmTrainer } from '../../src/train/wasm-trainer.js';
import { createWebGpuTrainer } from '../../src/train/webgpu-trainer.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { MINI_LENET_PLAN, expectCloseByParam, maxAbs, randomBatch, randomParams, smallNet } from './nets.js';

const { available, label } = await webgpuAvailability();
const gpu: GpuContext | null = available ? await acquireGpu({ allowSoftware: true }) : null;
if (gpu) console.info(`WebGPU training tests on ${label}`);
afterAll(() => gpu?.release());

const hyper: Hyper = { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
const nets: [string, NetSpec][] = [
  ['small net (padding, stride 2, overlapping pools)', smallNet()],
  ['mini LeNet', smallNet(MINI_LENET_PLAN, [2, 17, 15], 3)],
];

describe.skipIf(!gpu).each(nets)('WebGPU trainer vs reference, %s', (_, spec) => {
  const n = 7;
  const { images, labels } = randomBatch(spec, n, 21);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const params = randomParams(spec, 4);

  it('logits, loss and every parameter gradient match the float64 reference', async () => {
    await withGpuErrorScope(gpu!.device, async () => {
      const t = await createWebGpuTrainer(gpu!, spec, 8);
      try {
        t.setParams(params);
        const want = lossAndGradient(spec, params, images, labels, n);
        const logits = await t.logits(images, 0, n);
        const scale = maxAbs(want.logits);
        for (let i = 0; i < logits.length; i++) expect(Math.abs(logits[i] - want.logits[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
        const got = await t.gradient(images, labels, order, 0, n);
        expect(got.loss).toBeCloseTo(want.loss, 4);
        expectCloseByParam(spec, got.grad, want.grad, 1e-4, 'webgpu gradient');
      } finally {
        await t.dispose();
      }
    });
  });

  it('one SGD step lands within float32 rounding of the reference', async () => {
    await withGpuErrorScope(gpu!.device, async () => {
      const t = await createWebGpuTrainer(gpu!, spec, 8);
      try {
        t.setParams(params);
        const velocity = new Float32Array(spec.paramCount).map((_, i) => 0.01 * Math.sin(i));
        t.setVelocity(velocity);
        const loss = await t.step(images, labels, order, 0, n, hyper);
        const p64 = Float64Array.from(params);
        const v64 = Float64Array.from(velocity);
        expect(loss).toBeCloseTo(referenceStep(spec, p64, v64, images, labels, n, hyper), 4);
        expectCloseByParam(spec, await t.getParams(), p64, 2e-6, 'webgpu params after one step');
        expectCloseByParam(spec, await t.getVelocity(), v64, 1e-4, 'webgpu velocity after one step');
      } finally {
        await t.dispose();
      }
    });
  });

  it('an epoch follows the WASM trainer, is repeatable bit for bit, and evaluates like the reference', async () => {
    const count = 11;
    const data = randomBatch(spec, count, 8);
    const perm = Int32Array.from(seededPermutation(count, 3));
    const h = { ...hyper, lrEnd: 0.01 };
    const wasm = await createWasmTrainer(spec, 4);
    wasm.setParams(params);
    const wasmLoss = wasm.epoch(data.images, data.labels, perm, 4, h);
    const runs: Float32Array[] = [];
    await withGpuErrorScope(gpu!.device, async () => {
      for (let r = 0; r < 2; r++) {
        const t = await createWebGpuTrainer(gpu!, spec, 4);
        try {
          t.setParams(params);
          const seen: number[] = [];
          const loss = await t.epoch(data.images, data.labels, perm, 4, h, (d) => seen.push(d));
          expect(seen.at(-1)).toBe(count);
          expect(loss).toBeCloseTo(wasmLoss, 4);
          runs.push(await t.getParams());
          if (r === 0) {
            const got = await t.evaluate(data.images, data.labels, 1, count);
            const p = runs[0];
            const size = spec.layers[0].inSize;
            const acts = forwardAll(spec, p, data.images.subarray(size, count * size), count - 1);
            const logits = acts[acts.length - 1];
            let correct = 0;
            for (let s = 0; s < count - 1; s++) {
              const row = Array.from(logits.subarray(s * spec.classes, (s + 1) * spec.classes));
              if (row.indexOf(Math.max(...row)) === data.labels[s + 1]) correct++;
            }
            expect(got.correct).toBe(correct);
            expect(got.count).toBe(count - 1);
          }
        } finally {
          await t.dispose();
        }
      }
    });
    expectCloseByParam(spec, runs[0], wasm.getParams(), 1e-4, 'webgpu vs wasm after an epoch');
    expect(Buffer.from(runs[0].buffer).equals(Buffer.from(runs[1].buffer))).toBe(true);
  });
});

describe.skipIf(!gpu)('WebGPU trainer at LeNet size', () => {
  it('two SGD steps of a real LeNet on MNIST digits follow the WASM trainer', async () => {
    const { buildNet, initParams } = await import('../../src/train/model.js');
    const { mnistTrainData } = await import('../../src/train/data.js');
    const data = await mnistTrainData();
    const spec = buildNet({ arch: 'lenet', width: 1, inputShape: [1, 28, 28], classes: 10 });
    const params = initParams(spec, 1);
    const order = Int32Array.from(seededPermutation(100, 2));
    const wasm = await createWasmTrainer(spec, 64);
    wasm.setParams(params);
    const wasmLoss = wasm.epoch(data.images, data.labels, order, 64, hyper);
    await withGpuErrorScope(gpu!.device, async () => {
      const t = await createWebGpuTrainer(gpu!, spec, 64);
      try {
        t.setParams(params);
        expect(await t.epoch(data.images, data.labels, order, 64, hyper)).toBeCloseTo(wasmLoss, 4);
        expectCloseByParam(spec, await t.getParams(), wasm.getParams(), 1e-4, 'webgpu vs wasm, LeNet');
        const ev = await t.evaluate(data.images, data.labels, 8000, 8100);
        expect(ev.correct).toBe(wasm.evaluate(data.images, data.labels, 8000, 8100).correct);
      } finally {
        await t.dispose();
      }
    });
  }, 300_000);
});

describe.skipIf(!gpu)('trainNets on WebGPU', () => {
  it('trains one net per seed on the device, the same bytes for the same seed', async () => {
    const { trainNets } = await import('../../src/train/train.js');
    const { TRAIN_DEFAULTS } = await import('../../src/train/options.js');
    const { mnistSubset } = await import('./nets.js');
    const data = await mnistSubset(64, 20);
    const options = { ...TRAIN_DEFAULTS, epochs: 1, batch: 32 };
    const epochs: number[] = [];
    const [a, b] = await trainNets(data, options, [1, 2], { backend: 'webgpu', gpu: gpu!, onEpoch: (r) => epochs.push(r.seed) });
    const [again] = await trainNets(data, options, [1], { backend: 'webgpu', gpu: gpu! });
    expect(epochs).toEqual([1, 2]);
    expect(a.device).toMatch(/^webgpu on /);
    expect(a.backend).toBe('webgpu');
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(again.params.buffer))).toBe(true);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(false);
    expect(a.history[0].heldOutAccuracy).toBe(again.history[0].heldOutAccuracy);
    const [wasm] = await trainNets(data, options, [1], { backend: 'wasm', threads: 0 });
    expect(wasm.key).not.toBe(a.key);
    expectCloseByParam(a.spec, a.params, wasm.params, 1e-3, 'webgpu vs wasm after an epoch');
  }, 300_000);
});

it.runIf(!gpu)('WebGPU training tests need an adapter (skipped)', () => {
  console.warn('WebGPU training tests skipped: no WebGPU adapter');
});
