// The two kinds of figure in a report and their HTML: Vega-Lite charts (spec embedded, drawn by
// vega-embed in the page) and groups of heatmap panels (PNG images with a hover read-out).
import type { ColorMap } from './colormap.js';
import type { HeatmapPanel } from './heatmap.js';
import { colorBarImage } from './heatmap.js';
import { esc } from './html.js';
import type { RunData } from './run-data.js';

export interface VegaFigure {
  kind: 'vega-lite';
  id: string;
  title: string;
  /** Base name of the exported PNG (figures/<file>.png). */
  file: string;
  spec: Record<string, unknown>;
}

export interface HeatmapFigure {
  kind: 'heatmaps';
  id: string;
  title: string;
  file: string;
  panels: HeatmapPanel[];
}

export type Figure = VegaFigure | HeatmapFigure;

export interface Section {
  id: string;
  title: string;
  html: string;
  figures: Figure[];
}

export interface ReportContext {
  data: RunData;
  colorMap: ColorMap;
  /** Figures will be exported as PNG: heatmap panels keep an export-resolution image. */
  png: boolean;
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look of every chart: paper-like, small sans-serif type, light grid. */
export const CHART_CONFIG = {
  font: 'Liberation Sans, DejaVu Sans, Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: '#888', strokeWidth: 0.5 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', tickColor: '#666', domainColor: '#666' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, labelFontWeight: 'bold', title: null },
  title: { fontSize: 13, fontWeight: 'normal' },
  line: { strokeWidth: 1.6 },
};

/**
 * Axis labels of a log scale, one format for the whole axis: plain numbers when every value lies
 * in [1, 1e6) (counts), else exponent notation (`~e`: 1e-7, 2e-6, 1e+0), never a mix of
 * `0.000001` and `1e-7` as `~g` gives.
 */
export function logAxisFormat(values: number[]): string {
  return values.every((v) => v >= 1 && v < 1e6) ? '~g' : '~e';
}

export function vegaFigure(id: string, title: string, file: string, spec: Record<string, unknown>): VegaFigure {
  return { kind: 'vega-lite', id, title, file, spec: { $schema: VEGA_LITE_SCHEMA, config: CHART_CONFIG, ...spec } };
}

export function vegaFigureHtml(fig: VegaFigure, caption: string): string {
  return `<figure class="chart" id="chart-${esc(fig.id)}">
<div class="vega" data-chart="${esc(fig.id)}" role="img" aria-label="${esc(fig.title)}"></div>
<figcaption><b>${esc(fig.title)}.</b> ${caption}</figcaption>
</figure>`;
}

export function colorBarHtml(map: ColorMap, label = 'Pearson r'): string {
  return `<div class="colorbar" title="${esc(map.description)}">
<div class="cb-label">${esc(label)}</div>
<div class="cb-body"><img class="cb-image" alt="colour bar, ${esc(map.description)}" src="${colorBarImage(map)}"><div class="cb-ticks"><span>+1</span><span>0</span><span>−1</span></div></div>
<div class="cb-missing"><span class="swatch" style="background:${map.missing}"></span> dead or rare</div>
</div>`;
}

/** Positions where a new group (cluster) starts along an axis in that order: 1..n-1. */
export function groupStarts(groups: number[]): number[] {
  const out: number[] = [];
  for (let p = 1; p < groups.length; p++) if (groups[p] !== groups[p - 1]) out.push(p);
  return out;
}

/**
 * The diagonal blocks [from, to) of a cluster-ordered square panel (both axes with the same
 * groups), one per run of a cluster; none for other panels.
 */
export function groupBlocks(p: HeatmapPanel): { from: number; to: number }[] {
  const groups = p.data.rowAxis.groups;
  if (!groups || p.data.colAxis.groups !== groups || groups.length !== p.data.rows || p.data.rows !== p.data.cols) return [];
  const edges = [0, ...groupStarts(groups), groups.length];
  return edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1] }));
}

/**
 * Cluster boundaries over a cluster-ordered heatmap: an SVG in matrix coordinates laid over the
 * image, a line across the matrix where each cluster ends and an outline around each diagonal
 * block (a cluster with itself). Static: it needs no script.
 */
function groupBoundaries(p: HeatmapPanel): string {
  const blocks = groupBlocks(p);
  if (blocks.length === 0) return '';
  const n = p.data.rows;
  const lines = blocks.slice(1).map(({ from }) => `M${from} 0V${n}M0 ${from}H${n}`).join('');
  const rects = blocks.map(({ from, to }) => `<rect x="${from}" y="${from}" width="${to - from}" height="${to - from}"/>`).join('');
  return `<svg class="groups" viewBox="0 0 ${n} ${n}" preserveAspectRatio="none" aria-hidden="true"><path class="group-line" d="${lines}"/>${rects}</svg>`;
}

export function heatmapFigureHtml(fig: HeatmapFigure, caption: string, map: ColorMap): string {
  const panels = fig.panels
    .map(
      (p) => `<div class="panel">
<div class="ptitle">${esc(p.title)}</div>
<div class="pimage"><img class="heatmap" data-heatmap="${esc(p.id)}" alt="${esc(p.title)}" style="aspect-ratio: ${p.data.cols} / ${p.data.rows}">${groupBoundaries(p)}</div>
<div class="pcap">${p.caption}</div>
</div>`,
    )
    .join('\n');
  return `<figure class="heatmaps" id="${esc(fig.id)}" data-figure="${esc(fig.id)}">
<div class="panels n${fig.panels.length}">
${panels}
${colorBarHtml(map)}
</div>
<figcaption><b>${esc(fig.title)}.</b> ${caption}</figcaption>
</figure>`;
}
