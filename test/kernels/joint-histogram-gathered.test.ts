// Small batches gathered before the joint histogram kernel counts them (src/kernels/joint-histogram/
// gathered.ts): the counts equal the reference kernel's over the same batches, whatever their sizes
// (below, at and above the target; float32 and float64 batches mixed), with counts() read in between;
// and the WASM kernel's countsView (its own u32 counters, or float64 once counters were flushed)
// holds the same numbers as counts().
import { describe, expect, it } from 'vitest';
import { createReferenceJointHistogramKernel, createWasmJointHistogramKernel, gatherBatches, gatherTarget, type JointHistogramSpec } from '../../src/kernels/joint-histogram/index.js';
import { Rng } from '../helpers/rng.js';

const rng = new Rng(3);
const bins = 5;
const units = [3, 6, 1];
const edges = units.map((d) => Float64Array.from({ length: d * (bins - 1) }, (_, i) => (i % (bins - 1)) * 0.4));
const spec: JointHistogramSpec = { bins, units, edges, pairs: [[0, 1], [1, 2], [0, 2]] };
const batch = (samples: number, float32: boolean) => units.map((d) => (float32 ? Float32Array : Float64Array).from({ length: d * samples }, () => Math.max(0, rng.normal() + 0.5)));

describe('gathered joint histogram batches', () => {
  it('gathers up to 1024 samples, fewer where they would take over 32 MiB', () => {
    expect(gatherTarget({ units: [3, 5] })).toBe(1024);
    expect(gatherTarget({ units: [4096, 4096] })).toBe(512);
  });

  it.each([7, 13])('count what the reference counts batch by batch (target %i samples)', async (target) => {
    const reference = createReferenceJointHistogramKernel(spec);
    const gathered = gatherBatches(await createWasmJointHistogramKernel(spec), spec, target);
    const sizes = [1, 3, 2, 7, 13, 20, 5, 5, 5, 1, 0, 6, 9];
    for (const [i, samples] of sizes.entries()) {
      const nets = batch(samples, i % 3 === 1);
      await reference.add(nets, samples);
      await gathered.add(nets, samples);
      if (i === 4 || i === 9) expect(await gathered.counts()).toEqual(await reference.counts());
    }
    expect(await gathered.counts()).toEqual(await reference.counts());
    const view = await gathered.countsView!();
    expect(view.every((v) => v instanceof Uint32Array)).toBe(true);
    expect(view.map((v) => Array.from(v))).toEqual((await reference.counts()).map((c) => Array.from(c)));
    expect(gathered.name).toBe('wasm-simd (1 thread)');
    await expect(gathered.add(batch(2, false), 3)).rejects.toThrow(/net 0: batch has 6 values, expected 3 units x 3 samples/);
    await gathered.dispose();
  });

  it('countsView lends the u32 counters, or float64 counts once some were flushed past the u32 range', async () => {
    for (const maxCount of [undefined, 5]) {
      const reference = createReferenceJointHistogramKernel(spec);
      const kernel = await createWasmJointHistogramKernel(spec, { maxCount });
      for (const samples of [4, 3, 6]) {
        const nets = batch(samples, false);
        await reference.add(nets, samples);
        await kernel.add(nets, samples);
      }
      const view = await kernel.countsView!();
      expect(view.every((v) => v instanceof (maxCount ? Float64Array : Uint32Array))).toBe(true);
      expect(view.map((v) => Array.from(v))).toEqual((await reference.counts()).map((c) => Array.from(c)));
      kernel.dispose();
    }
  });
});
