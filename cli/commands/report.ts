// `convergent report RUN`: RUN/report.html, one self-contained page (opens offline) with the
// headline table and the paper's figures; `--format png` also writes each figure to RUN/figures/.
import { from } from 'arquero';
import { COLOR_MAPS, type ColorMapName } from '../../src/report/colormap.js';
import { writeReport } from '../../src/report/build.js';
import type { CliContext } from '../context.js';
import { formatHeadline } from '../headline.js';
import { info, print } from '../output.js';
import { createProgress } from '../progress.js';
import { plural } from '../../src/util/plural.js';
import { withRunLock } from '../../src/run-dir/lock.js';
import { defineCommand } from '../command.js';

export interface ReportRunOptions {
  png?: boolean;
  colorMap?: ColorMapName;
  out?: string;
  /** Print the headline table (the `run` command has printed it already). */
  headline?: boolean;
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
  const { report, path, figures } = await withRunLock(run, { command: options.command, log: info }, () =>
    writeReport({ run, out: options.out, png: options.png, colorMap: options.colorMap, command: options.command, log: info, onFigure }),
  );
  bar.stop();
  if (options.headline !== false) print(`\n${formatHeadline(from(report.data.headline))}\n\n`);
  if (figures.length > 0) info(`wrote ${plural(figures.length, 'figure')} as PNG under ${run}/figures`);
  print(`Report: ${path}\n`);
  return { report, path, figures };
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
        .option('out', { type: 'string', describe: 'where to write the page (default RUN/report.html)' }),
    handler: async (argv) => {
      await runReport(argv.run, { png: argv.format.includes('png'), colorMap: argv.colormap, out: argv.out, command: ctx.commandLine });
    },
  });
}
