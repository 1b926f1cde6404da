// The paper's summary table for a study of several nets: per layer, averaged over every pair of
// nets, the mean correlation of semi-matched and of bipartite-matched units and the fraction of
// units whose semi-matching partner is also their bipartite partner; dead and rare units per net
// (rare: live but firing on too few images, left out like dead ones; src/align/rare-units.ts); and
// each net's accuracy when known.
import type { Table } from '../src/tables/types.js';
import { formatTextTable } from './headline.js';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

export function formatPaperTable(summary: Table, nets: { name: string; accuracy?: number }[]): string {
  const rows = summary.objects() as Record<string, unknown>[];
  const layers = [...new Set(rows.map((r) => String(r.layer)))];
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  const counted = rows.some((r) => typeof r.rare_a === 'number' || typeof r.rare_b === 'number');
  const header = ['layer', 'units', 'dead units', ...(counted ? ['rare units'] : []), 'semi r', 'bipartite r', 'same partner', 'pairs'];
  const body = layers.map((layer) => {
    const pairs = rows.filter((r) => String(r.layer) === layer);
    const units = new Map<string, number>();
    const dead = new Map<string, number>();
    const rare = new Map<string, number>();
    for (const r of pairs) {
      units.set(String(r.net_a), num(r.units_a));
      units.set(String(r.net_b), num(r.units_b));
      dead.set(String(r.net_a), num(r.dead_a));
      dead.set(String(r.net_b), num(r.dead_b));
      rare.set(String(r.net_a), num(r.rare_a));
      rare.set(String(r.net_b), num(r.rare_b));
    }
    const unitCounts = [...new Set(units.values())];
    return [
      layer,
      unitCounts.join('/'),
      [...dead.values()].join(' '),
      ...(counted ? [[...rare.values()].map((v) => (Number.isFinite(v) ? String(v) : '-')).join(' ')] : []),
      fmt(mean(pairs.map((r) => num(r.semi_corr)).filter(Number.isFinite))),
      fmt(mean(pairs.map((r) => num(r.bipartite_corr)).filter(Number.isFinite))),
      `${(100 * mean(pairs.map((r) => num(r.same_partner)).filter(Number.isFinite))).toFixed(0)}%`,
      String(pairs.length),
    ];
  });
  const lines = [formatTextTable(header, body, 1)];
  const known = nets.filter((n) => typeof n.accuracy === 'number');
  if (known.length > 0) lines.push('', `accuracy: ${known.map((n) => `${n.name} ${(100 * n.accuracy!).toFixed(2)}%`).join(', ')}`);
  return lines.join('\n');
}
