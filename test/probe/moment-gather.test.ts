// Gathered moment updates (src/probe/moment-gather.ts, LayerAccumulator.gather): batches kept until
// a flush are merged as one batch, bit for bit what the kernel gives that batch fed at once (the
// same shift); a batch that needs scaling is merged on its own, after the samples gathered before
// it; a snapshot or result while samples are gathered is refused. In a probe from ONNX models the
// fc layer gathers, flushes every `items` items of the data and at the end, and a probe stopped
// after any batch (checkpoints wait for a flush) resumes to the uninterrupted run's files, byte for byte.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReferenceMomentKernel } from '../../src/kernels/moments/reference.js';
import { createWasmMomentKernel } from '../../src/kernels/moments/wasm.js';
import type { MomentKernel } from '../../src/kernels/moments/contract.js';
import { LayerAccumulator, type NetBatch } from '../../src/probe/layer-accumulator.js';
import { gatherFlushDue, planMomentGather, GATHER_SAMPLES } from '../../src/probe/moment-gather.js';
import { probeOnnx, type ForwardProbeOptions } from '../../src/probe/forward-probe.js';
import { openProbeData } from '../../src/probe/probe-data.js';
import { seededNormal } from '../../src/util/random.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { expectSameMoments, tempDir } from '../merge/helpers.js';
import { expectSameRun, MNIST_SPLIT, seededPoints, STOP, stopAt, writeMnistNet } from './resume-helpers.js';

const NETS = [{ name: 'A', units: 5 }, { name: 'B', units: 6 }];

/** Seeded ReLU-like batches of the two nets, `sizes` samples each (unit-major). */
function batchesOf(sizes: number[], seed: number): NetBatch[][] {
  const normal = seededNormal(seed);
  return sizes.map((n) => NETS.map(({ units }) => ({ data: Float32Array.from({ length: units * n }, () => Math.max(0, 2 + normal())), units, samples: n })));
}

/** The batches' samples side by side, as one batch. */
function concat(batches: NetBatch[][]): NetBatch[] {
  const n = batches.reduce((sum, b) => sum + b[0].samples, 0);
  return NETS.map(({ units }, k) => {
    const data = new Float32Array(units * n);
    let at = 0;
    for (const b of batches) {
      const m = b[k].samples;
      for (let u = 0; u < units; u++) data.set(b[k].data.subarray(u * m, (u + 1) * m), u * n + at);
      at += m;
    }
    return { data, units, samples: n };
  });
}

async function kernels(): Promise<[string, MomentKernel][]> {
  return [['reference', createReferenceMomentKernel()], ['wasm, 2 threads', await createWasmMomentKernel({ threads: 2, parallelThreshold: 0, parallelMinSamples: 1 })]];
}

describe('LayerAccumulator.gather', () => {
  it('merges the gathered batches as one batch: the same bits as that batch added at once (same shift)', async () => {
    for (const [name, kernel] of await kernels()) {
      const batches = batchesOf([5, 7, 3, 6, 5], 11);
      const gathered = new LayerAccumulator('fc', NETS, kernel).gather(15);
      // 5 + 7 + 3 fill 15; 6 would overflow the 15 and flushes them first; 6 + 5 are flushed at the end.
      for (const b of batches) await gathered.add(b);
      expect(gathered.pendingSamples(), name).toBe(11);
      await gathered.flush();
      const plain = new LayerAccumulator('fc', NETS, kernel);
      plain.shiftLike(batches[0]);
      await plain.add(concat(batches.slice(0, 3)));
      await plain.add(concat(batches.slice(3)));
      const [a, b] = [gathered.result(), plain.result()];
      expect(a.n, name).toBe(26);
      expect(Buffer.from(a.m2.buffer).equals(Buffer.from(b.m2.buffer)), `${name}: co-moments`).toBe(true);
      expect(Buffer.from(a.mean.buffer).equals(Buffer.from(b.mean.buffer)), `${name}: means`).toBe(true);
      await kernel.dispose?.();
    }
  });

  it('merges a batch that needs scaling on its own, after the samples gathered before it', async () => {
    const kernel = createReferenceMomentKernel();
    const batches = batchesOf([4, 5, 3, 4], 12);
    // Unit 2 of net B reaches 1e20 in the third batch: scaled by a power of two, its batch alone.
    batches[2][1].data[2 * 3 + 1] = 1e20;
    const gathered = new LayerAccumulator('fc', NETS, kernel).gather(16);
    for (const b of batches) await gathered.add(b);
    await gathered.flush();
    const plain = new LayerAccumulator('fc', NETS, kernel);
    plain.shiftLike(batches[0]);
    await plain.add(concat(batches.slice(0, 2)));
    await plain.add(batches[2]);
    await plain.add(batches[3]);
    const [a, b] = [gathered.result(), plain.result()];
    expect(Buffer.from(a.m2.buffer).equals(Buffer.from(b.m2.buffer))).toBe(true);
    expect(Buffer.from(a.mean.buffer).equals(Buffer.from(b.mean.buffer))).toBe(true);
  });

  it('names the sample of a NaN counted over the gathered samples, and refuses a snapshot or result before the flush', async () => {
    const acc = new LayerAccumulator('fc7', NETS, createReferenceMomentKernel()).gather(20);
    const [first, second] = batchesOf([6, 4], 13);
    await acc.add(first);
    second[1].data[3 * 4 + 2] = NaN; // net B, unit 3, sample 2 of the second batch: sample 8
    await expect(acc.add(second)).rejects.toThrow('net B, layer fc7: unit 3 is NaN at sample 8; activations must be finite');
    expect(() => acc.snapshot()).toThrow('layer fc7: a snapshot with 6 samples gathered and not merged; flush() first');
    expect(() => acc.result()).toThrow('layer fc7: the result with 6 samples gathered and not merged; flush() first');
    await acc.flush();
    expect(acc.snapshot().n).toBe(6);
  });
});

describe('planMomentGather', () => {
  it("gathers AlexNet's fc layers of four nets, not its conv layers, flushing every 512 images", () => {
    const conv = [96, 256, 384, 384, 256].map((c, i) => ({ units: 4 * c, samplesPerItem: [55 * 55, 27 * 27, 13 * 13, 13 * 13, 13 * 13][i] }));
    const fc = [{ units: 4 * 4096, samplesPerItem: 1 }, { units: 4 * 4096, samplesPerItem: 1 }];
    const plan = planMomentGather(64, [...conv, ...fc]);
    expect(plan).toEqual({ items: GATHER_SAMPLES, samples: [0, 0, 0, 0, 0, GATHER_SAMPLES, GATHER_SAMPLES] });
    expect(planMomentGather(64, conv).items).toBe(0);
    // Small layers (LeNet's fc of two nets) are not worth the copy; a batch of 512 needs no gathering.
    expect(planMomentGather(64, [{ units: 1000, samplesPerItem: 1 }]).items).toBe(0);
    expect(planMomentGather(512, fc).items).toBe(0);
    // Flushes every 512 items of the data from its first, and at the end of the items probed.
    expect([448, 512, 1024, 1030].map((end) => gatherFlushDue(plan, end, 1030))).toEqual([false, true, true, true]);
  });
});

describe('a probe from ONNX models with a gathering fc layer', () => {
  const backend = referenceBackend();
  const dir = tempDir('moment-gather');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  // Batches of 4 digits; fc1 (7 + 7 units, one sample per digit) gathers 12: flushes after items 12, 24, 36 and 37.
  const gather = { samples: 12, minUnits: 1 };
  // The batches (d, n) the moment kernel is given, per layer width.
  const calls: [number, number][] = [];
  const counted = (): ForwardProbeOptions['backend'] => {
    const b = backend.get();
    const inner = b.moments;
    const moments: MomentKernel = {
      name: inner.name,
      batchMoments: (data, d, n) => (calls.push([d, n]), inner.batchMoments(data, d, n)),
      ...(inner.accumulate ? { accumulate: (total: Parameters<NonNullable<MomentKernel['accumulate']>>[0], data: Float32Array, d: number, n: number, e?: Int32Array) => (calls.push([d, n]), inner.accumulate!(total, data, d, n, e)) } : {}),
      dispose: () => {},
    };
    return { ...b, moments };
  };
  const run = async (out: string, more: Partial<ForwardProbeOptions> = {}) => {
    const { source, label, spec } = await openProbeData({ data: 'mnist', split: MNIST_SPLIT }, nets);
    try {
      return await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out, backend: counted(), batchItems: 4, topK: 3, patches: false, checkpointEvery: { batches: 1 }, momentGather: gather, ...more });
    } finally {
      await source.close();
    }
  };
  const whole = join(dir, 'whole');
  let batches = 0;
  beforeAll(async () => {
    const counter = stopAt();
    await run(whole, { onProgress: counter.onProgress });
    batches = counter.count();
  });

  it('merges fc1 in batches cut at the flushes (12, 24, 36, 37 digits), conv1 batch by batch; moments as the ungathered probe', async () => {
    expect(batches).toBe(10);
    const fc1 = (list: [number, number][]) => list.filter(([d]) => d === 14).map(([, n]) => n);
    calls.length = 0;
    await run(join(dir, 'count'));
    expect(fc1(calls)).toEqual([12, 12, 12, 1]);
    expect(calls.filter(([d]) => d === 6).length).toBe(10); // conv1: 3 + 3 units, 4 x 81 samples a batch
    calls.length = 0;
    const plain = join(dir, 'plain');
    await run(plain, { momentGather: { samples: 0 } });
    expect(fc1(calls)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 1]);
    // The reference kernel sums in float64: other batch cuts change the last bits only.
    await expectSameMoments(whole, plain, ['conv1', 'fc1'], 1e-12);
  });

  it('stopped after any batch and resumed equals the uninterrupted probe, byte for byte', async () => {
    for (const n of [1, ...seededPoints(batches - 2, 5, 3).map((k) => k + 1), batches]) {
      const out = join(dir, `stop${n}`);
      await expect(run(out, stopAt(n))).rejects.toThrow(STOP);
      await run(out, { resume: true });
      expectSameRun(whole, out);
    }
  });
});
