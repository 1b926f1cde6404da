// `convergent run`: probe then align in one go; `--example` runs it on the embedded planted data.
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { checkPlanted, formatPlantedCheck } from '../../src/example/check.js';
import { writePlantedExample } from '../../src/example/write.js';
import { collectMethodOptions, openBackend, parseNets, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { withDataOptions } from '../data-options.js';
import { runAlign } from './align.js';
import { runProbe, withProbeOptions } from './probe.js';
import { runReport } from './report.js';

export function runCommand(ctx: CliContext): CommandModule<object, any> {
  return {
    command: 'run',
    describe: 'probe, align and report: the whole one-to-one study in one command',
    builder: (y) =>
      withAlignOptions(withDataOptions(withProbeOptions(withBackendOptions(y), ctx)), ctx).option('example', {
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
      addRequiredReducers(argv, ctx);
      const backend = await openBackend(argv);
      try {
        await runProbe(argv, ctx, backend, nets);
        const result = await runAlign(argv.out, argv, ctx, backend);
        const matches = result.tables.get('matches');
        if (truth && matches && argv.method.includes('semi') && argv.method.includes('bipartite')) {
          process.stdout.write(`${formatPlantedCheck(checkPlanted(matches, truth))}\n`);
        }
        await runReport(argv.out, { headline: false, command: ctx.commandLine });
      } finally {
        await backend.dispose();
      }
    },
  };
}

/**
 * The reducers the chosen methods require join the probe, and a method's options that such a
 * reducer declares too are passed on to it (`--mi.bins 12` reaches the mi-histograms reducer).
 */
function addRequiredReducers(argv: any, ctx: CliContext): void {
  for (const name of argv.method as string[]) {
    for (const reducerName of ctx.registry.methods.get(name).requires?.reducers ?? []) {
      const entry = ctx.registry.reducers.get(reducerName);
      if (!entry) throw new Error(`method ${name} needs the reducer "${reducerName}", which no loaded plugin provides`);
      if (!argv.reducer.includes(reducerName)) argv.reducer = [...argv.reducer, reducerName];
      const given = collectMethodOptions(argv, [name])[name] ?? {};
      const passed = Object.fromEntries(Object.entries(given).filter(([key]) => entry.reducer.options?.[key] !== undefined));
      if (Object.keys(passed).length > 0) argv[reducerName] = { ...passed, ...collectMethodOptions(argv, [reducerName])[reducerName] };
    }
  }
}
