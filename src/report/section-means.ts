// Activation statistics converge (Li et al., section 3): each net's unit means sorted high to low,
// all nets of a layer on one log-scale plot, one plot per layer in its own view block (the page's
// layer selector shows the chosen layer's, like the other sections). A unit with mean <= 0 (dead
// units, whose mean is 0 after a ReLU, or units of a layer that is not post-ReLU) has no place on a
// log scale: it is skipped and counted in the caption.
import { type ReportContext, type Section, type VegaFigure, logAxisFormat, vegaFigure, vegaFigureHtml } from './figures.js';
import { esc, isTrue, note, slug, viewBlock } from './html.js';
import type { Row } from './run-data.js';

export interface SortedMeans {
  values: { layer: string; net: string; rank: number; mean: number; unit: number }[];
  /** Per layer and net: units left off the log scale, and how many of them are dead. */
  skipped: { layer: string; net: string; skipped: number; dead: number }[];
}

export function sortedMeans(units: Row[], layers: string[], nets: string[]): SortedMeans {
  const out: SortedMeans = { values: [], skipped: [] };
  for (const layer of layers) {
    for (const net of nets) {
      const rows = units.filter((r) => r.layer === layer && r.net === net);
      if (rows.length === 0) continue;
      const keep = rows.filter((r) => typeof r.mean === 'number' && r.mean > 0 && Number.isFinite(r.mean));
      keep.sort((x, y) => (y.mean as number) - (x.mean as number));
      keep.forEach((r, i) => out.values.push({ layer, net, rank: i + 1, mean: r.mean as number, unit: Number(r.unit) }));
      const left = rows.filter((r) => !keep.includes(r));
      if (left.length > 0) out.skipped.push({ layer, net, skipped: left.length, dead: left.filter((r) => isTrue(r.dead)).length });
    }
  }
  return out;
}

/** One layer's chart: every net's sorted means on one log-scale plot. */
function layerSpec(values: SortedMeans['values'], nets: string[]): Record<string, unknown> {
  return {
    // 4 significant digits are what the tooltip shows.
    data: { values: values.map((v) => ({ ...v, mean: Number(v.mean.toPrecision(4)) })) },
    width: 420,
    height: 240,
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'rank', type: 'quantitative', title: 'unit, sorted by mean (high to low)', scale: { zero: false, nice: false } },
      y: { field: 'mean', type: 'quantitative', title: 'mean activation', scale: { type: 'log' }, axis: { format: logAxisFormat(values.map((v) => v.mean)), labelOverlap: 'greedy', labelSeparation: 6 } },
      color: { field: 'net', type: 'nominal', title: null, sort: nets, scale: { scheme: 'tableau10' }, legend: { orient: 'bottom', direction: 'horizontal' } },
      tooltip: [
        { field: 'net', type: 'nominal' },
        { field: 'unit', type: 'quantitative' },
        { field: 'rank', type: 'quantitative' },
        { field: 'mean', type: 'quantitative', format: '.4g' },
      ],
    },
  };
}

function skippedText(skipped: SortedMeans['skipped']): string {
  return skipped.length
    ? ` Left off the log scale (mean ≤ 0): ${skipped.map((s) => `${esc(s.net)} ${s.skipped} unit${s.skipped === 1 ? '' : 's'}${s.dead ? ` (${s.dead} dead)` : ''}`).join('; ')}.`
    : ' Every unit has a positive mean; none is left off.';
}

/** One chart per layer, each a view block, so that the layer selector shows the chosen layer's only. */
export async function meansSection(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const title = 'Sorted mean activations';
  const units = await data.table('units');
  if (!units) return { id: 'means', title, html: note('tables/units is missing (run `convergent align`).'), figures: [] };
  const nets = data.nets.map((n) => n.name);
  const { values, skipped } = sortedMeans(units, data.layers, nets);
  if (values.length === 0) return { id: 'means', title, html: note('No unit has a positive mean: nothing to put on a log scale.'), figures: [] };
  const figures: VegaFigure[] = [];
  const parts: string[] = [];
  for (const layer of data.layers) {
    const mine = values.filter((v) => v.layer === layer);
    const left = skipped.filter((s) => s.layer === layer);
    if (mine.length === 0) {
      if (left.length > 0) parts.push(viewBlock(`<h3>${esc(layer)}</h3>${note(`No unit of ${layer} has a positive mean: nothing to put on a log scale.`)}`, { layer }));
      continue;
    }
    const fig = vegaFigure(slug('means', layer), `Sorted unit means (${layer})`, slug('means', layer), layerSpec(mine, nets));
    figures.push(fig);
    parts.push(
      viewBlock(
        vegaFigureHtml(
          fig,
          `Each net's unit means of ${esc(layer)} sorted from high to low, all nets on one log-scale plot. Li et al. found that the means span one to two orders of magnitude within a net while the sorted curves of different nets nearly coincide.${skippedText(left)}`,
        ),
        { layer },
      ),
    );
  }
  return { id: 'means', title, html: parts.join('\n'), figures };
}
