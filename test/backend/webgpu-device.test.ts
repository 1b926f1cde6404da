// The webgpu backend opens one device and every capability runs on it: the `mi-histograms`
// reducer's joint counts, the forward engine, the on-device probe and the trainer open no device
// of their own. Observable as the number of acquireGpu calls, counted by wrapping the platform's.
import { describe, expect, it, vi } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend } from '../../src/backend/types.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import type { ReducerOutput } from '../../src/probe/reducers/types.js';
import { TRAIN_DEFAULTS } from '../../src/train/options.js';
import { trainNets } from '../../src/train/train.js';
import { lenet } from '../forward/wasm-nets.js';
import { Rng } from '../helpers/rng.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { mnistSubset } from '../train/nets.js';

const acquired = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/platform/webgpu.js', async (importOriginal) => {
  const platform = await importOriginal<typeof import('../../src/platform/webgpu.js')>();
  return {
    ...platform,
    acquireGpu: (options?: Parameters<typeof platform.acquireGpu>[0]) => {
      acquired.calls++;
      return platform.acquireGpu(options);
    },
  };
});

const { available } = await webgpuAvailability();

const NETS = [
  { name: 'a', units: 3 },
  { name: 'b', units: 5 },
];
const SAMPLES = 37;

/** The reducer over one layer of two nets, both passes, in two batches each (as the probe drives it). */
async function miCounts(backend: Backend): Promise<ReducerOutput> {
  const rng = new Rng(5);
  const data = NETS.map((n) => Float32Array.from({ length: n.units * SAMPLES }, () => Math.max(0, rng.normal())));
  const state = miHistogramsReducer.create({ layer: 'conv1', nets: NETS, samples: SAMPLES, backend, options: { bins: 5 } });
  const batches = [
    [0, 20],
    [20, SAMPLES],
  ];
  const slice = (s0: number, s1: number) => data.map((d, k) => Float32Array.from({ length: NETS[k].units * (s1 - s0) }, (_, i) => d[Math.floor(i / (s1 - s0)) * SAMPLES + s0 + (i % (s1 - s0))]));
  try {
    for (const pass of [0, 1]) {
      if (pass > 0) await state.nextPass!(pass);
      for (const [s0, s1] of batches) await state.update({ nets: slice(s0, s1), samples: s1 - s0, firstSample: s0, pass });
    }
    return await state.finish();
  } finally {
    await state.dispose?.();
  }
}

describe.skipIf(!available)('the webgpu backend has one device', () => {
  it('the mi-histograms reducer counts on the backend device, as the reference does', async () => {
    const opened = acquired.calls;
    const backend = await createBackend('webgpu');
    const reference = await createBackend('reference');
    try {
      expect(acquired.calls).toBe(opened + 1); // the counter sees the backend's own device
      const before = acquired.calls;
      const out = await miCounts(backend);
      expect(acquired.calls).toBe(before); // no second device
      expect((out.json as { kernel: string }).kernel).toBe(`webgpu (${backend.gpu!.label})`);
      const want = await miCounts(reference);
      expect(Object.keys(out.arrays!)).toEqual(Object.keys(want.arrays!));
      for (const [key, array] of Object.entries(want.arrays!)) expect(Array.from(out.arrays![key].data), key).toEqual(Array.from(array.data));
    } finally {
      await reference.dispose();
      await backend.dispose();
    }
  }, 60_000);

  it('forward passes, the on-device probe and the trainer use the backend device', async () => {
    const backend = await createBackend('webgpu');
    try {
      const before = acquired.calls;
      const net = lenet();
      const engine = await backend.forwardEngine([{ name: 'lenet', model: net.model, captures: ['relu1'] }], net.itemShape);
      await engine.forward(new Float32Array(3 * 28 * 28), 3);
      await engine.dispose();
      const device = backend.probeOnDevice!({ nets: [{ name: 'lenet', model: net.model }], itemShape: net.itemShape, layers: [{ name: 'fc1', tensors: ['relu1'] }] });
      const batch = await device.forward(new Float32Array(3 * 28 * 28), 3);
      expect(batch.moments[0].d).toBe(500);
      await device.dispose();
      // What `convergent demo` does with the backend's trainer (it once asked for webgpu without a device).
      const data = await mnistSubset(64, 20);
      const [trained] = await trainNets(data, { ...TRAIN_DEFAULTS, epochs: 1, batch: 32 }, [1], { ...backend.trainer.options });
      expect(trained.backend).toBe('webgpu');
      expect(trained.device).toBe(`webgpu on ${backend.gpu!.label}`);
      expect(acquired.calls).toBe(before);
    } finally {
      await backend.dispose();
    }
  }, 300_000);
});

it.runIf(!available)('the webgpu backend tests need an adapter (skipped)', () => {
  console.warn('WebGPU backend tests skipped: no WebGPU adapter');
});
