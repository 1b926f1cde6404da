// Layer-by-layer maps (`--method layer-cka`, tables/layer_cka): for every pair of nets, and each
// net with itself, a heatmap of linear CKA between the layers of net A (rows) and those of net B
// (columns), biased and debiased side by side, each cell labelled with its value; the cells of
// corresponding layers (the same layer name in both nets) are outlined. Small matrices (a few
// layers a side), so a Vega-Lite chart with the layer names on its axes and in its tooltips.
import { type ReportContext, type Section, type VegaFigure, vegaFigure, vegaFigureHtml } from './figures.js';
import { esc, slug } from './html.js';
import type { Row } from './run-data.js';

const ESTIMATORS = [
  { column: 'linear_cka', label: 'linear CKA' },
  { column: 'linear_cka_debiased', label: 'debiased linear CKA' },
] as const;

interface Cell {
  layer_a: string;
  layer_b: string;
  estimator: string;
  value: number | null;
  /** The value as printed in the cell ('–' where undefined). */
  text: string;
  corresponding: boolean;
}

/** The cells of one pair of nets (a before b, or a = b), both estimators. */
export function layerCkaCells(rows: Row[], a: string, b: string): Cell[] {
  const cells: Cell[] = [];
  for (const r of rows.filter((row) => row.net_a === a && row.net_b === b)) {
    for (const e of ESTIMATORS) {
      const v = r[e.column];
      const value = typeof v === 'number' && Number.isFinite(v) ? v : null;
      cells.push({ layer_a: String(r.layer_a), layer_b: String(r.layer_b), estimator: e.label, value, text: value === null ? '–' : value.toFixed(2), corresponding: String(r.layer_a) === String(r.layer_b) });
    }
  }
  return cells;
}

function pairSpec(cells: Cell[], layersA: string[], layersB: string[], a: string, b: string): Record<string, unknown> {
  const side = (n: number) => Math.max(120, Math.min(480, 34 * n));
  return {
    data: { values: cells },
    facet: { column: { field: 'estimator', type: 'nominal', sort: ESTIMATORS.map((e) => e.label), title: null } },
    spec: {
      width: side(layersB.length),
      height: side(layersA.length),
      encoding: {
        x: { field: 'layer_b', type: 'ordinal', sort: layersB, title: `${b} layer`, axis: { labelAngle: -30 } },
        y: { field: 'layer_a', type: 'ordinal', sort: layersA, title: `${a} layer` },
      },
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            // Debiased CKA may fall a little below 0 (an unbiased estimate of a small value): the colour clamps, the label does not.
            color: { field: 'value', type: 'quantitative', title: 'CKA', scale: { scheme: 'viridis', domain: [0, 1], clamp: true } },
            tooltip: [
              { field: 'layer_a', type: 'nominal', title: `${a} layer` },
              { field: 'layer_b', type: 'nominal', title: `${b} layer` },
              { field: 'estimator', type: 'nominal' },
              { field: 'value', type: 'quantitative', format: '.4f' },
            ],
          },
        },
        { transform: [{ filter: 'datum.corresponding' }], mark: { type: 'rect', fill: null, stroke: '#e4002b', strokeWidth: 2 } },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: { text: { field: 'text' }, color: { condition: { test: 'datum.value !== null && datum.value > 0.6', value: 'black' }, value: 'white' } },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  };
}

/** The pairs of nets with their layers, in the order of the table (net_a at or before net_b). */
function pairsWithLayers(rows: Row[]): { a: string; b: string; layersA: string[]; layersB: string[] }[] {
  const out = new Map<string, { a: string; b: string; layersA: string[]; layersB: string[] }>();
  for (const r of rows) {
    const a = String(r.net_a);
    const b = String(r.net_b);
    const key = `${a}\u0000${b}`;
    let p = out.get(key);
    if (!p) out.set(key, (p = { a, b, layersA: [], layersB: [] }));
    if (!p.layersA.includes(String(r.layer_a))) p.layersA.push(String(r.layer_a));
    if (!p.layersB.includes(String(r.layer_b))) p.layersB.push(String(r.layer_b));
  }
  return [...out.values()];
}

export async function layerCkaSection(ctx: ReportContext): Promise<Section | null> {
  const rows = await ctx.data.table('layer_cka');
  if (!rows || rows.length === 0) return null;
  const figures: VegaFigure[] = [];
  const parts: string[] = [];
  for (const { a, b, layersA, layersB } of pairsWithLayers(rows)) {
    const id = slug('layer-cka', a, b);
    const fig = vegaFigure(id, `Layer-by-layer CKA, ${a} × ${b}`, id, pairSpec(layerCkaCells(rows, a, b), layersA, layersB, a, b));
    figures.push(fig);
    const what = a === b ? `every layer of ${esc(a)} with every other of the same net` : `every layer of ${esc(a)} (rows) with every layer of ${esc(b)} (columns)`;
    parts.push(vegaFigureHtml(fig, `Linear CKA of ${what}; left biased, right debiased. Outlined: corresponding layers (the same layer name). – : undefined (a layer without variance).`));
  }
  const html = `<p>Linear CKA between every layer of every net and every layer of every net, itself included, from one probe pass (<code>--method layer-cka</code>). Each image is one sample: a conv layer enters as its per-image average over positions (or over the cells of a grid, <code>--layer-cka.pool KxK</code>). The debiased estimate (unbiased HSIC) does not grow with layer width when images are few, as the biased one does; a layer with itself is 1 in both.</p>
${parts.join('\n')}`;
  return { id: 'layer-cka', title: 'Layer-by-layer CKA', html, figures };
}
