// `report`: reads a run directory and writes RUN/report.html, one self-contained page with the
// paper's tables and figures for every layer and pair, and optionally each figure as a PNG.
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../run-dir/atomic-write.js';
import { type ColorMapName, colorMap } from './colormap.js';
import type { Figure, ReportContext, Section } from './figures.js';
import { esc } from './html.js';
import { type RunData, loadRun, pairsOf } from './load.js';
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

export interface ReportOptions {
  run: string;
  /** Where to write the page (default RUN/report.html). */
  out?: string;
  colorMap?: ColorMapName;
  /** Also write every figure as RUN/figures/<name>.png. */
  png?: boolean;
  /** The command that made the report, shown in the Run section. */
  command?: string;
  log?: (message: string) => void;
  /** With `png`: called after each figure written (for a progress bar). */
  onFigure?: (done: number, total: number) => void;
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

export async function buildReport(options: ReportOptions): Promise<Report> {
  const data = await loadRun(options.run);
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
  const name = basename(resolve(options.run));
  const layers = data.layers.join(', ');
  const html = await page({
    title: `Convergent learning: ${name}`,
    subtitle: `${esc(data.nets.map((n) => n.name).join(', '))} · layers ${esc(layers)} · probed ${esc(data.manifest.created)} · <a href="https://arxiv.org/abs/1511.07543">Li et al., ICLR 2016</a>`,
    sections,
    views: { layers: data.layers, pairs: pairsOf(data.headline) },
    data: { version: 1, colorMap: ctx.colorMap, charts, heatmaps },
    skipped: skipped.length
      ? `<section id="not-run"><h2>Not in this run</h2><p class="note">These methods left no tables, so their sections are left out: ${skipped.map(esc).join('; ')}.</p></section>`
      : '',
    footer: `Made by <code>convergent report</code> from <code>${esc(data.run)}</code> on ${esc(new Date().toISOString())}. Colour map: ${esc(ctx.colorMap.description)}. Self-contained: Vega and Vega-Lite are inlined, nothing is fetched.`,
  });
  return { html, sections, figures, data, skipped };
}

/** Builds the report and writes it (and with `png`, the figures); returns the paths written. */
export async function writeReport(options: ReportOptions): Promise<{ report: Report; path: string; figures: string[] }> {
  const report = await buildReport(options);
  const path = options.out ?? join(options.run, 'report.html');
  await writeFileAtomic(path, report.html); // never a half-written page over the last good one
  let figures: string[] = [];
  if (options.png) {
    const { exportFigures } = await import('./export-png.js');
    const dir = join(options.run, 'figures');
    await mkdir(dir, { recursive: true });
    figures = await exportFigures(report.figures, dir, colorMap(options.colorMap ?? 'inferno'), options.log, options.onFigure);
  }
  return { report, path, figures };
}
