// `convergent align RUN`: statistics, correlations and matching from the probed moments.
import type { CommandModule } from 'yargs';
import type { Backend } from '../../src/backend/types.js';
import { align } from '../../src/run/align.js';
import type { TableFormat } from '../../src/tables/write.js';
import { collectMethodOptions, openBackend, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { formatHeadline } from '../headline.js';

export interface AlignArgs {
  method: string[];
  format: TableFormat;
  layer?: string[];
  [key: string]: unknown;
}

export async function runAlign(run: string, argv: AlignArgs, ctx: CliContext, backend: Backend) {
  for (const name of argv.method) ctx.registry.methods.get(name); // fail before any work on a typo
  const result = await align({
    run,
    backend,
    registry: ctx.registry.methods,
    methods: argv.method,
    methodOptions: collectMethodOptions(argv, argv.method),
    layers: argv.layer,
    format: argv.format,
    log: (m) => process.stderr.write(`convergent: ${m}\n`),
  });
  process.stdout.write(`\n${formatHeadline(result.summary)}\n\n`);
  process.stderr.write(`convergent: wrote ${result.files.length} files under ${run} (tables in ${run}/tables, summary in ${run}/summary.json)\n`);
  return result;
}

export function alignCommand(ctx: CliContext): CommandModule<object, any> {
  return {
    command: 'align <run>',
    describe: 'compute statistics, correlations and unit matchings from a probed run',
    builder: (y) =>
      withAlignOptions(withBackendOptions(y), ctx)
        .positional('run', { type: 'string', describe: 'run directory written by probe' })
        .option('layer', { type: 'string', array: true, describe: 'only these layers' }),
    handler: async (argv: any) => {
      const backend = await openBackend(argv);
      try {
        await runAlign(argv.run, argv, ctx, backend);
      } finally {
        await backend.dispose();
      }
    },
  };
}
