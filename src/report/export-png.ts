// `report --format png`: every figure as a PNG under RUN/figures/, for papers. Charts go through
// Vega in Node (View.toSVG, no browser) and resvg (WASM) to PNG at 2x; heatmap figures become a
// Vega-Lite chart of image marks (the matrix as an indexed PNG at up to EXPORT_MAX_SIDE pixels a
// side, enlarged without smoothing) with axes and a colour bar drawn from the same colour map.
// Text needs a font file: resvg-wasm cannot
// see system fonts by itself, so the usual Liberation / DejaVu / Noto files are loaded if present.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../run-dir/atomic-write.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColorMap } from './colormap.js';
import { palette } from './colormap.js';
import { CHART_CONFIG, type Figure, type HeatmapFigure, VEGA_LITE_SCHEMA, groupBlocks } from './figures.js';
import type { HeatmapPanel } from './heatmap.js';
import { encodeIndexedPng, pngDataUrl, upscaleIndices } from './png.js';
import { useHelveticaMetrics } from './text-metrics.js';
import { yieldToEventLoop } from '../util/yield.js';

/** Device pixels per CSS pixel of the exported PNGs. */
export const EXPORT_ZOOM = 2;
const PANEL_SIDE = 260;

const FONT_DIRS = ['/usr/share/fonts/truetype/liberation', '/usr/share/fonts/truetype/liberation2', '/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/noto', '/usr/share/fonts/opentype/noto', '/Library/Fonts', '/System/Library/Fonts/Supplemental', 'C:\\Windows\\Fonts'];
const FONT_FILES = /^(LiberationSans-(Regular|Bold)|DejaVuSans(-Bold)?|NotoSans-(Regular|Bold)|Arial|Arial Bold|arial|arialbd)\.(ttf|otf)$/;

export function findFonts(): string[] {
  const out: string[] = [];
  for (const dir of FONT_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (FONT_FILES.test(f)) out.push(join(dir, f));
  }
  return out;
}

type Resvg = typeof import('@resvg/resvg-wasm').Resvg;
let resvgReady: Promise<Resvg> | undefined;

function resvg(): Promise<Resvg> {
  resvgReady ??= (async () => {
    const mod = await import('@resvg/resvg-wasm');
    await mod.initWasm(await readFile(fileURLToPath(import.meta.resolve('@resvg/resvg-wasm/index_bg.wasm'))));
    return mod.Resvg;
  })();
  return resvgReady;
}

/** Vega-Lite spec -> SVG (Vega in Node, no canvas needed). */
export async function vegaLiteToSvg(spec: Record<string, unknown>): Promise<string> {
  const vega = await import('vega');
  const { compile } = await import('vega-lite');
  useHelveticaMetrics((vega as unknown as { textMetrics: never }).textMetrics);
  const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string, fonts: Uint8Array[]): Promise<Uint8Array> {
  const Resvg = await resvg();
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: EXPORT_ZOOM },
    background: 'white',
    imageRendering: 1, // optimizeSpeed: heatmap cells stay sharp
    font: { fontBuffers: fonts, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' },
  });
  try {
    return r.render().asPng();
  } finally {
    r.free();
  }
}

/** One panel as a layered Vega-Lite chart: the matrix as an image mark over unit axes. */
function panelSpec(p: HeatmapPanel, map: ColorMap, legend: boolean): Record<string, unknown> {
  const m = { rows: p.data.rows, cols: p.data.cols };
  const small = p.exportImage;
  if (!small) throw new Error(`heatmap ${p.id} has no export image (build the report with png: true)`);
  const big = Math.max(m.rows, m.cols);
  const width = Math.round((PANEL_SIDE * m.cols) / big);
  const height = Math.round((PANEL_SIDE * m.rows) / big);
  const k = Math.max(1, Math.ceil((EXPORT_ZOOM * width) / small.cols));
  const image = pngDataUrl(encodeIndexedPng(small.cols * k, small.rows * k, upscaleIndices(small.cols, small.rows, small.indices, k, k), palette(map)));
  const axis = { grid: false, tickMinStep: 1, tickCount: 5, format: 'd', labelFlush: true, labelOverlap: 'parity' };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: [{ url: image, x: 0, x2: m.cols, y: 0, y2: m.rows }] },
      mark: { type: 'image', aspect: false, smooth: false, aria: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: { domain: [0, m.cols], nice: false, zero: false }, axis: { ...axis, title: p.data.colAxis.title } },
        x2: { field: 'x2' },
        y: { field: 'y', type: 'quantitative', scale: { domain: [0, m.rows], nice: false, zero: false, reverse: true }, axis: { ...axis, title: p.data.rowAxis.title } },
        y2: { field: 'y2' },
        url: { field: 'url', type: 'nominal' },
      },
    },
  ];
  // Cluster-ordered panels: each cluster's diagonal block outlined, as on the page.
  const blocks = groupBlocks(p).map(({ from, to }) => ({ x: from, x2: to, y: from, y2: to }));
  if (blocks.length) layers.push({ data: { values: blocks }, mark: { type: 'rect', fill: null, stroke: '#00e5ff', strokeWidth: 1.2 }, encoding: { x: { field: 'x', type: 'quantitative' }, x2: { field: 'x2' }, y: { field: 'y', type: 'quantitative' }, y2: { field: 'y2' } } });
  if (legend) {
    layers.push({
      data: { values: [{ v: -1 }, { v: 1 }] },
      mark: { type: 'rect', opacity: 0 },
      encoding: { color: { field: 'v', type: 'quantitative', title: 'r', scale: { domain: [-1, 1], range: map.stops, interpolate: 'rgb' }, legend: { gradientLength: Math.max(120, height - 20), tickCount: 5 } } },
    });
  }
  return { title: p.title, width, height, layer: layers };
}

export function heatmapFigureSpec(fig: HeatmapFigure, map: ColorMap): Record<string, unknown> {
  return {
    $schema: VEGA_LITE_SCHEMA,
    config: { ...CHART_CONFIG, view: { stroke: '#555', strokeWidth: 0.8 } },
    title: { text: fig.title, anchor: 'start', fontSize: 14 },
    hconcat: fig.panels.map((p, i) => panelSpec(p, map, i === fig.panels.length - 1)),
    spacing: 24,
  };
}

/** Writes every figure as <dir>/<file>.png; returns the paths. */
/**
 * Writes each figure (once per file name) as a PNG under `dir`. `onFigure` reports progress
 * (a report of 4 nets has hundreds of figures: tens of seconds) and gives the event loop a turn
 * after each figure so that a progress bar can draw.
 */
export async function exportFigures(
  figures: Figure[],
  dir: string,
  map: ColorMap,
  log: (m: string) => void = () => {},
  onFigure?: (done: number, total: number) => void,
): Promise<string[]> {
  const fontFiles = findFonts();
  if (fontFiles.length === 0) log('no Liberation, DejaVu or Noto Sans font found: text in the exported figures is left out (install fonts-liberation)');
  const fonts = await Promise.all(fontFiles.map(async (f) => new Uint8Array(await readFile(f))));
  const seen = new Set<string>();
  const unique = figures.filter((fig) => { // the first of each file name
    if (seen.has(fig.file)) return false;
    seen.add(fig.file);
    return true;
  });
  const written: string[] = [];
  for (const fig of unique) {
    const spec = fig.kind === 'vega-lite' ? fig.spec : heatmapFigureSpec(fig, map);
    const png = await svgToPng(await vegaLiteToSvg(spec), fonts);
    const path = join(dir, `${fig.file}.png`);
    await writeFileAtomic(path, png, { fsync: false }); // figures: redrawn by the next `report`
    written.push(path);
    if (onFigure) {
      onFigure(written.length, unique.length);
      await yieldToEventLoop();
    }
  }
  return written;
}
