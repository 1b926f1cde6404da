// Fig. 2 of the paper: the 8 best and 8 worst bipartite-matched pairs of each layer, with their
// top-9 image patches when the run has them.
//
// Patches come from the probe of ONNX models: RUN/reducers/topk/<layer>/<net>/<unit>.png, one
// picture per unit (its top-k patches tiled), shown at an integer zoom (pixelated) of about
// PATCH_WIDTH CSS pixels. With the top-k records beside them (topk-records.ts) each picture says
// how many images the unit fires on and how many of its k slots are filled (empty slots are left
// blank, never filled with other images); a picture whose records hold filler images (runs probed
// before empty slots were marked) is not shown. A missing file shows as a blank cell.
//
// Beneath each picture, when `convergent report` drew them (src/views/), the deconvnet views of
// the same images (RUN/views/units/<layer>/<net>/<unit>.png, the same grid at the same zoom);
// RUN/views/status.json says why any are missing.
import { runPaths, safeName } from '../run-dir/layout.js';
import { base64 } from './base64.js';
import type { ReportContext, Section } from './figures.js';
import { type Column, esc, fmt, htmlTable, note, viewBlock } from './html.js';
import { type LayerTopK, readLayerTopK } from './topk-records.js';
import { type Row, pairRows } from './run-data.js';
import { readText, type RunFiles } from './run-files.js';
import type { ViewsStatus } from '../views/status.js';

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

/** Display width of a unit's patch picture, in CSS pixels (an integer multiple of its own width). */
export const PATCH_WIDTH = 150;

/** An integer zoom of a PNG of width `natural` to about `target` pixels (pixelated stays even). */
export function patchZoom(natural: number, target = PATCH_WIDTH): number {
  return Math.max(1, Math.round(target / Math.max(1, natural)));
}

/** Where a unit's pictures are: its patches (the top-k reducer's folder) and its deconvnet views. */
interface UnitFiles {
  files: RunFiles;
  topkDir: string;
  viewPng(net: string, unit: number): string;
}

async function patch(at: UnitFiles, topk: LayerTopK | undefined, net: string, unit: number): Promise<string> {
  const { files } = at;
  const path = `${at.topkDir}/${safeName(net)}/${unit}.png`;
  const bytes = await files.read(path);
  if (bytes === undefined) return '<span class="note">–</span>';
  const records = topk?.nets.get(net);
  if (records?.filler[unit]) return `<span class="note">patches withheld: the records of ${esc(net)} unit ${unit} hold images it does not fire on (re-probe the run)</span>`;
  const natural = bytes.length > 24 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16) : PATCH_WIDTH;
  const width = natural * patchZoom(natural);
  const filled = records ? records.filled[unit] : undefined;
  const slots = records && filled !== undefined ? ` data-filled="${filled}" data-slots="${topk!.k}"` : '';
  const active = records?.active?.[unit];
  const count =
    active !== undefined
      ? `<div class="pcount">fires on ${active.toLocaleString('en-US')}${topk!.images !== undefined ? ` of ${topk!.images.toLocaleString('en-US')}` : ''} images</div>`
      : filled !== undefined && filled < topk!.k
        ? `<div class="pcount">${filled} of ${topk!.k} slots filled</div>`
        : '';
  const views = await files.read(at.viewPng(net, unit));
  const view = views ? `<img class="views" alt="deconvnet views of ${esc(net)} unit ${unit}" width="${width}" src="data:image/png;base64,${base64(views)}">` : '';
  return `<img class="patches" alt="top patches of ${esc(net)} unit ${unit}" width="${width}" src="data:image/png;base64,${base64(bytes)}"${slots}>${view}${count}`;
}

/** What Fig. 2 says about the deconvnet views: how they were made, or why there are none. */
async function viewsNote(files: RunFiles, run: string): Promise<string> {
  const text = await readText(files, runPaths.viewsStatus(run));
  if (text === undefined) return note('No deconvnet views: `convergent report` draws them beneath the patches for runs probed from ONNX models on images (this report was made without that step: `--no-views`, or the page\'s in-memory study, which draws none).');
  const status = JSON.parse(text) as ViewsStatus;
  const parts: string[] = [];
  if (status.views > 0) {
    parts.push(
      `<p>Beneath each unit's patches, its deconvnet views (Zeiler &amp; Fergus 2014) on the same images: the unit's activation at the patch's position alone, projected back to pixels through its net (transposed convolutions with the net's own weights, unpooling through the max locations of that image's forward pass, ReLU on the backward signal; LRN passed through unchanged, as deconvnets do). Each view is scaled to its own largest magnitude: grey is zero. ${status.views.toLocaleString('en-US')} views${status.ops ? `, on ${esc(status.ops)}` : ''}.</p>`,
    );
  }
  for (const why of status.notes) parts.push(note(`Deconvnet views missing: ${why}`));
  return parts.join('\n');
}

export async function fig2Section(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const matches = await data.table('matches');
  const title = 'Best and worst matched units (Fig. 2)';
  if (!matches) return { id: 'fig2', title, html: note('tables/matches is missing (run `convergent align`).'), figures: [] };
  const parts: string[] = [
    `<p>The ${FIG2_COUNT} best and ${FIG2_COUNT} worst pairs of the bipartite matching per layer and pair of nets, with each unit's semi-matching partner for comparison. Patches: the receptive field of each unit around its strongest response in each of the images that excite it most, best first, left to right; a unit that fires on fewer images than there are tiles leaves the rest blank. Dead and rare units (see Dead and rare units) are not matched.</p>`,
  ];
  let anyPatches = false;
  for (const layer of data.layers) {
    const topk = runPaths.reducerDir(data.run, 'topk', layer);
    const at: UnitFiles = { files: data.files, topkDir: topk, viewPng: (net, unit) => runPaths.viewPng(data.run, layer, net, unit) };
    const hasPatches = await data.files.has(topk);
    const records = hasPatches ? await readLayerTopK(data.files, topk, data.nets.map((n) => n.name)) : undefined;
    anyPatches ||= hasPatches;
    for (const row of data.headline.filter((r) => r.layer === layer)) {
      const a = String(row.net_a);
      const b = String(row.net_b);
      const { best, worst, matched } = bestAndWorst(pairRows(matches, layer, a, b));
      if (matched === 0) {
        parts.push(viewBlock(`<h3>${esc(layer)}: ${esc(a)} vs ${esc(b)}</h3>${note('no bipartite matching in tables/matches (run `convergent align` with `--method bipartite`).')}`, { layer, pair: [a, b] }));
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
        for (const p of [...best, ...worst]) Object.assign(p, { pa: await patch(at, records, a, p.unit_a), pb: await patch(at, records, b, p.unit_b) });
      }
      parts.push(
        viewBlock(
          `<h3>${esc(layer)}: ${esc(a)} vs ${esc(b)} <span class="sub">(${matched} matched pairs)</span></h3>
<div class="pair-tables">
<div><h4>best ${best.length}</h4>${htmlTable(cols, best, 'data compact')}</div>
<div><h4>worst ${worst.length}</h4>${worst.length ? htmlTable(cols, worst, 'data compact') : note(`fewer than ${2 * FIG2_COUNT} matched pairs: all are among the best`)}</div>
</div>`,
          { layer, pair: [a, b] },
        ),
      );
    }
  }
  if (!anyPatches) parts.push(note('Image patches need a run from images: this run has no top-k records (RUN/reducers/topk/<layer>/).'));
  else parts.splice(1, 0, await viewsNote(data.files, data.run)); // after the intro, before the layers
  return { id: 'fig2', title, html: parts.join('\n'), figures: [] };
}
