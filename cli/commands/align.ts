// `convergent align RUN`: statistics, correlations and unit matchings from the probed moments.
import type { Backend } from '../../src/backend/types.js';
import { align, checkMethodOptions, readManifest } from '../../src/align/align.js';
import { DEFAULT_MIN_ACTIVE_IMAGES, checkMinActiveImages } from '../../src/align/rare-units.js';
import type { TableFormat } from '../../src/tables/write.js';
import type { ProbeManifest } from '../../src/run-dir/layout.js';
import { openBackend, selectMethods, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { formatHeadline } from '../headline.js';
import { optionsFor } from '../method-options.js';
import { info, print } from '../output.js';
import { alignProgress } from '../progress.js';
import { defineCommand } from '../command.js';
import { plural } from '../../src/util/plural.js';

export interface AlignArgs {
  format: TableFormat;
  layer?: string[];
  'min-active-images'?: number;
  intervals?: boolean;
}

/** --min-active-images, on align and run (the rule and its default: src/align/rare-units.ts). */
export const MIN_ACTIVE_IMAGES_OPTION = {
  type: 'number',
  default: DEFAULT_MIN_ACTIVE_IMAGES,
  describe: 'units firing on fewer probe images are left out like dead units (0: off)',
  coerce: checkMinActiveImages, // refused while parsing, before any device or file is touched
} as const;

/** --intervals, on align and run: the jackknife over a --blocks probe's blocks or a merged run's parts (src/align/resample/). */
export const INTERVALS_OPTION = {
  type: 'boolean',
  default: true,
  describe: 'give the headline numbers 95% intervals where the run has blocks (probe --blocks) or merged parts; --no-intervals skips the repeated methods',
} as const;

/** What runs on a probed run: the methods (checked by selectMethods), their checked options, and probe.json if already read. */
export interface AlignPlan {
  methods: string[];
  methodOptions: Record<string, Record<string, unknown>>;
  manifest?: ProbeManifest;
}

/** Aligns a probed run as planned and prints the headline. */
export async function runAlign(run: string, argv: AlignArgs, { methods, methodOptions, manifest }: AlignPlan, ctx: CliContext, backend: Backend) {
  const progress = alignProgress();
  let result;
  try {
    result = await align({
      run,
      backend,
      registry: ctx.registry.methods,
      reducer: (name) => ctx.registry.reducers.get(name)?.reducer,
      methods,
      methodOptions,
      manifest,
      layers: argv.layer,
      minActiveImages: argv['min-active-images'],
      intervals: argv.intervals,
      format: argv.format,
      log: info,
      onMethod: progress.onMethod,
      onMethodProgress: progress.onMethodProgress,
    });
  } finally {
    progress.stop();
  }
  print(`\n${formatHeadline(result.summary)}\n\n`);
  info(`wrote ${plural(result.files.length, 'file')} under ${run} (tables in ${run}/tables, summary in ${run}/summary.json)`);
  return result;
}

export function alignCommand(ctx: CliContext) {
  return defineCommand({
    command: 'align <run>',
    describe: 'compute statistics, correlations and unit matchings from a probed run',
    builder: (y) =>
      withAlignOptions(withBackendOptions(y), ctx)
        .positional('run', { type: 'string', demandOption: true, describe: 'run directory written by probe' })
        .option('layer', { type: 'string', array: true, describe: 'only these layers' })
        .option('min-active-images', MIN_ACTIVE_IMAGES_OPTION)
        .option('intervals', INTERVALS_OPTION),
    handler: async (argv) => {
      // Everything the command line says is checked before a device is opened.
      const methods = selectMethods(argv, ctx);
      const methodOptions = optionsFor(ctx.methodOptions, { methods }, 'align');
      checkMethodOptions(ctx.registry.methods, methods, methodOptions);
      const manifest = await readManifest(argv.run); // a run directory, before a device is opened
      const backend = await openBackend(argv);
      try {
        await runAlign(argv.run, argv, { methods, methodOptions, manifest }, ctx, backend);
      } finally {
        await backend.dispose();
      }
    },
  });
}
