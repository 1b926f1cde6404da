// The report rendered from a run's data (RunData: from disk in Node, src/report/load.ts, or from
// memory in the browser, src/study/): the sections, the figures and the one self-contained page.
// Pure: `convergent report` (src/report/build.ts) loads, renders and writes; the web page renders
// the run it just made.
import { type ColorMapName, colorMap } from './colormap.js';
import type { Figure, ReportContext, Section } from './figures.js';
import { esc } from './html.js';
import { type RunData, pairsOf } from './run-data.js';
import { clustersSection } from './section-clusters.js';
import { fig1Section } from './section-fig1.js';
import { fig2Section } from './section-fig2.js';
import { fig3Section } from './section-fig3.js';
import { headlineSection } from './section-headline.js';
import { meansSection } from './section-means.js';
import { metricsSection } from './section-metrics.js';
import { miSection } from './section-mi.js';
import { layerCkaSection } from './section-layer-cka.js';
import { sparseSection } from './section-sparse.js';
import { deadSection, runSection } from './section-run.js';
import { page } from './template.js';

export interface RenderOptions {
  /** The run's name in the title (`convergent report`: the run directory's base name). */
  name: string;
  /** The Vega, Vega-Lite and vega-embed builds to inline (vegaBuilds() in Node). */
  libs: string[];
  colorMap?: ColorMapName;
  /** Figures drawn for PNG export too. */
  png?: boolean;
  /** The command that made the report, shown in the Run section. */
  command?: string;
  /** Who made the page, for the footer (default `convergent report`). */
  madeBy?: string;
}

export interface Report {
  html: string;
  sections: Section[];
  figures: Figure[];
  data: RunData;
  /** Methods whose tables the run lacks (their sections are left out). */
  skipped: string[];
}

/** Sections shown only when their method's tables exist. */
const OPTIONAL: { section: string; what: string }[] = [
  { section: 'metrics', what: 'layer similarity (CKA / CCA): tables/metrics' },
  { section: 'mi', what: 'mutual information: tables/mi_matches or the mi_matching_agreement metric' },
  { section: 'sparse', what: 'sparse prediction: tables/sparse_prediction' },
  { section: 'clusters', what: 'clusters: tables/cluster_order' },
];

export async function renderReport(data: RunData, options: RenderOptions): Promise<Report> {
  const ctx: ReportContext = { data, colorMap: colorMap(options.colorMap ?? 'inferno'), png: options.png ?? false };
  // layer-cka is not in OPTIONAL: a run without it (every run from activation files) is not told it lacks it.
  const optional = await Promise.all([metricsSection(ctx), layerCkaSection(ctx), miSection(ctx), sparseSection(ctx), clustersSection(ctx)]);
  const sections: Section[] = [
    headlineSection(ctx),
    await fig1Section(ctx),
    await fig3Section(ctx),
    await fig2Section(ctx),
    await meansSection(ctx),
    ...optional.filter((s): s is Section => s !== null),
    await deadSection(ctx),
    runSection(ctx, options.command),
  ];
  const present = new Set(sections.map((s) => s.id));
  const skipped = OPTIONAL.filter((o) => !present.has(o.section)).map((o) => o.what);
  const figures = sections.flatMap((s) => s.figures);
  const charts: Record<string, unknown> = {};
  const heatmaps: Record<string, unknown> = {};
  for (const f of figures) {
    if (f.kind === 'vega-lite') charts[f.id] = f.spec;
    else for (const p of f.panels) heatmaps[p.id] ??= p.data;
  }
  const layers = data.layers.join(', ');
  const html = await page({
    title: `Convergent learning: ${options.name}`,
    subtitle: `${esc(data.nets.map((n) => n.name).join(', '))} · layers ${esc(layers)} · probed ${esc(data.manifest.created)} · <a href="https://arxiv.org/abs/1511.07543">Li et al., ICLR 2016</a>`,
    sections,
    views: { layers: data.layers, pairs: pairsOf(data.headline) },
    data: { version: 1, colorMap: ctx.colorMap, charts, heatmaps },
    skipped: skipped.length
      ? `<section id="not-run"><h2>Not in this run</h2><p class="note">These methods left no tables, so their sections are left out: ${skipped.map(esc).join('; ')}.</p></section>`
      : '',
    footer: `Made by <code>${esc(options.madeBy ?? 'convergent report')}</code> from <code>${esc(data.run)}</code> on ${esc(new Date().toISOString())}. Colour map: ${esc(ctx.colorMap.description)}. Self-contained: Vega and Vega-Lite are inlined, nothing is fetched.`,
    libs: options.libs,
  });
  return { html, sections, figures, data, skipped };
}
