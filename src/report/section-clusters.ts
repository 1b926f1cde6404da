// Many-to-many: the joint correlation matrix [[within A, between], [between', within B]] of a pair
// of nets, permuted into the cluster order a clustering method found (tables/cluster_order:
// layer, method, net_a, net_b, position, net, unit). Cluster ids come from tables/clusters when
// it has a `cluster` column for the same layer, method, pair, net and unit.
import { type HeatmapFigure, type ReportContext, type Section, heatmapFigureHtml } from './figures.js';
import { heatmapPanel } from './heatmap.js';
import { esc, note, slug, viewBlock } from './html.js';
import type { Row } from './run-data.js';
import type { Matrix } from './matrix.js';

interface OrderKey {
  layer: string;
  method: string;
  net_a: string;
  net_b: string;
  order: { net: string; unit: number }[];
}

export function clusterOrders(rows: Row[]): OrderKey[] {
  const groups = new Map<string, OrderKey & { pos: number[] }>();
  for (const r of rows) {
    const key = [r.layer, r.method, r.net_a, r.net_b].join('\u0000');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { layer: String(r.layer), method: String(r.method), net_a: String(r.net_a), net_b: String(r.net_b), order: [], pos: [] }));
    g.order.push({ net: String(r.net), unit: Number(r.unit) });
    g.pos.push(Number(r.position));
  }
  return [...groups.values()].map((g) => {
    const idx = g.pos.map((_, i) => i).sort((x, y) => g.pos[x] - g.pos[y]);
    return { layer: g.layer, method: g.method, net_a: g.net_a, net_b: g.net_b, order: idx.map((i) => g.order[i]) };
  });
}

/** The joint matrix of nets a and b in the given order, from the four correlation blocks. */
export function jointMatrix(order: { net: string; unit: number }[], blocks: Map<string, Matrix>): Matrix {
  const n = order.length;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const m = blocks.get(`${order[i].net}\u0000${order[j].net}`);
      data[i * n + j] = m ? m.data[order[i].unit * m.cols + order[j].unit] : Number.NaN;
    }
  }
  return { rows: n, cols: n, data };
}

export async function clustersSection(ctx: ReportContext): Promise<Section | null> {
  const { data, colorMap } = ctx;
  const orderRows = await data.table('cluster_order');
  if (!orderRows) return null;
  const clusterRows = await data.table('clusters');
  const title = 'Shared subspaces (clusters)';
  const figures: HeatmapFigure[] = [];
  const parts: string[] = [
    '<p>The joint correlation matrix of two nets, [[within A, between], [between, within B]], with the units of both nets permuted into the order a clustering of that matrix found. Blocks that span both nets are subspaces the nets share even though no single pair of units matches.</p>',
  ];
  const orders = clusterOrders(orderRows);
  const layerIndex = (l: string) => (data.layers.includes(l) ? data.layers.indexOf(l) : data.layers.length);
  orders.sort((x, y) => layerIndex(x.layer) - layerIndex(y.layer) || x.method.localeCompare(y.method) || x.net_a.localeCompare(y.net_a) || x.net_b.localeCompare(y.net_b));
  for (const o of orders) {
    const nets = [o.net_a, o.net_b];
    const blocks = new Map<string, Matrix>();
    for (const p of nets) for (const q of nets) {
      const m = await data.correlation(o.layer, p, q);
      if (m) blocks.set(`${p}\u0000${q}`, m);
    }
    const heading = `${o.layer}: ${o.method} clusters of ${o.net_a} and ${o.net_b}`;
    const bad = o.order.find((e) => !nets.includes(e.net));
    if (blocks.size < 4 || bad) {
      parts.push(viewBlock(`<h3>${esc(heading)}</h3>${note(bad ? `cluster_order names net "${bad.net}", not one of ${nets.join(', ')}` : `correlation matrices missing under stats/${o.layer}/`)}`, { layer: o.layer, pair: [o.net_a, o.net_b] }));
      continue;
    }
    let groups: number[] | undefined;
    let clusterCount = 0;
    if (clusterRows && clusterRows.length > 0 && 'cluster' in clusterRows[0]) {
      const of = new Map<string, number>();
      for (const r of clusterRows) {
        if (r.layer === o.layer && String(r.method ?? o.method) === o.method && r.net_a === o.net_a && r.net_b === o.net_b) of.set(`${r.net}\u0000${r.unit}`, Number(r.cluster));
      }
      if (of.size > 0) {
        groups = o.order.map((e) => of.get(`${e.net}\u0000${e.unit}`) ?? -1);
        clusterCount = new Set(groups.filter((g) => g >= 0)).size;
      }
    }
    const netIndex = o.order.map((e) => nets.indexOf(e.net));
    const units = o.order.map((e) => e.unit);
    const axis = { title: 'unit', nets, net: netIndex, units, ...(groups ? { groups } : {}) };
    const id = slug('clusters', o.layer, o.method, o.net_a, o.net_b);
    const panel = heatmapPanel({
      id: `clusters/${o.layer}/${o.method}/${o.net_a}/${o.net_b}`,
      title: `${o.net_a} + ${o.net_b} joint, ${o.method} order`,
      caption: `${o.order.length} units${clusterCount ? `, ${clusterCount} clusters` : ''}`,
      matrix: jointMatrix(o.order, blocks),
      rowAxis: axis,
      colAxis: axis,
      colorMap,
      keepExport: ctx.png,
    });
    const fig: HeatmapFigure = { kind: 'heatmaps', id, title: heading, file: id, panels: [panel] };
    figures.push(fig);
    const boundaries = groups ? ' Thin lines mark where each cluster ends; outlined squares on the diagonal are the clusters (each with itself).' : '';
    parts.push(
      viewBlock(
        `<h3>${esc(heading)}</h3>` + heatmapFigureHtml(fig, `Joint correlation matrix of ${esc(o.net_a)} and ${esc(o.net_b)} in ${esc(o.method)} cluster order.${boundaries} Hover for each unit's net, id${groups ? ' and cluster' : ''}.`, colorMap),
        { layer: o.layer, pair: [o.net_a, o.net_b] },
      ),
    );
  }
  return { id: 'clusters', title, html: parts.join('\n'), figures };
}
