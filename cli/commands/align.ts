// `convergent align RUN`: statistics, correlations and unit matchings from the probed moments.
import type { Backend } from '../../src/backend/types.js';
import { align, checkMethodOptions, readManifest } from '../../src/align/align.js';
import { DEFAULT_MIN_ACTIVE_IMAGES, checkMinActiveImages } from '../../src/align/rare-units.js';
import type { TableFormat } from '../../src/tables/write.js';
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
}

/** --min-active-images, on align and run (the rule and its default: src/align/rare-units.ts). */
export const MIN_ACTIVE_IMAGES_OPTION = {
  type: 'number',
  default: DEFAULT_MIN_ACTIVE_IMAGES,
  describe: 'units firing on fewer probe images are left out like dead units (0: off)',
  coerce: checkMinActiveImages, // refused while parsing, before any device or file is touched
} as const;

/** Aligns a probed run with the chosen methods (checked by selectMethods) and prints the headline. */
export async function runAlign(run: string, argv: AlignArgs, methods: string[], ctx: CliContext, backend: Backend, methodOptions = optionsFor(ctx.methodOptions, { methods }, 'align')) {
  const progress = alignProgress();
  let result;
  try {
    result = await align({
      run,
      backend,
      registry: ctx.registry.methods,
      methods,
      methodOptions,
      layers: argv.layer,
      minActiveImages: argv['min-active-images'],
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
        .option('min-active-images', MIN_ACTIVE_IMAGES_OPTION),
    handler: async (argv) => {
      // Everything the command line says is checked before a device is opened.
      const methods = selectMethods(argv, ctx);
      checkMethodOptions(ctx.registry.methods, methods, optionsFor(ctx.methodOptions, { methods }, 'align'));
      await readManifest(argv.run); // a run directory, before a device is opened
      const backend = await openBackend(argv);
      try {
        await runAlign(argv.run, argv, methods, ctx, backend);
      } finally {
        await backend.dispose();
      }
    },
  });
}
