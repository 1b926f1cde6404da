// One-to-many: sparse prediction (tables/sparse_prediction: layer, net_from, net_to, alpha, loss,
// mean_nonzeros). Each unit of net_to predicted from all units of net_from with an L1 penalty
// alpha: prediction loss against the mean number of non-zero weights per predicted unit.
import { type ReportContext, type Section, logAxisFormat, vegaFigure, vegaFigureHtml } from './figures.js';
import { note } from './html.js';

export async function sparseSection(ctx: ReportContext): Promise<Section | null> {
  const rows = await ctx.data.table('sparse_prediction');
  if (!rows) return null;
  const title = 'Sparse prediction (one-to-many)';
  const values = rows
    .filter((r) => typeof r.loss === 'number' && typeof r.mean_nonzeros === 'number' && Number.isFinite(r.loss) && Number.isFinite(r.mean_nonzeros))
    .map((r) => ({ layer: String(r.layer), pair: `${r.net_from} → ${r.net_to}`, alpha: r.alpha as number, loss: r.loss as number, mean_nonzeros: r.mean_nonzeros as number }));
  if (values.length === 0) return { id: 'sparse', title, html: note('tables/sparse_prediction has no rows with a finite loss.'), figures: [] };
  const pairs = [...new Set(values.map((v) => v.pair))];
  const layers = ctx.data.layers.filter((l) => values.some((v) => v.layer === l));
  for (const v of values) if (!layers.includes(v.layer)) layers.push(v.layer);
  const logX = values.every((v) => v.mean_nonzeros > 0);
  const spec = {
    data: { values },
    facet: { field: 'pair', type: 'nominal', sort: pairs, title: null },
    columns: Math.min(3, pairs.length),
    spec: {
      width: 300,
      height: 200,
      mark: { type: 'line', point: { filled: true, size: 30 } },
      encoding: {
        x: { field: 'mean_nonzeros', type: 'quantitative', title: 'non-zero weights per predicted unit (mean)', scale: logX ? { type: 'log' } : { zero: true }, axis: { format: logX ? logAxisFormat(values.map((v) => v.mean_nonzeros)) : '~g' } },
        y: { field: 'loss', type: 'quantitative', title: 'prediction loss', scale: { zero: true } },
        color: { field: 'layer', type: 'nominal', sort: layers, title: 'layer', scale: { scheme: 'tableau10' } },
        order: { field: 'alpha', type: 'quantitative', sort: 'descending' },
        tooltip: [
          { field: 'layer', type: 'nominal' },
          { field: 'pair', type: 'nominal' },
          { field: 'alpha', type: 'quantitative', title: 'L1 alpha', format: '~g' },
          { field: 'loss', type: 'quantitative', format: '.4g' },
          { field: 'mean_nonzeros', type: 'quantitative', title: 'non-zeros / unit', format: '.3g' },
        ],
      },
    },
    resolve: { scale: { x: 'shared' } },
  };
  const fig = vegaFigure('sparse', 'Sparse prediction loss', 'sparse-prediction', spec);
  const html = vegaFigureHtml(
    fig,
    `Each unit of the second net predicted by a linear map from all units of the first, with an L1 penalty; one point per penalty strength (alpha), stronger penalties to the left. Li et al. found the loss stays nearly flat while each unit comes to need only a few (1–5) units of the other net: units are shared one-to-few rather than one-to-one.${logX ? '' : ' (Linear x axis: some settings have no non-zero weight.)'}`,
  );
  return { id: 'sparse', title, html, figures: [fig] };
}
