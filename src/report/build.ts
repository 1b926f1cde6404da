// `report`: reads a run directory and writes RUN/report.html, one self-contained page with the
// paper's tables and figures for every layer and pair, and optionally each figure as a PNG.
// Node: loading (load.ts) and writing; the page itself is rendered by render.ts, which is pure.
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../run-dir/atomic-write.js';
import { type ColorMapName, colorMap } from './colormap.js';
import { loadRun } from './load.js';
import { type Report, renderReport } from './render.js';
import { vegaBuilds } from './vega-builds.js';

export type { Report } from './render.js';

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

/** The run directory loaded from disk (load.ts) and rendered (render.ts). */
export async function buildReport(options: ReportOptions): Promise<Report> {
  const data = await loadRun(options.run);
  return renderReport(data, { name: basename(resolve(options.run)), libs: await vegaBuilds(), colorMap: options.colorMap, png: options.png, command: options.command });
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
