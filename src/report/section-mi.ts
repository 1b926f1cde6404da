// Mutual information as the second similarity (the `mi` method): the MI metrics of tables/metrics
// (mi_semi, mi_bipartite, mi_semi_agreement, mi_matching_agreement: how often matching on MI
// agrees with matching on correlation), and, from tables/mi_matches (layer, net_a, net_b, unit_a,
// mi_semi_unit_b, mi_semi, mi_bipartite_unit_b, mi_bipartite), Fig. 3 again with MI in place of
// correlation. A mi_matches table without those columns is shown as it is.
import { type ReportContext, type Section, type VegaFigure, vegaFigure, vegaFigureHtml } from './figures.js';
import { type Column, esc, fmt, htmlTable, note, slug, viewBlock } from './html.js';
import type { Row } from './run-data.js';
import { pairRows, pairsOf } from './run-data.js';
import { pivotMetrics, pivotTable } from './section-metrics.js';
import { fig3Spec, partnerPoints } from './section-fig3.js';

export const MI_PREVIEW_ROWS = 16;
const MI_COLUMNS = ['unit_a', 'mi_semi_unit_b', 'mi_semi', 'mi_bipartite_unit_b', 'mi_bipartite'];

export const isMiMetric = (metric: string) => metric.startsWith('mi_');

function previewTable(rows: Row[], max: number): string {
  const keys = Object.keys(rows[0] ?? {});
  const cols: Column<Row>[] = keys.map((k) => ({
    label: k,
    cell: (r) => (typeof r[k] === 'number' && !Number.isInteger(r[k]) ? fmt(r[k]) : String(r[k] ?? '–')),
    numeric: typeof rows[0][k] === 'number',
  }));
  return htmlTable(cols, rows.slice(0, max), 'data compact');
}

export async function miSection(ctx: ReportContext): Promise<Section | null> {
  const { data } = ctx;
  const metrics = await data.table('metrics');
  const matches = await data.table('mi_matches');
  const agreement = metrics ? pivotMetrics(metrics, data.layers, isMiMetric) : undefined;
  if (!matches && (!agreement || agreement.rows.length === 0)) return null;
  const figures: VegaFigure[] = [];
  const parts = [
    '<p>Mutual information between unit pairs (a 2-D histogram per pair, ReLU-off values in their own bin), in nats, as a second similarity. Li et al. found that matching on MI gives qualitatively the same result as matching on correlation.</p>',
  ];
  if (agreement && agreement.rows.length > 0) {
    parts.push(
      '<h3>MI vs correlation matching</h3>',
      '<p><code>mi_semi</code>, <code>mi_bipartite</code>: mean MI of the semi- and bipartite matches; <code>mi_semi_agreement</code>, <code>mi_matching_agreement</code>: the fraction of units whose partner under MI matching (semi, bipartite) is their partner under correlation matching.</p>',
      pivotTable(agreement),
    );
  }
  if (matches && matches.length > 0 && MI_COLUMNS.every((c) => c in matches[0])) {
    const pairs = pairsOf(data.headline);
    for (const [a, b] of pairs) {
      const layers = data.layers.filter((l) => matches.some((r) => r.layer === l && r.net_a === a && r.net_b === b));
      const points = layers.flatMap((layer) =>
        partnerPoints(
          pairRows(matches, layer, a, b).map((r) => ({ unit_a: r.unit_a, semi_corr: r.mi_semi, semi_unit_b: r.mi_semi_unit_b, bipartite_corr: r.mi_bipartite, bipartite_unit_b: r.mi_bipartite_unit_b })),
          layer,
        ),
      );
      if (points.length === 0) continue;
      const spec = fig3Spec(points, layers, a, b, { yTitle: `MI with partner in ${b} (nats)`, bounded: false, series: ['MI semi-matching', 'MI bipartite'] });
      const fig = vegaFigure(slug('mi', a, b), `MI partners (${a} vs ${b})`, slug('mi-partners', a, b), spec);
      figures.push(fig);
      parts.push(
        viewBlock(
          vegaFigureHtml(fig, `Fig. 3 with mutual information in place of correlation: each live unit of ${esc(a)}'s MI with its partner in ${esc(b)} under semi-matching (line) and bipartite matching (points), units sorted by the semi-matching value.`),
          { pair: [a, b] },
        ),
      );
    }
  }
  if (matches && matches.length > 0) {
    parts.push(`<details><summary>tables/mi_matches: ${matches.length} rows (first ${Math.min(MI_PREVIEW_ROWS, matches.length)} shown)</summary>${previewTable(matches, MI_PREVIEW_ROWS)}</details>`);
  } else if (matches) parts.push(note('tables/mi_matches is empty.'));
  return { id: 'mi', title: 'Mutual information', html: parts.join('\n'), figures };
}
