// `convergent report RUN`: RUN/report.html, one self-contained page (opens offline) with the
// headline table and the paper's figures; `--format png` also writes each figure to RUN/figures/.
import { from } from 'arquero';
import { rm } from 'node:fs/promises';
import { runPaths } from '../../src/run-dir/layout.js';
import { COLOR_MAPS, type ColorMapName } from '../../src/report/colormap.js';
import { writeReport } from '../../src/report/build.js';
import type { CliContext } from '../context.js';
import { formatHeadline } from '../headline.js';
import { info, print } from '../output.js';
import { createProgress } from '../progress.js';
import { plural } from '../../src/util/plural.js';
import { withRunLock } from '../../src/run-dir/lock.js';
import { defineCommand } from '../command.js';
import { MAX_THREADS, integerOption } from '../flags.js';
import { drawFig2Views, VIEWS_ANNOUNCE } from '../../src/views/fig2-views.js';

export interface ReportRunOptions {
  png?: boolean;
  colorMap?: ColorMapName;
  out?: string;
  /** Print the headline table (the `run` command has printed it already). */
  headline?: boolean;
  /** Draw Fig. 2's deconvnet views first (ONNX runs; default true; src/views/). */
  views?: boolean;
  /** Threads drawing the views (default: all cores). */
  threads?: number;
  command?: string;
}

export async function runReport(run: string, options: ReportRunOptions = {}) {
  const bar = createProgress({ summaryOffTerminal: false });
  let started = false;
  const onFigure = (done: number, total: number) => {
    if (!started) bar.start('figures', total, 'PNG');
    started = true;
    bar.update(done);
  };
  // Under the run's lock: no probe or align may change the run while the page is drawn from it.
  const { report, path, figures } = await withRunLock(run, { command: options.command, log: info }, async () => {
    // Without the step, no views: old ones could be of models or data that have changed since.
    if (options.views !== false) await drawViews(run, options.threads);
    else await rm(runPaths.viewsDir(run), { recursive: true, force: true });
    return writeReport({ run, out: options.out, png: options.png, colorMap: options.colorMap, command: options.command, log: info, onFigure });
  });
  bar.stop();
  if (options.headline !== false) print(`\n${formatHeadline(from(report.data.headline))}\n\n`);
  if (figures.length > 0) info(`wrote ${plural(figures.length, 'figure')} as PNG under ${run}/figures`);
  print(`Report: ${path}\n`);
  return { report, path, figures };
}

/** Fig. 2's deconvnet views (src/views/fig2-views.ts), with a progress bar when there are many. */
async function drawViews(run: string, threads: number | undefined): Promise<void> {
  const bar = createProgress({ summaryOffTerminal: false });
  let shown = false;
  await drawFig2Views(run, {
    log: info,
    threads,
    onStart: (total) => {
      shown = total > VIEWS_ANNOUNCE;
      if (shown) bar.start('deconv views', total, 'views');
    },
    onView: (done) => shown && bar.update(done),
  });
  if (shown) bar.stop();
}

export function reportCommand(ctx: CliContext) {
  return defineCommand({
    command: 'report <run>',
    describe: 'write RUN/report.html: the headline table and the paper\'s figures, one self-contained page',
    builder: (y) =>
      y
        .positional('run', { type: 'string', demandOption: true, describe: 'run directory written by align (or run)' })
        .option('format', { choices: ['html', 'png'] as const, array: true, default: ['html'], describe: 'html: the page only; png: also every figure as RUN/figures/<name>.png' })
        .option('colormap', { choices: COLOR_MAPS, default: 'inferno' as ColorMapName, describe: 'colour map of the correlation heatmaps (fixed domain -1..1)' })
        .option('out', { type: 'string', describe: 'where to write the page (default RUN/report.html)' })
        .option('views', { type: 'boolean', default: true, describe: 'draw the deconvnet view beneath each top patch of Fig. 2 (ONNX runs whose models and images are still readable; --no-views skips)' })
        .option('threads', integerOption('threads', `CPU threads that draw the deconvnet views, 1..${MAX_THREADS} (default: all cores; the same views on any number)`, 1, MAX_THREADS)),
    handler: async (argv) => {
      await runReport(argv.run, { png: argv.format.includes('png'), colorMap: argv.colormap, out: argv.out, views: argv.views, threads: argv.threads, command: ctx.commandLine });
    },
  });
}
