// `mi-histograms --binning li2016`: the edges and MI of the paper's released code (Li et al. 2016,
// experiments/estimate_mi.py), checked against that code itself run by
// scripts/fixtures/mi_li2016.py on the same activations (test/fixtures/mi-li2016/): edges exactly,
// MI within 1e-9, the units it raises on; and the reducer's checkpoints and shards with this
// binning (snapshot/restore bit for bit, merged parts as one run, other binnings refused).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mutualInformation } from '../../../src/align/methods/mi.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import { miHistogramsReducer, type MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import { nextDown } from '../../../src/probe/reducers/mi-li2016.js';
import type { ReducerLayer, ReducerOutput, ReducerSnapshot } from '../../../src/probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../../../src/probe/snapshot-io.js';
import { feed, finishAndDispose, randomBatches, shardedRun as shardParts } from './shard-helpers.js';

const FIX = 'test/fixtures/mi-li2016';
const reducer = miHistogramsReducer;
type Data = (Float32Array | Float64Array)[];

interface Run {
  bins: number;
  samples: number;
  edges: Record<string, (number[] | null)[]>;
  raises: Record<string, number[]>;
  mi: (number | null)[][];
  mi_lessbias: (number | null)[][];
}
interface Expected {
  numpy: string;
  sets: Record<string, { dtype: string; runs: Run[] }>;
}
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected;
const NETS = ['netA', 'netB'];

const dir = mkdtempSync(join(tmpdir(), 'convergent-mi-li2016-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let saved = 0;

/** A set's activations, unit-major (as probe batches are), in the file's dtype. */
async function loadSet(name: string): Promise<{ data: Data; units: number[]; n: number }> {
  const arrays = await Promise.all(NETS.map((net) => readNpy(join(FIX, name, net, 'fc.npy'))));
  const n = arrays[0].shape[0];
  const data = arrays.map(({ data: rows, shape: [samples, units] }) => {
    const out = rows instanceof Float32Array ? new Float32Array(units * samples) : new Float64Array(units * samples);
    for (let s = 0; s < samples; s++) for (let u = 0; u < units; u++) out[u * samples + s] = Number(rows[s * units + u]);
    return out;
  });
  return { data, units: arrays.map((a) => a.shape[1]), n };
}

const layerOf = (units: number[], samples: number, options: Record<string, unknown>): ReducerLayer => ({
  layer: 'fc',
  nets: NETS.map((name, k) => ({ name, units: units[k] })),
  samples,
  options,
});

async function singleRun(data: Data, units: number[], n: number, options: Record<string, unknown>): Promise<ReducerOutput> {
  const state = reducer.create(layerOf(units, n, options));
  await feed(state, data, n, randomBatches(0, n, 97, 1), 0);
  await state.nextPass!(1);
  await feed(state, data, n, randomBatches(0, n, 97, 2), 1);
  return finishAndDispose(state);
}

async function throughFiles(snapshot: ReducerSnapshot): Promise<ReducerSnapshot> {
  const to = join(dir, `state-${saved++}`);
  await writeReducerSnapshot(to, snapshot, 'test');
  return readReducerSnapshot(to);
}

/** Both stages of a sharded probe over `parts` parts, merged through files as `convergent merge` does. */
const shardedRun = (data: Data, units: number[], n: number, options: Record<string, unknown>, parts: number): Promise<ReducerOutput> =>
  shardParts(reducer, (samples) => layerOf(units, samples, options), data, n, parts, throughFiles, 37);

/** The MI matrix (netA x netB, nats) from the reducer's joint counts. */
function miOf(out: ReducerOutput, units: number[], bins: number): Float64Array {
  return mutualInformation(out.arrays!['joint.netA.netB'].data, units[0], units[1], bins);
}

function expectOutputsEqual(got: ReducerOutput, want: ReducerOutput): void {
  expect(got.json).toEqual(want.json);
  for (const [key, array] of Object.entries(want.arrays!)) expect(Array.from(got.arrays![key].data), key).toEqual(Array.from(array.data));
}

const cases = Object.entries(expected.sets).flatMap(([name, set]) => set.runs.map((run) => ({ name, dtype: set.dtype, run, label: `${name}, ${set.dtype}, ${run.bins} bins` })));

describe('binning li2016 against the paper\'s code (scripts/fixtures/mi_li2016.py)', () => {
  it.each(cases)('edges exactly, MI within 1e-9, the units it raises on ($label)', async ({ name, run }) => {
    const { data, units, n } = await loadSet(name);
    expect(n).toBe(run.samples);
    const out = await singleRun(data, units, n, { binning: 'li2016', bins: run.bins });
    const json = out.json as unknown as MiHistogramsJson;
    expect(json).toMatchObject({ binning: 'li2016', bins: run.bins, samples: n });
    NETS.forEach((net, k) => {
      const info = json.nets[k];
      expect(info.exactEdges).toBe(units[k]); // every unit fits the reservoir: the paper's percentiles exactly
      expect(info.li2016Raises).toEqual(run.raises[net]);
      const edges = out.arrays![`edges.${net}`];
      expect(edges.shape).toEqual([units[k], run.bins - 1]);
      run.edges[net].forEach((want, u) => {
        if (want === null) return; // the paper's code has none (it raises)
        // Ours are the paper's edges 1 .. bins-1; its first (min - .01) and last (the maximum) decide no bin.
        expect(Array.from(edges.data.subarray(u * (run.bins - 1), (u + 1) * (run.bins - 1))), `${net} unit ${u}`).toEqual(want.slice(1, run.bins));
      });
    });
    const mi = miOf(out, units, run.bins);
    run.mi.forEach((row, i) =>
      row.forEach((want, j) => {
        const got = mi[i * units[1] + j];
        if (want === null) expect(run.raises.netA.includes(i) || run.raises.netB.includes(j), `pair ${i}, ${j}`).toBe(true);
        else expect(Math.abs(got - want), `mi[${i}, ${j}]: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9);
      }),
    );
  });

  it('the fixture covers what the issue names: ties, an interpolated first edge, a unit it raises on, float32, sizes not multiples of 4', () => {
    const all = cases.map((c) => c.run);
    expect(all.every((r) => r.samples % 4 !== 0)).toBe(true);
    expect(all.some((r) => r.raises.netA.length + r.raises.netB.length > 0)).toBe(true);
    const interior = all.flatMap((r) => Object.values(r.edges).flatMap((units) => units.filter((e) => e !== null).map((e) => e!.slice(1, -1))));
    // Tied edges (collapsed bins), and a first edge strictly between 0 and 1e-6 (interpolated from the largest value below 1e-6).
    expect(interior.some((e) => e.some((v, i) => i > 0 && v === e[i - 1]))).toBe(true);
    expect(interior.some((e) => e[0] > 0 && e[0] < 1e-6)).toBe(true);
    expect(expected.sets.relu32.dtype).toBe('float32');
  });

  it('steps edges down one float64 so that the kernel\'s "edge < value" is numpy\'s "edge <= value"', () => {
    for (const x of [1e-6, Math.fround(1e-6), 0.5, -2, 0, 3.4e38, Number.MIN_VALUE]) {
      const d = nextDown(x);
      expect(d).toBeLessThan(x);
      expect((d + x) / 2 === d || (d + x) / 2 === x).toBe(true); // nothing in between
    }
  });
});

describe('binning li2016: checkpoints and shards', () => {
  it.each([
    { name: 'relu64', reservoir: 65536, label: 'exact edges' },
    { name: 'relu32', reservoir: 65536, label: 'float32, exact edges' },
    { name: 'crash', reservoir: 65536, label: 'units the paper\'s code raises on' },
  ])('parts merged pass by pass give the single run ($label)', async ({ name, reservoir }) => {
    const { data, units, n } = await loadSet(name);
    const options = { binning: 'li2016', reservoir };
    const want = await singleRun(data, units, n, options);
    for (const parts of [2, 3]) expectOutputsEqual(await shardedRun(data, units, n, options, parts), want);
  });

  it('continues bit for bit from a snapshot in pass 0, reservoir overflow included', async () => {
    const { data, units, n } = await loadSet('relu64');
    const options = { binning: 'li2016', reservoir: 50, seed: 3 };
    const want = await singleRun(data, units, n, options);
    const json = want.json as unknown as MiHistogramsJson;
    expect(json.nets.map((x) => x.exactEdges)).toEqual([0, 0]); // every unit has more than 50 values at or above 1e-6
    const pass0 = randomBatches(0, n, 97, 1);
    const cut = Math.floor(pass0.length / 2) + 1;
    const first = reducer.create(layerOf(units, n, options));
    await feed(first, data, n, pass0.slice(0, cut), 0);
    const snapshot = await throughFiles(await first.snapshot!());
    await first.dispose?.();
    const second = reducer.restore!(layerOf(units, n, options), snapshot);
    await feed(second, data, n, pass0.slice(cut), 0);
    await second.nextPass!(1);
    await feed(second, data, n, randomBatches(0, n, 97, 2), 1);
    expectOutputsEqual(await finishAndDispose(second), want);
    // Sampled edges are still edges: non-decreasing, and the MI finite.
    const edges = want.arrays!['edges.netA'].data;
    for (let u = 0; u < units[0]; u++) for (let k = 1; k < 9; k++) expect(edges[u * 9 + k]).toBeGreaterThanOrEqual(edges[u * 9 + k - 1]);
    for (const v of miOf(want, units, 10)) expect(Number.isFinite(v)).toBe(true);
  });

  it('refuses to restore or merge a state of the other binning, and zero-threshold with li2016', async () => {
    const { data, units, n } = await loadSet('relu64');
    const states: Record<string, ReducerSnapshot> = {};
    for (const binning of ['li2016', 'default']) {
      const state = reducer.create(layerOf(units, n, { binning }));
      await feed(state, data, n, [[0, 100]], 0);
      states[binning] = await throughFiles(await state.snapshot!());
      await state.dispose?.();
    }
    expect(states.li2016.json.settings).toMatchObject({ binning: 'li2016' });
    expect(() => reducer.restore!(layerOf(units, n, { binning: 'default' }), states.li2016)).toThrow(/made with binning li2016, this probe uses default/);
    expect(() => reducer.restore!(layerOf(units, n, { binning: 'li2016' }), states.default)).toThrow(/made with binning default, this probe uses li2016/);
    expect(() => reducer.merge!(layerOf(units, n, { binning: 'li2016' }), states.li2016, states.default)).toThrow(/cannot merge the state of binning li2016 with one of binning default/);
    // A state saved before the option existed is of the default binning.
    const old = { ...states.default, json: { ...states.default.json, settings: { ...(states.default.json.settings as object), binning: undefined } } };
    expect(() => reducer.restore!(layerOf(units, n, { binning: 'default' }), old)).not.toThrow();
    expect(() => reducer.create(layerOf(units, n, { binning: 'li2016', 'zero-threshold': 0.5 }))).toThrow(/binning li2016 takes the paper's zero test .* leave out zero-threshold/);
    expect(() => reducer.create(layerOf(units, n, { binning: 'li2017' }))).toThrow(/binning must be one of default, li2016, got li2017/);
  });
});
