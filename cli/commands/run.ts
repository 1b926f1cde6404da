// `convergent run`: probe then align in one go; `--example` runs it on the embedded planted data.
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { checkPlanted, formatPlantedCheck } from '../../src/example/check.js';
import { writePlantedExample } from '../../src/example/write.js';
import { checkInputsExist, openBackend, parseNets, selectMethods, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { optionsFor } from '../method-options.js';
import { info, print } from '../output.js';
import { withDataOptions } from '../data-options.js';
import { INTERVALS_OPTION, MIN_ACTIVE_IMAGES_OPTION, runAlign } from './align.js';
import { checkBatchFlags, prepareCliProbe, withProbeOptions, type ProbeArgs } from './probe.js';
import { defineCommand } from '../command.js';
import { pickOptions, reducerOptionsFor, reducersForMethods } from '../../src/align/method-selection.js';
import { runReport } from './report.js';
import { checkMethodOptions } from '../../src/align/align.js';
import { acquireRunLock } from '../../src/run-dir/lock.js';
import { checkProbeTarget } from '../../src/run-dir/replace.js';

/** The options of `run` (and of `slurm`, which runs the same study as jobs): backend, probe, data and align options, and the report's --views. */
export function withRunOptions<T>(y: Argv<T>, ctx: CliContext) {
  return withAlignOptions(withDataOptions(withProbeOptions(withBackendOptions(y), ctx)), ctx)
    .option('min-active-images', MIN_ACTIVE_IMAGES_OPTION)
    .option('intervals', INTERVALS_OPTION)
    .option('views', { type: 'boolean', default: true, describe: 'draw the deconvnet view beneath each top patch of Fig. 2 in the report (ONNX runs; --no-views skips)' });
}

/**
 * What `run` (and `slurm`) check before anything is written: the inputs, the batch flags, the
 * methods and the reducers they need, and every method and reducer option (values in range).
 */
export function planRun(argv: ProbeArgs & { method?: string[]; 'only-methods'?: boolean }, ctx: CliContext, nets: { name: string; path: string }[]) {
  checkInputsExist(nets, argv.data);
  checkBatchFlags(argv);
  const methods = selectMethods(argv, ctx);
  const reducers = reducersForMethods(ctx.registry, methods, argv.reducer);
  const given = optionsFor(ctx.methodOptions, { methods, reducers }, 'run');
  const methodOptions = pickOptions(given, methods);
  checkMethodOptions(ctx.registry.methods, methods, methodOptions);
  return { methods, reducers, methodOptions, reducerOptions: reducerOptionsFor(ctx.registry, methods, reducers, given) };
}

export function runCommand(ctx: CliContext) {
  return defineCommand({
    command: 'run',
    describe: 'probe, align and report: the whole one-to-one study in one command',
    builder: (y) =>
      withRunOptions(y, ctx)
        .option('example', {
          type: 'boolean',
          default: false,
          describe: 'use the embedded example: two nets with planted structure (written under RUN/example-data)',
        }),
    handler: async (argv) => {
      // Everything the command line says is checked before anything is written or a device opened.
      const nets = parseNets(argv.net);
      if (argv.example && nets.length > 0) throw new Error('--example brings its own nets; leave out --net');
      const { methods, reducers, methodOptions, reducerOptions: probeOptions } = planRun(argv, ctx, nets);
      if (!argv.resume) checkProbeTarget(argv.out, argv.overwrite); // before the example data is written (--resume continues what is there)
      const probeArgs = { ...argv, reducer: reducers };
      // Given nets are opened and planned before anything is written; the example's once written.
      let prepared = argv.example ? undefined : await prepareCliProbe(probeArgs, ctx, nets, probeOptions);
      let lock;
      try {
        // Probe, align and report all write into the run: it stays locked from here to the end.
        lock = await acquireRunLock(argv.out, { command: ctx.commandLine, log: info });
        let truth;
        if (argv.example) {
          const example = await writePlantedExample(join(argv.out, 'example-data'));
          truth = example.truth;
          info(`wrote the planted example activations to ${join(argv.out, 'example-data')}`);
          prepared = await prepareCliProbe(probeArgs, ctx, example.nets, probeOptions);
        }
        const backend = await openBackend(argv);
        try {
          const manifest = await prepared!.run(backend);
          // The probed layers by name: `--layer NAME=TENSOR` specs are the probe's business.
          const result = await runAlign(argv.out, { ...argv, layer: manifest.layers.map((l) => l.name) }, { methods, methodOptions }, ctx, backend);
          const matches = result.tables.get('matches');
          if (truth && matches && methods.includes('semi') && methods.includes('bipartite')) print(`${formatPlantedCheck(checkPlanted(matches, truth))}\n`);
          await runReport(argv.out, { headline: false, views: argv.views, threads: argv.threads, command: ctx.commandLine });
        } finally {
          await backend.dispose();
        }
      } finally {
        await prepared?.close();
        lock?.release();
      }
    },
  });
}
