// layer-cka's align side against numpy (scripts/fixtures/layer_cka.py): from the joint moments and
// the norm sums of the pooled features (here formed in float64 from numpy's pooled features, so
// that only the align arithmetic is under test), the biased and debiased linear CKA of every pair
// of (net, layer) blocks agree with numpy's direct Gram-matrix computation within 1e-9; a block
// with itself is exactly 1; a block without variance gives null, never NaN.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layerCkaFromState, type LayerCkaState } from '../../src/align/layer-cka.js';
import { layerCkaBlocks, type LayerCkaBlock } from '../../src/probe/layer-cka/blocks.js';
import { parsePool } from '../../src/probe/layer-cka/pool.js';
import { SampleNormSums, blocksOfSizes } from '../../src/probe/reducers/sample-norms.js';
import { CELLS_NOTE } from '../../src/probe/layer-cka/accumulator.js';

interface Fixture {
  n: number;
  nets: string[];
  layers: { name: string; units: number; height: number; width: number }[];
  poolings: Record<string, { features: number[][][]; linear_cka: (number | null)[][]; linear_cka_debiased: (number | null)[][] }>;
}

const fixture = JSON.parse(readFileSync('test/fixtures/layer-cka.json', 'utf8')) as Fixture;

function blocksOf(pool: string): LayerCkaBlock[] {
  const shapes = fixture.nets.map(() => fixture.layers.map((l) => ({ units: l.units, height: l.height, width: l.width })));
  return layerCkaBlocks(fixture.nets, fixture.layers.map((l) => l.name), shapes, parsePool(pool));
}

/** Joint moments and norm sums of numpy's pooled features, in float64, the sums about `shift`. */
function stateOf(pool: string, shiftFrom: number): LayerCkaState {
  const blocks = blocksOf(pool);
  const features = fixture.poolings[pool].features;
  const n = fixture.n;
  const d = blocks.reduce((s, b) => s + b.features, 0);
  // Unit-major joint data x[f * n + i].
  const x = new Float64Array(d * n);
  blocks.forEach((b, j) => features[j].forEach((row, i) => row.forEach((v, f) => (x[(b.offset + f) * n + i] = v))));
  // The mean as x_0 + mean(x - x_0): a constant feature gets exactly its value (as the probe's shift does).
  const mean = new Float64Array(d);
  for (let u = 0; u < d; u++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[u * n + i] - x[u * n];
    mean[u] = x[u * n] + s / n;
  }
  const m2 = new Float64Array(d * d);
  for (let u = 0; u < d; u++) {
    for (let v = 0; v < d; v++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[u * n + i] - mean[u]) * (x[v * n + i] - mean[v]);
      m2[u * d + v] = s;
    }
  }
  // Sums about an offset that is not the mean (image `shiftFrom`'s features), in two batches.
  const shift = Float64Array.from({ length: d }, (_, u) => x[u * n + shiftFrom]);
  const sums = SampleNormSums.ofSizes(blocks.map((b) => b.features), 'test');
  const cut = 6;
  const part = (from: number, to: number) => {
    const out = new Float64Array(d * (to - from));
    for (let u = 0; u < d; u++) out.set(x.subarray(u * n + from, u * n + to), u * (to - from));
    return out;
  };
  sums.add([part(0, cut)], cut, shift);
  sums.add([part(cut, n)], n - cut, shift);
  return {
    record: { samples: n, pool, features: d, blocks, cells: CELLS_NOTE },
    moments: { n, d, mean, m2 },
    norms: { ...sums.arrays(), blockOf: blocksOfSizes(blocks.map((b) => b.features)), blocks: blocks.length },
  };
}

describe('layer-cka table against numpy', () => {
  for (const pool of ['mean', '2x2', '3x3']) {
    it(`pool ${pool}: biased and debiased CKA of every pair of blocks within 1e-9, self exactly 1, null (never NaN) without variance`, () => {
      const state = stateOf(pool, 4);
      const logged: string[] = [];
      const rows = layerCkaFromState(state, (m) => logged.push(m)).objects() as Record<string, string | number | null>[];
      const blocks = state.record.blocks;
      const index = (net: unknown, layer: unknown) => blocks.findIndex((b) => b.net === net && b.layer === layer);
      const want = fixture.poolings[pool];
      // Every pair with net_a at or before net_b: within a net, all layer pairs both ways.
      const netOrder = fixture.nets;
      const expectedRows = blocks.flatMap((A) => blocks.filter((B) => netOrder.indexOf(A.net) <= netOrder.indexOf(B.net))).length;
      expect(rows.length).toBe(expectedRows);
      for (const row of rows) {
        const a = index(row.net_a, row.layer_a);
        const b = index(row.net_b, row.layer_b);
        expect(row.features_a).toBe(blocks[a].features);
        expect(row.features_b).toBe(blocks[b].features);
        for (const [column, matrix] of [['linear_cka', want.linear_cka], ['linear_cka_debiased', want.linear_cka_debiased]] as const) {
          const got = row[column];
          const expected = matrix[a][b];
          const where = `${column} ${row.net_a}/${row.layer_a} x ${row.net_b}/${row.layer_b}`;
          if (expected === null) expect(got, where).toBeNull();
          else {
            expect(typeof got, where).toBe('number');
            if (a === b) expect(got, where).toBe(1);
            else expect(Math.abs((got as number) - expected), where).toBeLessThanOrEqual(1e-9);
          }
        }
      }
      expect(logged.join('\n')).toContain('net C, layer conv2: every pooled feature is constant over the images');
    });
  }

  it('does not depend on the offset the norm sums are taken about', () => {
    const a = layerCkaFromState(stateOf('2x2', 0)).objects() as Record<string, number | null>[];
    const b = layerCkaFromState(stateOf('2x2', 11)).objects() as Record<string, number | null>[];
    a.forEach((row, i) => {
      if (row.linear_cka_debiased === null) expect(b[i].linear_cka_debiased).toBeNull();
      else expect(Math.abs(row.linear_cka_debiased - (b[i].linear_cka_debiased as number))).toBeLessThanOrEqual(1e-12);
    });
  });
});
