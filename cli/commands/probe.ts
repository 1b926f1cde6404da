// `convergent probe --net NAME=PATH ... --out RUN`: stream activations into moments.
import type { Argv, CommandModule } from 'yargs';
import type { Backend } from '../../src/backend/types.js';
import { probe } from '../../src/run/probe.js';
import { collectMethodOptions, openBackend, parseNets, withBackendOptions, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';

export function withProbeOptions<T>(y: Argv<T>, ctx: CliContext) {
  return y
    .option('net', { type: 'string', array: true, describe: 'NAME=PATH: a directory of <layer>.npy files or an .npz archive (repeat for every net)' })
    .option('layer', { type: 'string', array: true, describe: 'only these layers (repeatable); default: every layer all nets have' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory to write' })
    .option('limit', { type: 'number', describe: 'probe only the first N items (images or rows)' })
    .option('batch', { type: 'number', describe: 'samples per batch (default: sized from the unit count)' })
    .option('reducer', { type: 'string', array: true, default: [] as string[], describe: `extra reducers from plugins (${[...ctx.registry.reducers.keys()].join(', ') || 'none loaded'})` });
}

export interface ProbeArgs {
  net?: string[];
  layer?: string[];
  out: string;
  limit?: number;
  batch?: number;
  reducer: string[];
  quiet: boolean;
}

export async function runProbe(argv: ProbeArgs, ctx: CliContext, backend: Backend, nets = parseNets(argv.net)) {
  const reducers = argv.reducer.map((name) => {
    const entry = ctx.registry.reducers.get(name);
    if (!entry) throw new Error(`unknown reducer "${name}"; loaded: ${[...ctx.registry.reducers.keys()].join(', ') || 'none (load plugins with --plugin)'}`);
    return entry.reducer;
  });
  const progress = createProgress(!argv.quiet);
  const manifest = await probe({
    nets,
    out: argv.out,
    backend,
    layers: argv.layer,
    limitItems: argv.limit,
    batchSamples: argv.batch,
    reducers,
    reducerOptions: collectMethodOptions(argv as unknown as Record<string, unknown>, argv.reducer), // --<reducer>.<option>
    command: ctx.commandLine,
    log: (m) => process.stderr.write(`convergent: ${m}\n`),
    onLayerStart: (layer, samples) => progress.start(layer, samples, 'samples'),
    onProgress: (p) => progress.update(p.samplesDone),
    onLayerDone: () => progress.stop(),
  });
  process.stderr.write(`convergent: probed ${manifest.layers.length} layers of ${nets.length} nets into ${argv.out}\n`);
  return manifest;
}

export function probeCommand(ctx: CliContext): CommandModule<object, any> {
  return {
    command: 'probe',
    describe: 'stream the activations of two or more nets into per-layer moments',
    builder: (y) => withProbeOptions(withBackendOptions(y), ctx),
    handler: async (argv: any) => {
      const backend = await openBackend(argv);
      try {
        await runProbe(argv, ctx, backend);
      } finally {
        await backend.dispose();
      }
    },
  };
}
