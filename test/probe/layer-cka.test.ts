// layer-cka's probe side (src/probe/layer-cka/): pooling against numpy (scripts/fixtures/
// layer_cka.py), including K x K grids on maps whose sides are not multiples of K; the refusals
// (a map smaller than the grid, a bad --layer-cka.pool, a joint state over --layer-cka.max-memory-mb);
// the accumulator fed batches of raw activations on the reference moment kernel, written and read
// back, against numpy's CKA; and a restore from its checkpoint states continuing exactly.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerCkaTable } from '../../src/align/layer-cka.js';
import { createReferenceMomentKernel } from '../../src/kernels/moments/reference.js';
import { LayerCkaAccumulator } from '../../src/probe/layer-cka/accumulator.js';
import { checkLayerCkaMemory, layerCkaBlocks, layerCkaMemoryBytes, layerCkaSettings, type LayerCkaBlock } from '../../src/probe/layer-cka/blocks.js';
import { cellEdges, parsePool, poolBatch } from '../../src/probe/layer-cka/pool.js';

interface Fixture {
  n: number;
  nets: string[];
  layers: { name: string; units: number; height: number; width: number }[];
  activations: Record<string, number[]>;
  poolings: Record<string, { features: number[][][]; linear_cka: (number | null)[][]; linear_cka_debiased: (number | null)[][] }>;
}

const fixture = JSON.parse(readFileSync('test/fixtures/layer-cka.json', 'utf8')) as Fixture;
const shapes = fixture.nets.map(() => fixture.layers.map((l) => ({ units: l.units, height: l.height, width: l.width })));
const layerNames = fixture.layers.map((l) => l.name);
const blocksOf = (pool: string) => layerCkaBlocks(fixture.nets, layerNames, shapes, parsePool(pool));

/** Images [from, to) of net k's layer li, batch-first float32 as the forward engine captures them. */
function captured(from: number, to: number): Float32Array[][] {
  return fixture.nets.map((net) =>
    fixture.layers.map((l) => {
      const per = l.units * l.height * l.width;
      return Float32Array.from(fixture.activations[`${net}/${l.name}`].slice(from * per, to * per));
    }),
  );
}

describe('layer-cka pooling', () => {
  it('cuts cells at floor(r * H / K): a 5-row map in 2 cells is rows 0-1 and 2-4, 7 columns in 3 cells 0-1, 2-3, 4-6', () => {
    expect(cellEdges(5, 2)).toEqual([0, 2, 5]);
    expect(cellEdges(7, 3)).toEqual([0, 2, 4, 7]);
    expect(cellEdges(3, 3)).toEqual([0, 1, 2, 3]);
  });

  for (const pool of ['mean', '2x2', '3x3']) {
    it(`pool ${pool}: every block's per-image features are numpy's within 1e-12`, () => {
      const blocks = blocksOf(pool);
      const all = captured(0, fixture.n);
      blocks.forEach((block, j) => {
        const out = new Float64Array(block.features * fixture.n);
        poolBatch(all[Math.floor(j / layerNames.length)][j % layerNames.length], fixture.n, block, out);
        const want = fixture.poolings[pool].features[j];
        expect(want[0].length, `${block.net}/${block.layer}`).toBe(block.features);
        for (let i = 0; i < fixture.n; i++) for (let f = 0; f < block.features; f++) expect(Math.abs(out[f * fixture.n + i] - want[i][f])).toBeLessThanOrEqual(1e-12);
      });
    });
  }

  it('a vector layer enters as it is, a conv layer as units x K x K features', () => {
    const blocks = blocksOf('2x2');
    expect(blocks.filter((b) => b.net === 'A').map((b) => [b.layer, b.features, b.pooling])).toEqual([
      ['conv1', 12, '2x2 grid of average-pooled cells'],
      ['conv2', 8, '2x2 grid of average-pooled cells'],
      ['fc', 4, 'none (vector layer)'],
    ]);
  });

  it('refuses a map smaller than the grid, naming net, layer and map, and a pool that is not mean or KxK', () => {
    expect(() => blocksOf('4x4')).toThrow('layer-cka: net A, layer conv2 has a 3 x 3 map, smaller than the 4x4 grid of --layer-cka.pool (a cell would be empty)');
    for (const bad of ['2x3', '0x0', 'max', '4']) expect(() => parsePool(bad)).toThrow(`--layer-cka.pool must be "mean" (the global average over positions) or KxK with K a positive integer (e.g. 2x2), got "${bad}"`);
  });
});

describe('layer-cka memory', () => {
  it('prints what the joint state needs and refuses it above --layer-cka.max-memory-mb, naming the widest blocks', () => {
    const blocks = layerCkaBlocks(['A', 'B'], ['conv', 'fc'], [[{ units: 256, height: 13, width: 13 }, { units: 4096, height: 1, width: 1 }], [{ units: 256, height: 13, width: 13 }, { units: 4096, height: 1, width: 1 }]], parsePool('3x3'));
    // D = 2 x (256 x 9 + 4096) = 12800 features: 12800^2 x 8 x 2 bytes plus the norm sums.
    expect(layerCkaMemoryBytes(blocks)).toBe(12800 * 12800 * 16 + 4 * 12800 * 8);
    const logged: string[] = [];
    expect(() => checkLayerCkaMemory(blocks, layerCkaSettings({ pool: '3x3', 'max-memory-mb': 2000 }), (m) => logged.push(m))).toThrow(
      'layer-cka: the joint state needs 2500.4 MiB (D^2 x 8 bytes x 2, D = 12800 features in 4 blocks of (net, layer)), over the limit of 2000 MiB (--layer-cka.max-memory-mb); widest blocks: net A, layer fc: 4096; net B, layer fc: 4096; net A, layer conv: 2304. Probe fewer layers (--layer), pool to fewer cells (--layer-cka.pool), or raise the limit (--layer-cka.max-memory-mb)',
    );
    checkLayerCkaMemory(blocks, layerCkaSettings({ pool: '3x3', 'max-memory-mb': 4096 }), (m) => logged.push(m));
    expect(logged).toEqual(['layer-cka: the joint state needs 2500.4 MiB (D^2 x 8 bytes x 2, D = 12800 features in 4 blocks of (net, layer)); limit 4096 MiB']);
  });
});

async function accumulate(blocks: LayerCkaBlock[], cuts: number[], dir: string, pool: string): Promise<void> {
  const acc = new LayerCkaAccumulator(blocks, layerNames.length, createReferenceMomentKernel());
  for (let i = 0; i + 1 < cuts.length; i++) await acc.add(captured(cuts[i], cuts[i + 1]), cuts[i + 1] - cuts[i]);
  await acc.write(dir, pool);
}

describe('layer-cka accumulator', () => {
  for (const pool of ['mean', '2x2']) {
    it(`pool ${pool}: batches of raw activations, written and read back, give numpy's CKA within the float32 kernel's rounding`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'convergent-layer-cka-')), 'run');
      await accumulate(blocksOf(pool), [0, 4, 8, 12, 13], join(dir, 'layer-cka'), pool);
      const rows = (await layerCkaTable(dir)).objects() as Record<string, string | number | null>[];
      const blocks = blocksOf(pool);
      const index = (net: unknown, layer: unknown) => blocks.findIndex((b) => b.net === net && b.layer === layer);
      for (const row of rows) {
        const a = index(row.net_a, row.layer_a);
        const b = index(row.net_b, row.layer_b);
        for (const column of ['linear_cka', 'linear_cka_debiased'] as const) {
          const expected = fixture.poolings[pool][column][a][b];
          const where = `${column} ${row.net_a}/${row.layer_a} x ${row.net_b}/${row.layer_b}`;
          if (expected === null) expect(row[column], where).toBeNull();
          // The moment kernel sums deviations from the first batch's mean rounded to float32 (relative 6e-8 each): about 4e-9 here.
          else expect(Math.abs((row[column] as number) - expected), where).toBeLessThanOrEqual(1e-7);
        }
      }
      await expect(layerCkaTable(dir, { pool: '3x3' })).rejects.toThrow(`method layer-cka: run ${dir} was probed with --layer-cka.pool ${pool}, not 3x3`);
    });
  }

  it('restored from its checkpoint states, it continues exactly (the same files, bit for bit)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'convergent-layer-cka-'));
    const blocks = blocksOf('2x2');
    await accumulate(blocks, [0, 5, 10, 13], join(base, 'whole'), '2x2');
    const first = new LayerCkaAccumulator(blocks, layerNames.length, createReferenceMomentKernel());
    await first.add(captured(0, 5), 5);
    const [moments, norms] = first.states().map((s) => ({ arrays: Object.fromEntries(Object.entries(s.snapshot.arrays).map(([k, v]) => [k, { data: v.data.slice(), shape: v.shape }])), json: structuredClone(s.snapshot.json) }));
    const resumed = new LayerCkaAccumulator(blocks, layerNames.length, createReferenceMomentKernel(), { moments, norms });
    await resumed.add(captured(5, 10), 5);
    await resumed.add(captured(10, 13), 3);
    await resumed.write(join(base, 'resumed'), '2x2');
    for (const file of ['mean.npy', 'm2.npy', 'blocks.json', 'norms/products.npy', 'norms/sums.npy', 'norms/weighted.npy', 'norms/shift.npy', 'norms/snapshot.json']) {
      expect(readFileSync(join(base, 'resumed', file)).equals(readFileSync(join(base, 'whole', file))), file).toBe(true);
    }
  });
});
