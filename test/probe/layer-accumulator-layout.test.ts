// LayerAccumulator.add reads a forward pass's batch-first captures as they are (NetBatch.itemMajor,
// transposed in its shift pass, the probe's copy to unit-major gone): the same shift, the same
// moments bit for bit and the same sample named in an error as the unit-major batch gives.
import { describe, expect, it } from 'vitest';
import { createReferenceMomentKernel } from '../../src/kernels/moments/reference.js';
import { createWasmMomentKernel } from '../../src/kernels/moments/wasm.js';
import { LayerAccumulator, type NetBatch } from '../../src/probe/layer-accumulator.js';
import { toUnitMajor } from '../../src/probe/batch-layout.js';
import { planeMaxima } from '../../src/probe/reducers/topk.js';
import { seededNormal } from '../../src/util/random.js';

const NETS = [{ name: 'A', units: 3 }, { name: 'B', units: 5 }];
const POSITIONS = 7; // a 7-position map (not a multiple of 4)

/** Seeded ReLU-like captures (items, units, positions) of both nets, both layouts. */
function captures(items: number, seed: number): { first: NetBatch[]; unit: NetBatch[] } {
  const normal = seededNormal(seed);
  const n = items * POSITIONS;
  const raw = NETS.map(({ units }) => Float32Array.from({ length: items * units * POSITIONS }, () => Math.max(0, 1 + normal())));
  return {
    first: NETS.map(({ units }, k) => ({ data: raw[k], units, samples: n, itemMajor: { items, positions: POSITIONS } })),
    unit: NETS.map(({ units }, k) => ({ data: toUnitMajor(raw[k], items, units, POSITIONS), units, samples: n })),
  };
}

describe('LayerAccumulator with batch-first captures', () => {
  it('gives the moments of the unit-major batches, bit for bit (reference and WASM kernels, a scaled unit included)', async () => {
    for (const kernel of [createReferenceMomentKernel(), await createWasmMomentKernel({ threads: 1 })]) {
      const batches = [5, 3, 6].map((items, i) => captures(items, 20 + i));
      // Net B, unit 4, item 1, position 2 of the second batch: 1e15, scaled by a power of two on its own.
      const at = (1 * 5 + 4) * POSITIONS + 2;
      batches[1].first[1].data[at] = 1e15;
      batches[1].unit[1].data[4 * 3 * POSITIONS + 1 * POSITIONS + 2] = 1e15;
      const [a, b] = [new LayerAccumulator('conv', NETS, kernel), new LayerAccumulator('conv', NETS, kernel)];
      for (const batch of batches) {
        await a.add(batch.first);
        await b.add(batch.unit);
      }
      const [x, y] = [a.result(), b.result()];
      expect(x.n).toBe(14 * POSITIONS);
      expect(Buffer.from(x.m2.buffer).equals(Buffer.from(y.m2.buffer)), kernel.name).toBe(true);
      expect(Buffer.from(x.mean.buffer).equals(Buffer.from(y.mean.buffer)), kernel.name).toBe(true);
      await kernel.dispose();
    }
  });

  it("finds each item's maximum over positions in the same pass, as the top-k's planeMaxima does", async () => {
    const items = 6;
    const batch = captures(items, 32);
    // Ties: net A unit 1 of item 2 holds its maximum at positions 3 and 5 (the first counts).
    const row = (2 * 3 + 1) * POSITIONS;
    batch.first[0].data.fill(0.25, row, row + POSITIONS);
    batch.first[0].data[row + 3] = batch.first[0].data[row + 5] = 9;
    const maxima = NETS.map(({ units }) => ({ values: new Float32Array(items * units), positions: new Uint32Array(items * units) }));
    await new LayerAccumulator('conv', NETS, createReferenceMomentKernel()).add(batch.first, maxima);
    NETS.forEach(({ units }, k) => {
      const want = planeMaxima(batch.first[k].data, items * units, POSITIONS); // item-major: [i * units + u]
      for (let i = 0; i < items; i++) {
        for (let u = 0; u < units; u++) {
          expect(maxima[k].values[u * items + i]).toBe(want.values[i * units + u]);
          expect(maxima[k].positions[u * items + i]).toBe(want.positions[i * units + u]);
        }
      }
    });
    expect(maxima[0].positions[1 * items + 2]).toBe(3);
  });

  it('names the sample of a NaN as the unit-major batch does', async () => {
    const batch = captures(4, 30);
    // Net A, unit 2, item 3, position 5: sample 3 * 7 + 5 = 26.
    batch.first[0].data[(3 * 3 + 2) * POSITIONS + 5] = NaN;
    const acc = new LayerAccumulator('conv3', NETS, createReferenceMomentKernel());
    await expect(acc.add(batch.first)).rejects.toThrow('net A, layer conv3: unit 2 is NaN at sample 26; activations must be finite');
  });

  it('refuses a batch whose items and positions do not make its samples', async () => {
    const batch = captures(2, 31);
    const bad = batch.first.map((b) => ({ ...b, itemMajor: { items: 2, positions: 6 } }));
    await expect(new LayerAccumulator('conv', NETS, createReferenceMomentKernel()).add(bad)).rejects.toThrow('net A, layer conv: a batch of 42 values for 3 units x 14 samples (2 items x 6 positions)');
  });
});
