// Fig. 1 of the paper, for every layer and pair: within-net correlation of A and of B, between-net
// correlation, and the between-net matrix with B's units permuted by the bipartite matching, so
// that matched units sit on the diagonal (bright where they match well).
import { type HeatmapFigure, type ReportContext, type Section, heatmapFigureHtml } from './figures.js';
import { HOVER_MAX_SIDE, IMAGE_MAX_SIDE, type HeatmapPanel, heatmapPanel } from './heatmap.js';
import { esc, note, slug, viewBlock } from './html.js';
import { pairRows } from './run-data.js';
import { matchedColumnOrder, permute } from './matrix.js';

export function fig1PanelId(layer: string, a: string, b: string, kind: 'within' | 'between' | 'permuted'): string {
  return kind === 'within' ? `fig1/${layer}/${a}/within` : `fig1/${layer}/${a}/${b}/${kind}`;
}

/** Bipartite partner in B of each unit of A (null: dead or unmatched), from tables/matches. */
export function bipartitePartnersFromTable(matches: { unit_a?: unknown; bipartite_unit_b?: unknown }[], unitsA: number): (number | null)[] {
  const partner = new Array<number | null>(unitsA).fill(null);
  for (const r of matches) {
    const i = Number(r.unit_a);
    const b = r.bipartite_unit_b;
    if (Number.isInteger(i) && i >= 0 && i < unitsA && typeof b === 'number' && Number.isInteger(b)) partner[i] = b;
  }
  return partner;
}

export async function fig1Section(ctx: ReportContext): Promise<Section> {
  const { data, colorMap } = ctx;
  const matches = await data.table('matches');
  const parts: string[] = [];
  const figures: HeatmapFigure[] = [];
  for (const layer of data.layers) {
    // Within-net panels are the same for every pair of a layer: made once, embedded once.
    const within = new Map<string, HeatmapPanel | null>();
    const withinPanel = async (net: string) => {
      if (!within.has(net)) {
        const m = await data.correlation(layer, net, net);
        within.set(
          net,
          m ? heatmapPanel({ id: fig1PanelId(layer, net, net, 'within'), title: `within ${net}`, caption: `${esc(net)} × ${esc(net)}, ${m.rows} units`, matrix: m, rowAxis: { title: `${net} unit`, nets: [net] }, colAxis: { title: `${net} unit`, nets: [net] }, colorMap, keepExport: ctx.png }) : null,
        );
      }
      return within.get(net)!;
    };
    for (const row of data.headline.filter((r) => r.layer === layer)) {
      const a = String(row.net_a);
      const b = String(row.net_b);
      const title = `${layer}: ${a} vs ${b}`;
      const pa = await withinPanel(a);
      const pb = await withinPanel(b);
      const ab = await data.correlation(layer, a, b);
      if (!pa || !pb || !ab) {
        parts.push(viewBlock(`<h3>${esc(title)}</h3>${note(`correlation matrices missing under stats/${layer}/ (run \`convergent align\` again)`)}`, { layer, pair: [a, b] }));
        continue;
      }
      const between = heatmapPanel({ id: fig1PanelId(layer, a, b, 'between'), title: `${a} vs ${b}`, caption: `rows ${esc(a)}, columns ${esc(b)}`, matrix: ab, rowAxis: { title: `${a} unit`, nets: [a] }, colAxis: { title: `${b} unit`, nets: [b] }, colorMap, keepExport: ctx.png });
      const panels: HeatmapPanel[] = [pa, pb, between];
      const rows = matches ? pairRows(matches, layer, a, b) : [];
      const hasBipartite = rows.some((r) => typeof r.bipartite_unit_b === 'number');
      let permNote = '';
      if (hasBipartite) {
        const order = matchedColumnOrder(ab.cols, bipartitePartnersFromTable(rows, ab.rows));
        panels.push(
          heatmapPanel({
            id: fig1PanelId(layer, a, b, 'permuted'),
            title: `${a} vs ${b}, ${b} permuted`,
            caption: `columns: ${esc(b)} in bipartite-matching order`,
            matrix: permute(ab, null, order),
            rowAxis: { title: `${a} unit`, nets: [a] },
            colAxis: { title: `${b} unit (bipartite order)`, nets: [b], units: order },
            colorMap,
            keepExport: ctx.png,
            columnsOf: { from: between, order },
          }),
        );
      } else permNote = ' The bipartite matching is not in tables/matches (run `convergent align` with `--method bipartite`), so the permuted matrix is left out.';
      const fig: HeatmapFigure = { kind: 'heatmaps', id: slug('fig1', layer, a, b), title: `Fig. 1 (${title})`, file: slug('fig1', layer, a, b), panels };
      figures.push(fig);
      const big = Math.max(ab.rows, ab.cols) > HOVER_MAX_SIDE;
      parts.push(viewBlock(
        `<h3>${esc(title)}</h3>` +
          heatmapFigureHtml(
            fig,
            `Correlation matrices of ${esc(layer)}: (a, b) within-net correlation of ${esc(a)} and of ${esc(b)}; (c) between-net correlation, ${esc(a)}'s units as rows, ${esc(b)}'s as columns; (d) the same with ${esc(b)}'s units permuted by the bipartite matching, so that matched units lie on the diagonal: the brighter the diagonal, the better the one-to-one alignment. Dead and rare units take the colour marked “dead or rare” by the bar. Hover for unit ids and values.${big ? ` Over ${HOVER_MAX_SIDE} units a side the hover read-out gives the mean of a block of units, and over ${IMAGE_MAX_SIDE} the image is block-averaged too.` : ''}${permNote}`,
            colorMap,
          ),
        { layer, pair: [a, b] },
      ));
    }
  }
  return { id: 'fig1', title: 'Correlation matrices (Fig. 1)', html: parts.length ? parts.join('\n') : note('No aligned layers.'), figures };
}
