// Plugin reducers in sharded mode: a single-pass reducer's part states merge (its own merge) and
// finish into the single run's output; a two-pass reducer merges its first pass into RUN, which
// lists the pass still to run (`pendingPasses`) and holds the state every shard of that pass
// starts from; the next-pass parts then merge into RUN and complete it, equal to the single run.
// A reducer that cannot merge, or that no loaded plugin provides, is refused by name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { mergeRun } from '../../src/merge/merge-run.js';
import { probe } from '../../src/probe/probe.js';
import type { Reducer, ReducerLayer, ReducerSnapshot, ReducerState } from '../../src/probe/reducers/types.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { readManifestSync, tempDir, writeExactActivations } from './helpers.js';
import { alignWithMi, expectSameMiRun, mergeMiParts } from './mi-helpers.js';

const ITEMS = 29;
const backend = referenceBackend();

/**
 * Per unit (all nets stacked): pass 0 its largest value; pass 1 (with `passes: 2`) how many
 * samples exceed 12 + (max - 12) / 2, a threshold every shard of pass 1 must share.
 */
function rangeCounter(name: string, passes: 1 | 2): Reducer {
  const stateOf = (pass: number, max: Float64Array, count: Float64Array): ReducerState & { snapshot(): ReducerSnapshot } => ({
    update(batch) {
      let offset = 0;
      for (const data of batch.nets) {
        const units = data.length / batch.samples;
        for (let u = 0; u < units; u++) {
          const cut = 12 + (max[offset + u] - 12) / 2;
          for (let s = 0; s < batch.samples; s++) {
            const v = data[u * batch.samples + s];
            if (pass === 0) max[offset + u] = Math.max(max[offset + u], v);
            else if (v > cut) count[offset + u]++;
          }
        }
        offset += units;
      }
    },
    nextPass(next) {
      pass = next;
    },
    finish: () => ({ arrays: { max: { data: max, shape: [max.length] }, count: { data: count, shape: [count.length] } }, json: { pass } }),
    snapshot: () => ({ arrays: { max: { data: max.slice(), shape: [max.length] }, count: { data: count.slice(), shape: [count.length] } }, json: { pass } }),
  });
  const units = (layer: ReducerLayer) => layer.nets.reduce((sum, n) => sum + n.units, 0);
  return {
    name,
    description: 'test: per-unit maximum, then counts above the shared mid-range',
    passes,
    create: (layer) => stateOf(0, new Float64Array(units(layer)).fill(-Infinity), new Float64Array(units(layer))),
    restore: (_layer, s) => stateOf(s.json.pass as number, s.arrays.max.data.slice() as Float64Array, s.arrays.count.data.slice() as Float64Array),
    merge(_layer, a, b) {
      if (a.json.pass !== b.json.pass) throw new Error(`states of passes ${a.json.pass} and ${b.json.pass}`);
      const [ma, mb] = [a.arrays.max.data, b.arrays.max.data];
      const [ca, cb] = [a.arrays.count.data, b.arrays.count.data];
      // Pass 0: the larger maximum; pass 1: the same maximum (shared), counts added.
      const max = Float64Array.from(ma, (x, i) => (a.json.pass === 0 ? Math.max(x, mb[i]) : x));
      const count = Float64Array.from(ca, (x, i) => x + cb[i]);
      return { arrays: { max: { data: max, shape: [max.length] }, count: { data: count, shape: [count.length] } }, json: { pass: a.json.pass } };
    },
  };
}

async function reducerOutput(run: string, reducer: string, layer: string): Promise<{ max: number[]; count: number[]; json: unknown }> {
  const dir = runPaths.reducerDir(run, reducer, layer);
  return {
    max: [...(await readNpy(join(dir, 'max.npy'))).data],
    count: [...(await readNpy(join(dir, 'count.npy'))).data],
    json: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')),
  };
}

describe('merge of plugin reducer states', () => {
  const dir = tempDir('reducers');
  const nets = writeExactActivations(join(dir, 'nets'), ITEMS);

  it('a single-pass reducer: merged and finished like the single run', async () => {
    const reducer = rangeCounter('range-max', 1);
    const single = join(dir, 'single1');
    await probe({ nets, out: single, backend: backend.get(), batchItems: 4, reducers: [reducer] });
    const parts = [];
    for (let index = 0; index < 3; index++) {
      parts.push(join(dir, `one-pass-${index}`));
      await probe({ nets, out: parts[index], backend: backend.get(), batchItems: 4, reducers: [reducer], shard: { index, count: 3 } });
    }
    const run = join(dir, 'merged1');
    const manifest = await mergeRun({ parts, out: run, reducer: (name) => (name === reducer.name ? reducer : undefined) });
    expect(manifest.pendingPasses).toBeUndefined();
    for (const layer of ['conv', 'fc']) expect(await reducerOutput(run, reducer.name, layer)).toEqual(await reducerOutput(single, reducer.name, layer));
    // The merged state is kept, so that this run can be merged again.
    expect(manifest.reducerStates).toEqual([{ reducer: reducer.name, pass: 0 }]);
    expect(existsSync(join(runPaths.reducerState(run, reducer.name, 'fc'), 'snapshot.json'))).toBe(true);
    await expect(mergeRun({ parts, out: join(dir, 'no-merge'), reducer: () => ({ ...reducer, merge: undefined }) })).rejects.toThrow(/reducer range-max cannot be merged: it declares no merge/);
    await expect(mergeRun({ parts, out: join(dir, 'not-loaded') })).rejects.toThrow(/probed with reducer range-max, which no loaded plugin provides; give merge the same --plugin/);
  });

  it('a two-pass reducer: the first merge leaves its next pass pending, the next-pass parts complete the run', async () => {
    const reducer = rangeCounter('range-count', 2);
    const lookup = (name: string) => (name === reducer.name ? reducer : undefined);
    const single = join(dir, 'single2');
    await probe({ nets, out: single, backend: backend.get(), batchItems: 4, reducers: [reducer] });
    const run = join(dir, 'merged2');
    const first = [];
    for (let index = 0; index < 3; index++) {
      first.push(join(dir, `pass0-${index}`));
      await probe({ nets, out: first[index], backend: backend.get(), batchItems: 4, reducers: [reducer], shard: { index, count: 3 } });
    }
    const manifest = await mergeRun({ parts: first, out: run, reducer: lookup });
    expect(manifest.pendingPasses).toEqual([{ reducer: reducer.name, pass: 1 }]);
    expect(readManifestSync(run).pendingPasses).toEqual([{ reducer: reducer.name, pass: 1 }]);
    expect(existsSync(runPaths.reducerDir(run, reducer.name, 'fc') + '/count.npy')).toBe(false);
    const second = [];
    for (let index = 0; index < 3; index++) {
      second.push(join(dir, `pass1-${index}`));
      await probe({ nets, out: second[index], backend: backend.get(), batchItems: 4, reducers: [reducer], shard: { index, count: 3 }, nextPassFrom: run });
    }
    // Next-pass parts of another run, or first-pass parts mixed in, are refused.
    await expect(mergeRun({ parts: second, out: single, reducer: lookup })).rejects.toThrow(/ran the next pass of .*merged2, not of --out .*single2/);
    await expect(mergeRun({ parts: [first[0], ...second.slice(1)], out: run, reducer: lookup })).rejects.toThrow(/pass0-0 is a first-pass part but others ran a reducer's next pass/);
    const completed = await mergeRun({ parts: [...second].reverse(), out: run, reducer: lookup });
    expect(completed.pendingPasses).toBeUndefined();
    expect(readManifestSync(run).pendingPasses).toBeUndefined();
    for (const layer of ['conv', 'fc']) expect(await reducerOutput(run, reducer.name, layer)).toEqual(await reducerOutput(single, reducer.name, layer));
    await expect(mergeRun({ parts: second, out: run, reducer: lookup })).rejects.toThrow(/waits for no reducer pass/);
  });
});

describe('merge of mi-histograms (two passes: edges, then joint counts)', () => {
  const dir = tempDir('mi');
  const nets = writeExactActivations(join(dir, 'nets'), ITEMS);
  const single = join(dir, 'single');
  const probeMi = (out: string, options: { shard?: { index: number; count: number }; nextPassFrom?: string } = {}) =>
    probe({ nets, out, backend: backend.get(), batchItems: 4, reducers: [miHistogramsReducer], ...options });
  beforeAll(async () => {
    await probeMi(single);
    await alignWithMi(single);
  });

  it.each([1, 2, 3, 7])('of %i parts equals the single run: the same histograms and the same MI tables after align', async (count) => {
    const run = await mergeMiParts(join(dir, `p${count}`), count, probeMi);
    await expectSameMiRun(single, run, ['conv', 'fc']);
  });
});

describe('merge of mi-histograms counting from binned columns (each part keeps its samples\' bins, the merge joins them)', () => {
  const dir = tempDir('mi-columns');
  const nets = writeExactActivations(join(dir, 'nets'), ITEMS);
  const single = join(dir, 'single');
  const probeMi = (out: string, options: { shard?: { index: number; count: number }; nextPassFrom?: string } = {}) =>
    probe({ nets, out, backend: backend.get(), batchItems: 4, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { counting: 'columns' } }, ...options });
  beforeAll(async () => {
    await probeMi(single);
    await alignWithMi(single);
  });

  it.each([2, 3])('of %i parts equals the single run: the same MI and the same tables after align', async (count) => {
    const run = await mergeMiParts(join(dir, `p${count}`), count, probeMi);
    await expectSameMiRun(single, run, ['conv', 'fc'], 'mi.');
  });
});
