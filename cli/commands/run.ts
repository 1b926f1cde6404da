// `convergent run`: probe then align in one go; `--example` runs it on the embedded planted data.
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { checkPlanted, formatPlantedCheck } from '../../src/example/check.js';
import { writePlantedExample } from '../../src/example/write.js';
import { openBackend, parseNets, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { runAlign } from './align.js';
import { runProbe, withProbeOptions } from './probe.js';

export function runCommand(ctx: CliContext): CommandModule<object, any> {
  return {
    command: 'run',
    describe: 'probe then align: the whole one-to-one study in one command',
    builder: (y) =>
      withAlignOptions(withProbeOptions(withBackendOptions(y), ctx), ctx).option('example', {
        type: 'boolean',
        default: false,
        describe: 'use the embedded example: two nets with planted structure (written under RUN/example-data)',
      }),
    handler: async (argv: any) => {
      let nets = parseNets(argv.net);
      let truth;
      if (argv.example) {
        if (nets.length > 0) throw new Error('--example brings its own nets; leave out --net');
        const example = await writePlantedExample(join(argv.out, 'example-data'));
        nets = example.nets;
        truth = example.truth;
        process.stderr.write(`convergent: wrote the planted example activations to ${join(argv.out, 'example-data')}\n`);
      }
      const backend = await openBackend(argv);
      try {
        await runProbe(argv, ctx, backend, nets);
        const result = await runAlign(argv.out, argv, ctx, backend);
        const matches = result.tables.get('matches');
        if (truth && matches && argv.method.includes('semi') && argv.method.includes('bipartite')) {
          process.stdout.write(`${formatPlantedCheck(checkPlanted(matches, truth))}\n`);
        }
      } finally {
        await backend.dispose();
      }
    },
  };
}
