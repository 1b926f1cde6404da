// `convergent report RUN`: RUN/report.html, one self-contained page (opens offline) with the
// headline table and the paper's figures; `--format png` also writes each figure to RUN/figures/.
import { from } from 'arquero';
import type { CommandModule } from 'yargs';
import { COLOR_MAPS, type ColorMapName } from '../../src/report/colormap.js';
import { writeReport } from '../../src/report/build.js';
import type { CliContext } from '../context.js';
import { formatHeadline } from '../headline.js';

export interface ReportRunOptions {
  png?: boolean;
  colorMap?: ColorMapName;
  out?: string;
  /** Print the headline table (the `run` command has printed it already). */
  headline?: boolean;
  command?: string;
}

export async function runReport(run: string, options: ReportRunOptions = {}) {
  const log = (m: string) => process.stderr.write(`convergent: ${m}\n`);
  const { report, path, figures } = await writeReport({ run, out: options.out, png: options.png, colorMap: options.colorMap, command: options.command, log });
  if (options.headline !== false) process.stdout.write(`\n${formatHeadline(from(report.data.headline))}\n\n`);
  if (figures.length > 0) log(`wrote ${figures.length} figures as PNG under ${run}/figures`);
  process.stdout.write(`Report: ${path}\n`);
  return { report, path, figures };
}

export function reportCommand(ctx: CliContext): CommandModule<object, any> {
  return {
    command: 'report <run>',
    describe: 'write RUN/report.html: the headline table and the paper\'s figures, one self-contained page',
    builder: (y) =>
      y
        .positional('run', { type: 'string', describe: 'run directory written by align (or run)' })
        .option('format', { choices: ['html', 'png'] as const, array: true, default: ['html'], describe: 'html: the page only; png: also every figure as RUN/figures/<name>.png' })
        .option('colormap', { choices: COLOR_MAPS, default: 'inferno' as ColorMapName, describe: 'colour map of the correlation heatmaps (fixed domain -1..1)' })
        .option('out', { type: 'string', describe: 'where to write the page (default RUN/report.html)' }),
    handler: async (argv: any) => {
      await runReport(argv.run, { png: (argv.format as string[]).includes('png'), colorMap: argv.colormap, out: argv.out, command: ctx.commandLine });
    },
  };
}
