// The report's layer-by-layer CKA section (src/report/section-layer-cka.ts) from a layer_cka
// table: one figure per pair of nets and per net with itself, biased and debiased side by side,
// the corresponding layers (same name) outlined, undefined values shown as '–' (never NaN); each
// figure's Vega-Lite spec compiles and renders (to SVG, in Node) with the layer names on its axes.
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { colorMap } from '../../src/report/colormap.js';
import type { ReportContext } from '../../src/report/figures.js';
import type { Row, RunData } from '../../src/report/load.js';
import { layerCkaCells, layerCkaSection } from '../../src/report/section-layer-cka.js';

const LAYERS = { A: ['conv1', 'conv2', 'fc'], B: ['conv1', 'conv2', 'fc'] } as const;

/** A layer_cka table as align writes it (net_a at or before net_b), with one undefined block (B fc) and a negative debiased value. */
function table(): Row[] {
  const rows: Row[] = [];
  for (const [a, b] of [['A', 'A'], ['A', 'B'], ['B', 'B']] as const) {
    LAYERS[a].forEach((la, i) => {
      LAYERS[b].forEach((lb, j) => {
        const undefinedBlock = (b === 'B' && lb === 'fc') || (a === 'B' && la === 'fc');
        const same = a === b && la === lb;
        rows.push({ net_a: a, layer_a: la, net_b: b, layer_b: lb, features_a: 4, features_b: 4, linear_cka: undefinedBlock ? null : same ? 1 : 0.9 - 0.2 * Math.abs(i - j), linear_cka_debiased: undefinedBlock ? null : same ? 1 : i === 0 && j === 2 ? -0.03 : 0.8 - 0.3 * Math.abs(i - j) });
      });
    });
  }
  return rows;
}

function context(rows: Row[] | undefined): ReportContext {
  const data = { table: async (name: string) => (name === 'layer_cka' ? rows : undefined) } as unknown as RunData;
  return { data, colorMap: colorMap('inferno'), png: false };
}

describe('report: layer-by-layer CKA', () => {
  it('is left out of a run without the table', async () => {
    expect(await layerCkaSection(context(undefined))).toBeNull();
  });

  it('draws A x A, A x B and B x B, corresponding layers outlined, undefined as –', async () => {
    const section = (await layerCkaSection(context(table())))!;
    expect(section.id).toBe('layer-cka');
    expect(section.figures.map((f) => f.title)).toEqual(['Layer-by-layer CKA, A × A', 'Layer-by-layer CKA, A × B', 'Layer-by-layer CKA, B × B']);
    const cells = layerCkaCells(table(), 'A', 'B');
    expect(cells).toHaveLength(3 * 3 * 2);
    expect(cells.filter((c) => c.corresponding).map((c) => `${c.layer_a}:${c.estimator}`)).toEqual(['conv1:linear CKA', 'conv1:debiased linear CKA', 'conv2:linear CKA', 'conv2:debiased linear CKA', 'fc:linear CKA', 'fc:debiased linear CKA']);
    expect(cells.find((c) => c.layer_a === 'conv1' && c.layer_b === 'fc')).toMatchObject({ value: null, text: '–' });
    expect(layerCkaCells(table(), 'A', 'A').find((c) => c.layer_a === 'conv1' && c.layer_b === 'fc' && c.estimator === 'debiased linear CKA')).toMatchObject({ value: -0.03, text: '-0.03' });
    expect(section.html).toContain('Outlined: corresponding layers (the same layer name)');
  });

  it('each spec compiles and renders with the layer names on its axes', async () => {
    const section = (await layerCkaSection(context(table())))!;
    for (const figure of section.figures) {
      if (figure.kind !== 'vega-lite') throw new Error('expected a Vega-Lite figure');
      const view = new vega.View(vega.parse(compile(figure.spec as never).spec), { renderer: 'none' });
      const svg = await view.toSVG();
      for (const layer of ['conv1', 'conv2', 'fc']) expect(svg).toContain(`>${layer}<`);
      expect(svg).toContain('debiased linear CKA');
      expect(svg).not.toContain('NaN');
      view.finalize();
    }
  });
});
