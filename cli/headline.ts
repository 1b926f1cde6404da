// The paper's headline table, as text for the terminal.
import type { Table } from '../src/tables/types.js';

const fmt = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');
const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(0)}%` : '-');

export function formatHeadline(summary: Table): string {
  const rows = summary.objects() as Record<string, unknown>[];
  // Rare units are counted only where the probe kept per-image records (ONNX runs with top-k).
  const counted = rows.some((r) => typeof r.rare_a === 'number' || typeof r.rare_b === 'number');
  const count = (v: unknown) => (typeof v === 'number' ? String(v) : '-');
  const header = ['layer', 'net A', 'net B', 'units', 'dead A/B', ...(counted ? ['rare A/B'] : []), 'semi r', 'bipartite r', 'same partner'];
  const body = rows.map((r) => [
    String(r.layer),
    String(r.net_a),
    String(r.net_b),
    r.units_a === r.units_b ? String(r.units_a) : `${r.units_a}/${r.units_b}`,
    `${r.dead_a}/${r.dead_b}`,
    ...(counted ? [`${count(r.rare_a)}/${count(r.rare_b)}`] : []),
    fmt(r.semi_corr),
    fmt(r.bipartite_corr),
    pct(r.same_partner),
  ]);
  return formatTextTable(header, body, 3);
}

/** A plain-text table: the first `textColumns` columns left-aligned, the rest (numbers) right-aligned. */
export function formatTextTable(header: string[], body: string[][], textColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
