// The headline table of the paper, per layer and pair, and what is known about the nets.
import type { ReportContext, Section } from './figures.js';
import { esc, fmt, htmlTable, int, isNum, pct, type Column } from './html.js';
import type { NetInfo, Row } from './run-data.js';
import { hasUncertainty, valueWithUncertainty } from './uncertainty.js';

function accuracy(v: number): string {
  return v <= 1 ? `${(100 * v).toFixed(1)}%` : `${v.toFixed(1)}%`;
}

const CORRELATION: [number, number] = [-1, 1];
const FRACTION: [number, number] = [0, 1];

export function headlineColumns(rows: Row[] = []): Column<Row>[] {
  // Runs aligned with the rare-unit rule (ONNX probes with top-k records) have rare_a / rare_b.
  const rare: Column<Row>[] = rows.some((r) => isNum(r.rare_a) || isNum(r.rare_b))
    ? [{ label: 'rare A/B', cell: (r) => `${int(r.rare_a)}/${int(r.rare_b)}`, numeric: true, title: 'units firing on too few probe images, left out like dead units (--min-active-images)' }]
    : [];
  return [
    { label: 'layer', cell: (r) => String(r.layer) },
    { label: 'net A', cell: (r) => String(r.net_a) },
    { label: 'net B', cell: (r) => String(r.net_b) },
    { label: 'samples', cell: (r) => int(r.samples), numeric: true },
    { label: 'units', cell: (r) => (r.units_a === r.units_b ? int(r.units_a) : `${int(r.units_a)}/${int(r.units_b)}`), numeric: true },
    { label: 'dead A/B', cell: (r) => `${int(r.dead_a)}/${int(r.dead_b)}`, numeric: true },
    ...rare,
    { label: 'semi r A→B', cell: (r) => valueWithUncertainty(r, 'semi_corr', fmt, CORRELATION), html: true, numeric: true, title: 'mean over live units of A of the correlation with their most correlated unit of B' },
    { label: 'semi r B→A', cell: (r) => valueWithUncertainty(r, 'semi_corr_ba', fmt, CORRELATION), html: true, numeric: true },
    { label: 'bipartite r', cell: (r) => valueWithUncertainty(r, 'bipartite_corr', fmt, CORRELATION), html: true, numeric: true, title: 'mean correlation of the one-to-one (Hungarian) matching' },
    { label: 'same partner A→B', cell: (r) => valueWithUncertainty(r, 'same_partner', pct, FRACTION), html: true, numeric: true, title: 'fraction of bipartite-matched units of A whose semi-matching partner is the same unit' },
    { label: 'same partner B→A', cell: (r) => valueWithUncertainty(r, 'same_partner_ba', pct, FRACTION), html: true, numeric: true },
  ];
}

/** What the brackets and chance levels under the values are, when the run has them. */
function uncertaintyNote(rows: Row[]): string {
  const columns = ['semi_corr', 'bipartite_corr', 'same_partner'];
  const intervals = rows.some((r) => columns.some((c) => isNum(r[`${c}_lo`])));
  const chance = rows.some((r) => columns.some((c) => isNum(r[`${c}_chance`])));
  if (!intervals && !chance) return '<p class="note">No error bars: probe with <code>--blocks B</code> (or merge the parts of a sharded probe) for 95% intervals, and with <code>--reducer null</code> for chance levels.</p>';
  const parts = [];
  if (intervals) parts.push('Brackets: the 95% interval from a delete-one-block jackknife over blocks of images (<code>--blocks</code>, or the parts of a sharded probe).');
  if (chance && columns.some((c) => hasUncertainty(rows, c))) parts.push('<i>chance</i>: the same number with no correspondence between the nets (each net sees other images: the <code>null</code> reducer). The best of many correlations is well above zero by chance when the images are few.');
  return `<p class="ref">${parts.join(' ')}</p>`;
}

export function netsTable(nets: NetInfo[]): string {
  const known = nets.some((n) => isNum(n.accuracy));
  const cols: Column<NetInfo>[] = [
    { label: 'net', cell: (n) => n.name },
    { label: 'activations', cell: (n) => `<code>${esc(n.path)}</code>`, html: true },
  ];
  if (known) cols.push({ label: 'accuracy', cell: (n) => (isNum(n.accuracy) ? accuracy(n.accuracy) : '–'), numeric: true });
  return htmlTable(cols, nets) + (known ? '' : '<p class="note">Accuracies unknown: probe.json records none for these nets.</p>');
}

export function headlineSection(ctx: ReportContext): Section {
  const rows = ctx.data.headline;
  const html = `<p>Per layer and pair of nets: the mean correlation of each live unit with its partner under semi-matching (each unit's most correlated unit of the other net) and under bipartite matching (one-to-one, maximizing total correlation), and how often both give the same partner. Dead units (constant over the probe set) and rare units (firing on too few probe images) are left out of every mean.</p>
${htmlTable(headlineColumns(rows), rows, 'data headline')}
${uncertaintyNote(rows)}
<p class="ref">For scale: Li et al. (2016) report, for Net1 vs Net2 on ImageNet, mean semi / bipartite correlation conv1 .703/.663, conv2 .556/.507, conv3 .478/.446, conv4 .369/.342, conv5 .416/.385, and the same partner under both for 73%, 58%, 62%, 58%, 65% of units.</p>
<h3>Nets</h3>
${netsTable(ctx.data.nets)}`;
  return { id: 'headline', title: 'Headline', html, figures: [] };
}
