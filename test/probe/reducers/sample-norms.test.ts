// Reducer sample-norms (src/probe/reducers/sample-norms.ts) and the move of its sums to the final
// mean (src/align/sample-norms.ts normProductFromSums): fed in uneven batches, merged from parts,
// snapshot and restored, Q about the final mean equals numpy's direct sum over the centred rows
// (scripts/fixtures/debiased_cka.py).
import { describe, expect, it } from 'vitest';
import { normProductFromSums, sampleNormsOfLayer, type SampleNormsView } from '../../../src/align/sample-norms.js';
import { SampleNormSums, blocksOfSizes, sampleNormsReducer } from '../../../src/probe/reducers/sample-norms.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { jointMoments, type Data } from '../../align/math/helpers.js';
import { contextFromMoments } from '../../helpers/method-context.js';
import { debiasedCases, relativeError, unitMajor, type DebiasedCase } from '../../helpers/debiased-cka-fixture.js';

function layerOf(c: DebiasedCase, samples = c.a.length): ReducerLayer {
  return { layer: 'fc', nets: [{ name: 'A', units: c.a[0].length }, { name: 'B', units: c.b[0].length }], samples, samplesPerItem: 1 };
}

function dataOf(rows: number[][]): Data {
  return { x: Float64Array.from(rows.flat()), n: rows.length, d: rows[0].length };
}

/** The per-unit mean of samples [0, count) of both nets, stacked: a shift like the moments' (not a power-of-two mean). */
function firstMean(c: DebiasedCase, count: number): Float64Array {
  const rows = c.a.map((r, s) => [...r, ...c.b[s]]).slice(0, count);
  return Float64Array.from(rows[0], (_, u) => rows.reduce((sum, r) => sum + r[u], 0) / count);
}

/** Feeds samples [from, to) of the case in batches of the given sizes (the last one takes what is left). */
async function feed(state: ReducerState, c: DebiasedCase, shift: Float64Array, sizes: number[], from = 0, to = c.a.length): Promise<void> {
  let at = from;
  for (let k = 0; at < to; k++) {
    const end = Math.min(to, at + (sizes[k] ?? to - at));
    await state.update({ nets: [unitMajor(c.a, at, end), unitMajor(c.b, at, end)], samples: end - at, firstSample: at, pass: 0, shift });
    at = end;
  }
}

/** A state fed all of the case in batches of `sizes`, about the mean of its first `shiftSamples` samples. */
async function fedState(c: DebiasedCase, shiftSamples: number, sizes: number[]) {
  const layer = layerOf(c);
  const shift = firstMean(c, shiftSamples);
  const state = sampleNormsReducer.create(layer);
  await feed(state, c, shift, sizes);
  return { layer, shift, state };
}

function viewOf(out: ReducerOutput, sizes: number[]): SampleNormsView {
  const a = out.arrays!;
  return {
    n: (out.json as { samples: number }).samples,
    shift: a.shift.data as Float64Array,
    products: a.products.data as Float64Array,
    sums: a.sums.data as Float64Array,
    weighted: a.weighted.data as Float64Array,
    blockOf: blocksOfSizes(sizes),
    blocks: sizes.length,
  };
}

function expectNumpyQ(view: SampleNormsView, moments: BatchMoments, c: DebiasedCase, tol: number): void {
  expect(relativeError(normProductFromSums(view, moments, 0, 1), c.q_ab)).toBeLessThan(tol);
  expect(relativeError(normProductFromSums(view, moments, 1, 0), c.q_ab)).toBeLessThan(tol);
  expect(relativeError(normProductFromSums(view, moments, 0, 0), c.q_aa)).toBeLessThan(tol);
  expect(relativeError(normProductFromSums(view, moments, 1, 1), c.q_bb)).toBeLessThan(tol);
}

describe('reducer sample-norms', () => {
  it.each(debiasedCases.map((c) => [c.name, c] as const))('in uneven batches about the first batch mean gives numpy\'s Q about the final mean (%s)', async (_, c) => {
    const moments = jointMoments(dataOf(c.a), dataOf(c.b));
    const shift = firstMean(c, 5);
    const state = sampleNormsReducer.create(layerOf(c));
    await feed(state, c, shift, [5, 1, 7, 2]);
    const out = await state.finish();
    expect(out.arrays!.weighted.shape).toEqual([2, c.a[0].length + c.b[0].length]);
    expectNumpyQ(viewOf(out, [c.a[0].length, c.b[0].length]), moments, c, 1e-12);
    // The align-side reader on a layer's context: the same sums.
    const ctx = contextFromMoments(moments, layerOf(c).nets);
    expectNumpyQ(sampleNormsOfLayer(ctx, out, 'RUN', 'debiased-cka'), moments, c, 1e-12);
  });

  it('about any shift: zero, or far from the mean', async () => {
    const c = debiasedCases[0];
    const moments = jointMoments(dataOf(c.a), dataOf(c.b));
    for (const shift of [new Float64Array(12), firstMean(c, 3).map((v, u) => v + 3 * (u - 6))]) {
      const state = sampleNormsReducer.create(layerOf(c));
      await feed(state, c, shift, [11]);
      expectNumpyQ(viewOf(await state.finish(), [7, 5]), moments, c, 1e-11);
    }
  });

  it('merged from parts equals one pass (Q within 1e-12); snapshot and restore are exact', async () => {
    const c = debiasedCases[1];
    const { layer, shift, state: whole } = await fedState(c, 8, [8]);
    const want = await whole.finish();
    // Parts over [0, 8), [8, 9), [9, 29): merged pairwise in order, then restored and finished.
    const cuts = [0, 8, 9, c.a.length];
    const parts: ReducerSnapshot[] = [];
    for (let k = 0; k < 3; k++) {
      const part = sampleNormsReducer.create({ ...layer, samples: cuts[k + 1] - cuts[k] });
      await feed(part, c, shift, [3], cuts[k], cuts[k + 1]);
      parts.push(await part.snapshot!());
    }
    const bCopy = structuredClone(parts[1]);
    const merged = sampleNormsReducer.merge!(layer, sampleNormsReducer.merge!(layer, parts[0], parts[1]), parts[2]);
    expect(parts[1]).toEqual(bCopy); // b is left unchanged
    const got = await sampleNormsReducer.restore!(layer, merged).finish();
    expect(got.json).toEqual(want.json);
    const moments = jointMoments(dataOf(c.a), dataOf(c.b));
    expectNumpyQ(viewOf(got, [6, 3]), moments, c, 1e-12);
    for (const key of ['products', 'sums', 'weighted']) {
      const [g, w] = [got.arrays![key].data, want.arrays![key].data];
      g.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w[i]))));
    }
    // Snapshot after two batches, restore, the rest: bit-identical to the state never stopped.
    const first = sampleNormsReducer.create(layer);
    await feed(first, c, shift, [8, 5], 0, 13);
    const resumed = sampleNormsReducer.restore!(layer, structuredClone(await first.snapshot!()));
    await feed(resumed, c, shift, [8], 13);
    expect(await resumed.finish()).toEqual(want);
  });

  it('a part without samples merges as nothing', async () => {
    const { layer, state: full } = await fedState(debiasedCases[3], 2, [2]);
    const empty = await sampleNormsReducer.create({ ...layer, samples: 0 }).snapshot!();
    const snap = await full.snapshot!();
    for (const merged of [sampleNormsReducer.merge!(layer, structuredClone(snap), empty), sampleNormsReducer.merge!(layer, structuredClone(empty), snap)]) {
      expect(await sampleNormsReducer.restore!(layer, merged).finish()).toEqual(await full.finish());
    }
  });

  it('refuses batches without the shift or about another one, and snapshots of another shift or other nets', async () => {
    const c = debiasedCases[3];
    const layer = layerOf(c);
    const shift = firstMean(c, 2);
    const state = sampleNormsReducer.create(layer);
    await expect(async () => feed(state, c, undefined as unknown as Float64Array, [2])).rejects.toThrow(/layer fc: this batch comes without the moments' shift/);
    await feed(state, c, shift, [2], 0, 2);
    const other = shift.map((v, u) => (u === 3 ? v + 0.5 : v));
    await expect(async () => feed(state, c, other, [2], 2, 4)).rejects.toThrow(new RegExp(`unit 3 is shifted by ${other[3]}, the sums by ${shift[3]}`));
    const part = sampleNormsReducer.create(layer);
    await feed(part, c, other, [2], 2, 4);
    expect(() => sampleNormsReducer.merge!(layer, structuredClone(state.snapshot!() as ReducerSnapshot), part.snapshot!() as ReducerSnapshot)).toThrow(/the second part is about another shift than the sums so far: unit 3/);
    const wider = { ...layer, nets: [layer.nets[0], { name: 'B', units: 3 }] };
    expect(() => sampleNormsReducer.restore!(wider, state.snapshot!() as ReducerSnapshot)).toThrow(/the saved state is of the nets A \(3\), B \(2\), this layer's are A \(3\), B \(3\)/);
    expect(() => sampleNormsReducer.restore!(layer, { arrays: {}, json: { reducer: 'topk', pass: 0 } })).toThrow(/not a pass-0 state of sample-norms/);
  });

  it('works on any partition of the stacked units into blocks (the state class, as layer-cka uses it)', () => {
    const c = debiasedCases[0];
    const rows = c.a.map((r, s) => [...r, ...c.b[s]]);
    const D = rows[0].length;
    const n = rows.length;
    // Seven blocks: four summed together, two, one alone (SampleNormSums' three code paths).
    const blockOf = Int32Array.from({ length: D }, (_, u) => [4, 0, 6, 1, 2, 5, 3][u % 7]);
    const state = new SampleNormSums(blockOf, 7, 'test');
    const shift = firstMean(c, 4);
    // Parts of 4 and 8 units (not the nets' 7 and 5), in batches of 4, 9 and 24 samples.
    for (const [from, to] of [[0, 4], [4, 13], [13, n]]) {
      const stacked = unitMajor(rows, from, to);
      const cut = 4 * (to - from);
      state.add([stacked.subarray(0, cut), stacked.subarray(cut)], to - from, shift);
    }
    const moments = jointMoments(dataOf(rows));
    // The direct sum over the centred rows.
    const norms = rows.map((r) => {
      const p = [0, 0, 0, 0, 0, 0, 0];
      r.forEach((v, u) => (p[blockOf[u]] += (v - moments.mean[u]) ** 2));
      return p;
    });
    for (let a = 0; a < 7; a++) {
      for (let b = 0; b < 7; b++) {
        const direct = norms.reduce((sum, p) => sum + p[a] * p[b], 0);
        expect(relativeError(normProductFromSums(state, moments, a, b), direct)).toBeLessThan(1e-12);
      }
    }
    expect(() => new SampleNormSums(Int32Array.from([0, 7]), 7, 'test')).toThrow(/unit 1 is in block 7, outside 0..6/);
    expect(() => state.add([new Float32Array(D * 2 + 1)], 2, shift)).toThrow(/a batch of 25 values for 12 units x 2 samples/);
    expect(() => state.add([new Float32Array(5), new Float32Array(19)], 2, shift)).toThrow(/a batch of 5 \+ 19 values for 12 units x 2 samples \(each part whole units\)/);
    expect(() => normProductFromSums(state, { ...moments, n: n + 1 }, 0, 1)).toThrow(/the sums are over 37 samples, the moments over 38/);
  });
});
