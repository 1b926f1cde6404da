// Fig. 2 of the paper: the 8 best and 8 worst bipartite-matched pairs of each layer, with their
// top-9 image patches when the run has them.
//
// Patches need a run from images (top-k records come with a later reducer). What the report reads,
// and nothing more: if RUN/reducers/topk/<layer>/ exists, the image <net>/<unit>.png under it (one
// picture per unit, e.g. its top-9 patches tiled) is shown next to each unit; a missing file shows
// as a blank cell.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPaths, safeName } from '../run/layout.js';
import type { ReportContext, Section } from './figures.js';
import { type Column, esc, fmt, htmlTable, note } from './html.js';
import { type Row, pairRows } from './load.js';

export const FIG2_COUNT = 8;

export interface MatchedPair {
  rank: number;
  unit_a: number;
  unit_b: number;
  corr: number;
  semi_b: number | null;
  semi_corr: number | null;
}

/** Bipartite pairs sorted by correlation, best first; the best and worst `count`. */
export function bestAndWorst(rows: Row[], count = FIG2_COUNT): { best: MatchedPair[]; worst: MatchedPair[]; matched: number } {
  const pairs: MatchedPair[] = rows
    .filter((r) => typeof r.bipartite_unit_b === 'number' && typeof r.bipartite_corr === 'number' && Number.isFinite(r.bipartite_corr))
    .map((r) => ({
      rank: 0,
      unit_a: Number(r.unit_a),
      unit_b: r.bipartite_unit_b as number,
      corr: r.bipartite_corr as number,
      semi_b: typeof r.semi_unit_b === 'number' ? r.semi_unit_b : null,
      semi_corr: typeof r.semi_corr === 'number' ? r.semi_corr : null,
    }));
  pairs.sort((x, y) => y.corr - x.corr || x.unit_a - y.unit_a);
  pairs.forEach((p, i) => (p.rank = i + 1));
  const best = pairs.slice(0, count);
  const worst = pairs.slice(Math.max(count, pairs.length - count)).reverse();
  return { best, worst, matched: pairs.length };
}

async function patch(dir: string, net: string, unit: number): Promise<string> {
  const path = join(dir, safeName(net), `${unit}.png`);
  if (!existsSync(path)) return '<span class="note">–</span>';
  const b64 = (await readFile(path)).toString('base64');
  return `<img class="patches" alt="top patches of ${esc(net)} unit ${unit}" src="data:image/png;base64,${b64}">`;
}

export async function fig2Section(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const matches = await data.table('matches');
  const title = 'Best and worst matched units (Fig. 2)';
  if (!matches) return { id: 'fig2', title, html: note('tables/matches is missing (run `convergent align`).'), figures: [] };
  const parts: string[] = [
    `<p>The ${FIG2_COUNT} best and ${FIG2_COUNT} worst pairs of the bipartite matching per layer and pair of nets, with each unit's semi-matching partner for comparison.</p>`,
  ];
  let anyPatches = false;
  for (const layer of data.layers) {
    const topk = runPaths.reducerDir(data.run, 'topk', layer);
    const hasPatches = existsSync(topk);
    anyPatches ||= hasPatches;
    for (const row of data.headline.filter((r) => r.layer === layer)) {
      const a = String(row.net_a);
      const b = String(row.net_b);
      const { best, worst, matched } = bestAndWorst(pairRows(matches, layer, a, b));
      if (matched === 0) {
        parts.push(`<h3>${esc(layer)}: ${esc(a)} vs ${esc(b)}</h3>${note('no bipartite matching in tables/matches (run `convergent align` with `--method bipartite`).')}`);
        continue;
      }
      const cols: Column<MatchedPair & { pa?: string; pb?: string }>[] = [
        { label: 'rank', cell: (p) => p.rank, numeric: true },
        { label: `${a} unit`, cell: (p) => p.unit_a, numeric: true },
        { label: `${b} unit`, cell: (p) => p.unit_b, numeric: true },
        { label: 'bipartite r', cell: (p) => fmt(p.corr), numeric: true },
        { label: `semi partner in ${b}`, cell: (p) => (p.semi_b === null ? '–' : `${p.semi_b}${p.semi_b === p.unit_b ? ' (same)' : ''}`), numeric: true },
        { label: 'semi r', cell: (p) => fmt(p.semi_corr), numeric: true },
      ];
      if (hasPatches) {
        cols.push({ label: `${a} patches`, cell: (p) => p.pa ?? '', html: true }, { label: `${b} patches`, cell: (p) => p.pb ?? '', html: true });
        for (const p of [...best, ...worst]) Object.assign(p, { pa: await patch(topk, a, p.unit_a), pb: await patch(topk, b, p.unit_b) });
      }
      parts.push(`<h3>${esc(layer)}: ${esc(a)} vs ${esc(b)} <span class="sub">(${matched} matched pairs)</span></h3>
<div class="pair-tables">
<div><h4>best ${best.length}</h4>${htmlTable(cols, best, 'data compact')}</div>
<div><h4>worst ${worst.length}</h4>${worst.length ? htmlTable(cols, worst, 'data compact') : note(`fewer than ${2 * FIG2_COUNT} matched pairs: all are among the best`)}</div>
</div>`);
    }
  }
  if (!anyPatches) parts.push(note('Image patches need a run from images: this run has no top-k records (RUN/reducers/topk/<layer>/).'));
  return { id: 'fig2', title, html: parts.join('\n'), figures: [] };
}
