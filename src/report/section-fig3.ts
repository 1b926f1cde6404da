// Fig. 3 of the paper: each unit's partner correlation under semi-matching and under bipartite
// matching, units sorted by their semi-matching value, one panel per layer, one chart per pair.
import { type ReportContext, type Section, type VegaFigure, vegaFigure, vegaFigureHtml } from './figures.js';
import { esc, note, slug, viewBlock } from './html.js';
import { type Row, pairRows, pairsOf } from './run-data.js';

export interface PartnerPoint {
  layer: string;
  rank: number;
  unit_a: number;
  semi: number | null;
  semi_b: number | null;
  bipartite: number | null;
  bipartite_b: number | null;
  /** 95% intervals of the two values (matches' *_corr_lo/_hi: Fisher z over the images), when the table has them. */
  semi_lo?: number | null;
  semi_hi?: number | null;
  bipartite_lo?: number | null;
  bipartite_hi?: number | null;
}

/** Live units of A, sorted by semi-matching correlation (high to low), ranked from 1. */
export function partnerPoints(rows: Row[], layer: string): PartnerPoint[] {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const points = rows
    .map((r) => ({
      layer, rank: 0, unit_a: Number(r.unit_a), semi: num(r.semi_corr), semi_b: num(r.semi_unit_b), bipartite: num(r.bipartite_corr), bipartite_b: num(r.bipartite_unit_b),
      semi_lo: num(r.semi_corr_lo), semi_hi: num(r.semi_corr_hi), bipartite_lo: num(r.bipartite_corr_lo), bipartite_hi: num(r.bipartite_corr_hi),
    }))
    .filter((p) => p.semi !== null || p.bipartite !== null);
  const key = (p: PartnerPoint) => p.semi ?? p.bipartite ?? -Infinity;
  points.sort((x, y) => key(y) - key(x) || x.unit_a - y.unit_a);
  points.forEach((p, i) => (p.rank = i + 1));
  return points;
}

export interface PartnerChartOptions {
  /** y axis title (default: correlation with partner in B). */
  yTitle?: string;
  /** Similarity bounded by 1 (correlation): y runs to 1. Otherwise (MI, in nats) from 0 to the data. */
  bounded?: boolean;
  /** Names of the two series (default semi-matching, bipartite). */
  series?: [string, string];
  /** Per layer, the chance level of each series' mean (summary's *_chance), drawn as a dashed line. */
  chance?: { layer: string; semi: number | null; bipartite: number | null }[];
}

/** Values embedded in a chart keep 4 decimals: the tooltip shows 3, and 17 digits would double the page. */
export const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function fig3Spec(points: PartnerPoint[], layers: string[], a: string, b: string, options: PartnerChartOptions = {}): Record<string, unknown> {
  const [semiName, bipName] = options.series ?? ['semi-matching', 'bipartite'];
  const bounded = options.bounded ?? true;
  const r4 = (v: number | null | undefined) => (v === null || v === undefined ? null : round4(v));
  const values: Record<string, unknown>[] = points.flatMap((p) => [
    ...(p.semi !== null ? [{ layer: p.layer, rank: p.rank, unit_a: p.unit_a, matching: semiName, corr: round4(p.semi), partner: p.semi_b, lo: r4(p.semi_lo), hi: r4(p.semi_hi) }] : []),
    ...(p.bipartite !== null ? [{ layer: p.layer, rank: p.rank, unit_a: p.unit_a, matching: bipName, corr: round4(p.bipartite), partner: p.bipartite_b, lo: r4(p.bipartite_lo), hi: r4(p.bipartite_hi) }] : []),
  ]);
  const intervals = points.some((p) => p.semi_lo != null || p.bipartite_lo != null);
  // Chance levels: one row per layer and series, drawn as dashed rules across the panel.
  const chance = (options.chance ?? []).flatMap((c) => [
    ...(c.semi !== null ? [{ layer: c.layer, matching: semiName, chance: round4(c.semi) }] : []),
    ...(c.bipartite !== null ? [{ layer: c.layer, matching: bipName, chance: round4(c.bipartite) }] : []),
  ]);
  values.push(...chance);
  const low = Math.min(0, ...values.flatMap((v) => [v.corr, v.lo, v.chance].filter((x): x is number => typeof x === 'number')));
  const x = { field: 'rank', type: 'quantitative', title: `unit of ${a}, sorted by ${semiName} ${bounded ? 'r' : 'value'}`, scale: { zero: false, nice: false } };
  const y = { field: 'corr', type: 'quantitative', title: options.yTitle ?? `correlation with partner in ${b}`, scale: bounded ? { domain: [Math.floor(low * 10) / 10, 1] } : { zero: true } };
  const color = {
    field: 'matching',
    type: 'nominal',
    title: null,
    scale: { domain: [semiName, bipName], range: ['#1f4e9c', '#e4572e'] },
    legend: { orient: 'bottom', direction: 'horizontal' },
  };
  const tooltip = [
    { field: 'layer', type: 'nominal' },
    { field: 'unit_a', type: 'quantitative', title: `${a} unit` },
    { field: 'matching', type: 'nominal' },
    { field: 'partner', type: 'quantitative', title: `${b} partner` },
    { field: 'corr', type: 'quantitative', title: bounded ? 'r' : 'value', format: '.3f' },
  ];
  return {
    data: { values },
    facet: { field: 'layer', type: 'nominal', sort: layers, title: null },
    columns: Math.min(3, layers.length),
    spec: {
      width: 300,
      height: 200,
      layer: [
        ...(intervals
          ? [
              // 95% intervals of each unit's partner correlation (Fisher z over the images): a band under the line, bars through the points.
              { transform: [{ filter: { field: 'matching', equal: semiName } }, { filter: 'isValid(datum.lo)' }], mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
              { transform: [{ filter: { field: 'matching', equal: bipName } }, { filter: 'isValid(datum.lo)' }], mark: { type: 'rule', opacity: 0.35 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
            ]
          : []),
        { transform: [{ filter: { field: 'matching', equal: semiName } }, { filter: 'isValid(datum.corr)' }], mark: { type: 'line' }, encoding: { x, y, color, tooltip } },
        { transform: [{ filter: { field: 'matching', equal: bipName } }, { filter: 'isValid(datum.corr)' }], mark: { type: 'point', filled: true, size: 14, opacity: 0.75 }, encoding: { x, y, color, tooltip } },
        ...(chance.length > 0
          ? [
              {
                transform: [{ filter: 'isValid(datum.chance)' }],
                mark: { type: 'rule', strokeDash: [5, 4] },
                encoding: { y: { ...y, field: 'chance' }, color, tooltip: [{ field: 'matching', type: 'nominal' }, { field: 'chance', type: 'quantitative', title: 'chance level of the mean', format: '.3f' }] },
              },
            ]
          : []),
      ],
    },
    resolve: { scale: { x: 'independent' } },
  };
}

export async function fig3Section(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const matches = await data.table('matches');
  if (!matches) return { id: 'fig3', title: 'Partner correlations (Fig. 3)', html: note('tables/matches is missing (run `convergent align`).'), figures: [] };
  const pairs = pairsOf(data.headline);
  const figures: VegaFigure[] = [];
  const parts: string[] = [];
  for (const [a, b] of pairs) {
    const layers = data.layers.filter((l) => data.headline.some((r) => r.layer === l && r.net_a === a && r.net_b === b));
    const points = layers.flatMap((layer) => partnerPoints(pairRows(matches, layer, a, b), layer));
    if (points.length === 0) continue;
    const chance = layers.map((layer) => {
      const row = data.headline.find((r) => r.layer === layer && r.net_a === a && r.net_b === b);
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      return { layer, semi: num(row?.semi_corr_chance), bipartite: num(row?.bipartite_corr_chance) };
    });
    const fig = vegaFigure(slug('fig3', a, b), `Fig. 3 (${a} vs ${b})`, slug('fig3', a, b), fig3Spec(points, layers, a, b, { chance }));
    figures.push(fig);
    parts.push(
      viewBlock(
        vegaFigureHtml(
          fig,
          `Correlation of each live unit of ${esc(a)} with its partner in ${esc(b)}, under semi-matching (line: its most correlated unit, partners may repeat) and bipartite matching (points: one-to-one), units sorted by the semi-matching value. Where the points fall below the line, the one-to-one constraint cost correlation: the unit's best partner was taken by another unit.${
            points.some((p) => p.semi_lo != null) ? " Shaded band and bars: each pair's 95% interval (Fisher z, with the number of images as the sample size: the positions of one image are not independent)." : ''
          }${chance.some((c) => c.semi !== null || c.bipartite !== null) ? ' Dashed lines: the chance level of each mean, from the null reducer (no unit of A sees the same image as its partner).' : ''}`,
        ),
        { pair: [a, b] },
      ),
    );
  }
  return { id: 'fig3', title: 'Partner correlations (Fig. 3)', html: parts.length ? parts.join('\n') : note('tables/matches has no rows for the aligned pairs.'), figures };
}
