// Shared by the mi-histograms tests that count a layer in tiles or from binned columns
// (mi-tiles.test.ts, mi-columns.test.ts): three nets of awkward widths, their data (a dead unit,
// ties, float32 and float64 nets), every pass of the layer with an optional checkpoint through
// files, and the bit-for-bit comparison of per-pair MI with the whole run's joint histograms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { mutualInformation } from '../../../src/align/methods/mi.js';
import { miHistogramsReducer } from '../../../src/probe/reducers/mi-histograms.js';
import { layerPairs } from '../../../src/probe/reducers/mi-settings.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from '../../../src/probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../../../src/probe/snapshot-io.js';
import { Rng } from '../../helpers/rng.js';
import { feed, finishAndDispose, randomBatches } from './shard-helpers.js';

export type Data = (Float32Array | Float64Array)[];
export const reducer = miHistogramsReducer;
export const NETS = [
  { name: 'a', units: 5 },
  { name: 'b', units: 3 },
  { name: 'c', units: 7 },
];
export const BINS = 6;
export const N = 203;
const dir = mkdtempSync(join(tmpdir(), 'convergent-mi-layer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Unit-major data (net a float32, as a float32 file gives it): a dead unit, a unit of few levels (ties), ReLU'd correlated normals. */
export function makeData(seed: number): Data {
  const rng = new Rng(seed);
  const shared = Array.from({ length: N }, () => rng.normal());
  return NETS.map((net, k) => {
    const data = k === 0 ? new Float32Array(net.units * N) : new Float64Array(net.units * N);
    for (let u = 0; u < net.units; u++) {
      for (let s = 0; s < N; s++) {
        const x = k === 0 && u === 0 ? -Math.abs(rng.normal()) : k === 1 && u === 1 ? Math.floor(rng.draw() * 5) / 4 - 0.25 : Math.max(0, 0.7 * shared[s] + rng.normal() + 0.2 * u);
        data[u * N + s] = x;
      }
    }
    return data;
  });
}

export const layerOf = (options: Record<string, unknown>, more: Partial<ReducerLayer> = {}): ReducerLayer => ({ layer: 'fc6', nets: NETS, samples: N, samplesPerItem: 1, options: { bins: BINS, reservoir: 7, ...options }, ...more });


/** Every pass of the layer (as many as the reducer asks for), with an optional save/restore through files after batch `cut` of pass `cutPass`. */
export async function run(data: Data, layer: ReducerLayer, cut?: { pass: number; batch: number }): Promise<ReducerOutput> {
  const passes = reducer.passesFor!(layer);
  let state: ReducerState = reducer.create(layer);
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0) await state.nextPass!(pass);
    const batches = randomBatches(0, N, 23, 1 + pass);
    const at = cut?.pass === pass ? cut.batch : batches.length;
    await feed(state, data, N, batches.slice(0, at), pass);
    if (at < batches.length) {
      const saved = await throughFiles(await state.snapshot!());
      await state.dispose?.();
      state = reducer.restore!(layer, saved);
      await feed(state, data, N, batches.slice(at), pass);
    }
  }
  return finishAndDispose(state);
}

let saved = 0;
export async function throughFiles(snapshot: ReducerSnapshot): Promise<ReducerSnapshot> {
  const to = join(dir, `state-${saved++}`);
  await writeReducerSnapshot(to, snapshot, 'test');
  return readReducerSnapshot(to);
}

/** The bytes of a float64 array (bit-for-bit comparison, NaN payloads and signed zeros included). */
export const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);

/** A tiled or columns output's MI against mutualInformation of the whole run's joint histograms, bit for bit. */
export function expectSameInformation(tiled: ReducerOutput, whole: ReducerOutput): void {
  for (const [a, b] of layerPairs(NETS.length)) {
    const [A, B] = [NETS[a], NETS[b]];
    const joint = whole.arrays![`joint.${A.name}.${B.name}`].data;
    const mi = tiled.arrays![`mi.${A.name}.${B.name}`];
    const correction = tiled.arrays![`miller-madow.${A.name}.${B.name}`];
    expect(mi.shape).toEqual([A.units, B.units]);
    expect(tiled.arrays![`joint.${A.name}.${B.name}`]).toBeUndefined();
    expect(bits(mi.data)).toEqual(bits(mutualInformation(joint, A.units, B.units, BINS)));
    const mm = Float64Array.from(mi.data, (v, p) => v + correction.data[p]);
    expect(bits(mm)).toEqual(bits(mutualInformation(joint, A.units, B.units, BINS, true)));
  }
  for (const n of NETS) {
    expect(tiled.arrays![`edges.${n.name}`]).toEqual(whole.arrays![`edges.${n.name}`]);
    expect(tiled.arrays![`above.${n.name}`]).toEqual(whole.arrays![`above.${n.name}`]);
  }
}
