// mi-histograms counting from binned columns (src/probe/reducers/mi-columns.ts, mi-tiles.ts): a
// layer whose counters do not fit max-memory-mb but whose bins (a byte per unit and sample) do is
// read once after the edges pass, and every unit pair counted and reduced to MI at the end. The
// oracle is the same reducer counting the layer whole, then the `mi` method's mutualInformation
// on its joint histograms: the MI (plug-in and Miller-Madow) must equal it bit for bit, with both
// binnings, a dead unit, widths that are not multiples of 4; a checkpoint anywhere in the columns
// pass restores exactly; a sharded probe's parts join their columns in the merge; the planner
// picks whole, columns or tiles at the byte where each stops fitting, and refuses a forced choice
// that does not fit, naming the flag.
import { describe, expect, it } from 'vitest';
import type { MiHistogramsJson } from '../../../src/probe/reducers/mi-histograms.js';
import { layerPairs, miHistogramSettings } from '../../../src/probe/reducers/mi-settings.js';
import { columnBytesOf, counterBytes, describeMiPlan, planMiTiles, RESULT_BYTES } from '../../../src/probe/reducers/mi-tiles.js';
import { COLUMNS_KERNEL } from '../../../src/probe/reducers/mi-columns.js';
import { Rng } from '../../helpers/rng.js';
import { feed, randomBatches, shardedRun } from './shard-helpers.js';
import { BINS, expectSameInformation, layerOf, makeData, N, NETS, reducer, run, throughFiles } from './mi-layer-helpers.js';

const MIB = 2 ** 20;
const counters = layerPairs(NETS.length).reduce((sum, [a, b]) => sum + NETS[a].units * NETS[b].units, 0) * BINS * BINS;
const unitPairs = counters / (BINS * BINS);
/** The bytes counting whole takes on WASM, and counting from columns of N samples (the columns and the results). */
const wholeBytes = counters * counterBytes({}).whole;
const columnsBytes = columnBytesOf({ nets: NETS }, miHistogramSettings({ bins: BINS }), N) + unitPairs * RESULT_BYTES;

describe('the plan: whole, columns or tiles', () => {
  const planAt = (bytes: number, more: Record<string, unknown> = {}) => planMiTiles(layerOf({}), miHistogramSettings({ bins: BINS, reservoir: 7, 'max-memory-mb': bytes / MIB, ...more }));

  it('counts whole while the counters fit, from columns while the columns and results fit, else in tiles, to the byte', () => {
    expect(columnsBytes).toBeLessThan(wholeBytes);
    expect(planAt(wholeBytes).counting).toBe('whole');
    expect(planAt(wholeBytes - 1).counting).toBe('columns');
    expect(planAt(columnsBytes).counting).toBe('columns');
    const tiled = planAt(columnsBytes - 1);
    expect(tiled.counting).toBe('tiles');
    expect(tiled.tiles!.length).toBeGreaterThan(1);
    expect(reducer.passesFor!(layerOf({ 'max-memory-mb': (columnsBytes - 1) / MIB }))).toBe(1 + tiled.tiles!.length);
    expect(reducer.passesFor!(layerOf({ 'max-memory-mb': columnsBytes / MIB }))).toBe(2);
    // The columns grow with the samples, the counters do not.
    const more = planMiTiles({ ...layerOf({}), samples: 10 * N }, miHistogramSettings({ bins: BINS, reservoir: 7, 'max-memory-mb': columnsBytes / MIB }));
    expect(more.counting).toBe('tiles');
  });

  it('takes a forced choice where it fits and refuses it, naming the flag, where it does not', () => {
    expect(planAt(wholeBytes, { counting: 'columns' }).counting).toBe('columns');
    expect(planAt(wholeBytes, { counting: 'tiles' }).counting).toBe('tiles');
    expect(() => planAt(wholeBytes - 1, { counting: 'whole' })).toThrow(/layer fc6 .*: --mi-histograms.counting whole, but its 2556 counters need .* over the limit .*; raise the limit \(--mi.max-memory-mb/);
    expect(() => planAt(columnsBytes - 1, { counting: 'columns' })).toThrow(/--mi-histograms.counting columns, but its binned columns of 203 samples need .* and the results 1.1 KiB, over the limit/);
    expect(() => miHistogramSettings({ counting: 'rows' })).toThrow(/counting must be one of auto, whole, columns, tiles, got rows/);
  });

  it('plans fc6 of two AlexNets at the default limit from columns up to about 200,000 samples, the cost said up front', () => {
    const fc6 = (samples: number) => ({ layer: 'fc6', nets: [{ name: 'a', units: 4096 }, { name: 'b', units: 4096 }], samples });
    // At the default reservoir of 65,536 values a unit, pass 0 alone would need 3125 MiB at 50,000 samples.
    const s = miHistogramSettings({ reservoir: 10_000 });
    const paper = planMiTiles(fc6(50_000), s);
    expect(paper.counting).toBe('columns');
    expect(paper.columnBytes! - 2 * 4096 * 50_000).toBeLessThan(2 * MIB);
    expect(describeMiPlan(fc6(50_000), s, paper)).toMatch(
      /^mi-histograms, layer fc6 \(units: a 4096, b 4096; 10 bins\): 1677721600 counters \(19200 MiB\) over the limit of 2048 MiB: counted from binned columns: one pass after the edges keeps every unit's bin of each of the 50000 samples \(39\d MiB in WASM memory\), then each of the 16777216 unit pairs .* \(at most about \d+ s on one core, .*; 2 passes in all\); results 256 MiB/,
    );
    expect(planMiTiles(fc6(200_000), s).counting).toBe('columns');
    expect(planMiTiles(fc6(230_000), s).counting).toBe('tiles');
  });
});

describe('mi-histograms from binned columns', () => {
  const data = makeData(5);
  const columnsLayer = (more: Record<string, unknown> = {}) => layerOf({ 'max-memory-mb': columnsBytes / MIB, ...more });

  it.each(['default', 'li2016'])("gives the whole run's MI bit for bit in two passes (binning %s)", async (binning) => {
    const whole = await run(data, layerOf({ binning }));
    expect((whole.json as MiHistogramsJson).columns).toBeUndefined();
    const lines: string[] = [];
    const layer = { ...columnsLayer({ binning }), log: (line: string) => lines.push(line) };
    expect(reducer.passesFor!(layer)).toBe(2);
    const columns = await run(data, layer);
    expectSameInformation(columns, whole);
    const json = columns.json as MiHistogramsJson;
    expect(json.columns).toEqual({ samples: N, maxMemoryMb: columnsBytes / MIB, arrays: 'information' });
    expect(json.kernel).toBe(COLUMNS_KERNEL);
    expect({ ...json, columns: undefined, kernel: undefined }).toEqual({ ...(whole.json as MiHistogramsJson), kernel: undefined });
    expect(lines).toEqual([expect.stringMatching(/^mi-histograms, layer fc6 \(units: a 5, b 3, c 7; 6 bins\): 2556 counters .* counted from binned columns: .* each of the 203 samples .*1.44e\+4 pair-samples to count$/)]);
  });

  it('continues bit for bit from a checkpoint anywhere in either pass', async () => {
    const want = await run(data, columnsLayer());
    const pick = new Rng(9);
    for (const pass of [0, 1]) {
      const batches = randomBatches(0, N, 23, 1 + pass).length;
      for (const batch of [0, 1, 1 + Math.floor(pick.draw() * (batches - 1)), batches - 1]) {
        expect(await run(data, columnsLayer(), { pass, batch })).toEqual(want);
      }
    }
  });

  it("joins a sharded probe's columns in the merge: the MI of the same sharded probe counted whole, bit for bit", async () => {
    for (const parts of [2, 3]) {
      // The merged reservoirs place other edges than a single run's (mi-reservoir.ts): the oracle is sharded too.
      const whole = await shardedRun(reducer, (samples) => ({ ...layerOf({}), samples }), data, N, parts, throughFiles);
      const merged = await shardedRun(reducer, (samples) => ({ ...columnsLayer(), samples }), data, N, parts, throughFiles);
      expectSameInformation(merged, whole);
      expect((merged.json as MiHistogramsJson).columns).toEqual({ samples: N, maxMemoryMb: columnsBytes / MIB, arrays: 'information' });
    }
  });

  it('refuses a saved columns state where this probe would count otherwise, naming the limit', async () => {
    const state = reducer.create(columnsLayer());
    await feed(state, data, N, randomBatches(0, N, 23, 1), 0);
    await state.nextPass!(1);
    await feed(state, data, N, randomBatches(0, 50, 23, 2), 1);
    const snapshot = await throughFiles(await state.snapshot!());
    await state.dispose?.();
    expect(snapshot.json).toMatchObject({ pass: 1, columns: { filled: 50 }, counted: false });
    expect(() => reducer.restore!(layerOf({}), snapshot)).toThrow(
      /layer fc6: the saved state was counted from binned columns, this probe counts the layer whole \(203 samples, --mi-histograms.max-memory-mb 2048\); give the limit the state was made with, or one that holds the binned columns of all 203 samples/,
    );
    expect(() => reducer.restore!(layerOf({ 'max-memory-mb': (columnsBytes - 1) / MIB }), snapshot)).toThrow(/counted from binned columns, this probe counts the layer in tiles/);
  });
});
