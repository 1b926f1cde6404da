// Whole-layer similarity metrics (linear CKA, CCA / SVCCA, ...) from tables/metrics
// (layer, net_a, net_b, metric, value): per layer, one row per metric and one column per pair.
// The MI metrics (mi_*) have their own section. Notes on undefined values (tables/metric_notes:
// layer, net_a, net_b, metric, reason) are listed under the table.
import type { ReportContext, Section } from './figures.js';
import { type Column, esc, fmt, htmlTable, viewBlock } from './html.js';
import type { Row } from './run-data.js';
import { uncertaintyHtml } from './uncertainty.js';

export interface PivotRow {
  layer: string;
  net_a: string;
  net_b: string;
  values: Record<string, number | null>;
  /** Per metric, its 95% interval and chance level when align computed them (value_lo, value_hi, value_chance). */
  uncertainty: Record<string, { lo: unknown; hi: unknown; chance: unknown }>;
}

/** Long (layer, net_a, net_b, metric, value) rows to one row per layer and pair, in layer order. */
export function pivotMetrics(rows: Row[], layers: string[], keep: (metric: string) => boolean): { metrics: string[]; rows: PivotRow[] } {
  const metrics: string[] = [];
  const byKey = new Map<string, PivotRow>();
  for (const r of rows) {
    const metric = String(r.metric);
    if (!keep(metric)) continue;
    if (!metrics.includes(metric)) metrics.push(metric);
    const key = `${r.layer}\u0000${r.net_a}\u0000${r.net_b}`;
    let p = byKey.get(key);
    if (!p) byKey.set(key, (p = { layer: String(r.layer), net_a: String(r.net_a), net_b: String(r.net_b), values: {}, uncertainty: {} }));
    p.values[metric] = typeof r.value === 'number' && Number.isFinite(r.value) ? r.value : null;
    p.uncertainty[metric] = { lo: r.value_lo, hi: r.value_hi, chance: r.value_chance };
  }
  const order = (l: string) => (layers.includes(l) ? layers.indexOf(l) : layers.length);
  const out = [...byKey.values()].sort((x, y) => order(x.layer) - order(y.layer) || x.layer.localeCompare(y.layer) || x.net_a.localeCompare(y.net_a) || x.net_b.localeCompare(y.net_b));
  return { metrics, rows: out };
}

/**
 * One table per layer, transposed: a row per metric, a column per pair of nets. A run with many
 * methods has 20+ metrics but few pairs, so the table grows down rather than off the page; each
 * layer's table is a view block (the page's layer selector shows one at a time).
 */
export function pivotTable(pivot: { metrics: string[]; rows: PivotRow[] }): string {
  const layers = [...new Set(pivot.rows.map((r) => r.layer))];
  return layers
    .map((layer) => {
      const pairs = pivot.rows.filter((r) => r.layer === layer);
      const metrics = pivot.metrics.filter((m) => pairs.some((p) => m in p.values));
      const cols: Column<string>[] = [
        { label: 'metric', cell: (m) => `<code>${esc(m)}</code>`, html: true },
        ...pairs.map((p): Column<string> => ({ label: `${esc(p.net_a)}<br>vs ${esc(p.net_b)}`, labelHtml: true, cell: (m) => uncertaintyHtml(p.values[m], p.uncertainty[m]?.lo, p.uncertainty[m]?.hi, p.uncertainty[m]?.chance, formatMetric), html: true, numeric: true })),
      ];
      return viewBlock(`<h3>${esc(layer)}</h3>\n${htmlTable(cols, metrics, 'data compact metrics')}`, { layer });
    })
    .join('\n');
}

function formatMetric(v: unknown): string {
  return Number.isInteger(v) ? String(v) : fmt(v);
}

export async function metricsSection(ctx: ReportContext): Promise<Section | null> {
  const rows = await ctx.data.table('metrics');
  if (!rows) return null;
  const pivot = pivotMetrics(rows, ctx.data.layers, (m) => !m.startsWith('mi_'));
  if (pivot.rows.length === 0) return null;
  const notes = ((await ctx.data.table('metric_notes')) ?? []).filter((n) => !String(n.metric).startsWith('mi_'));
  const notesHtml = notes.length
    ? `<details><summary>${notes.length} undefined value${notes.length === 1 ? '' : 's'} (–): why</summary><ul class="notes">${notes.map((n) => `<li>${esc(n.layer)} ${esc(n.net_a)}/${esc(n.net_b)} <code>${esc(n.metric)}</code>: ${esc(n.reason)}</li>`).join('')}</ul></details>`
    : '';
  const html = `<p>Whole-layer similarity of each pair of nets (${pivot.metrics.map((m) => `<code>${esc(m)}</code>`).join(', ')}), computed from the same streamed moments: 1 means the two layers' representations agree up to the transformations the metric ignores.</p>
${pivotTable(pivot)}
${notesHtml}`;
  return { id: 'metrics', title: 'Layer similarity (CKA, CCA, …)', html, figures: [] };
}
