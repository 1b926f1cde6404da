// `convergent probe --net NAME=PATH ... --out RUN`: stream activations into moments.
import type { Argv, CommandModule } from 'yargs';
import type { Backend } from '../../src/backend/types.js';
import { probe } from '../../src/run/probe.js';
import { collectMethodOptions, openBackend, parseNets, withBackendOptions, type CliContext } from '../context.js';
import { createProgress, type Progress } from '../progress.js';
import { probeOnnx } from '../../src/run/forward-probe.js';
import type { Reducer } from '../../src/reducers/types.js';
import { openProbeData, withDataOptions, type DataArgs } from '../data-options.js';

export function withProbeOptions<T>(y: Argv<T>, ctx: CliContext) {
  return y
    .option('net', { type: 'string', array: true, describe: 'NAME=PATH: an .onnx model (with --data), or a directory of <layer>.npy files or an .npz archive (repeat for every net)' })
    .option('layer', {
      type: 'string',
      array: true,
      describe: 'only these layers (repeatable); ONNX: NAME=TENSOR or a default name (see `convergent layers`); default: every layer all nets have / every ReLU after a Conv or Gemm',
    })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory to write' })
    .option('limit', { type: 'number', describe: 'probe only the first N items (images or rows)' })
    .option('batch', { type: 'number', describe: 'samples per batch (default: sized from the unit count)' })
    .option('top-k', { type: 'number', default: 9, describe: 'ONNX runs: keep each unit\'s top-k images (with positions) and draw their patches; 0 = off' })
    .option('patches', { type: 'boolean', default: true, describe: 'ONNX runs: draw each unit\'s top-k patches as PNG (--no-patches to skip)' })
    .option('reducer', { type: 'string', array: true, default: [] as string[], describe: `extra reducers from plugins (${[...ctx.registry.reducers.keys()].join(', ') || 'none loaded'})` });
}

export interface ProbeArgs extends DataArgs {
  net?: string[];
  layer?: string[];
  out: string;
  limit?: number;
  batch?: number;
  reducer: string[];
  quiet: boolean;
  threads?: number;
  'top-k': number;
  patches: boolean;
}

export async function runProbe(argv: ProbeArgs, ctx: CliContext, backend: Backend, nets = parseNets(argv.net)) {
  const reducers = argv.reducer.map((name) => {
    const entry = ctx.registry.reducers.get(name);
    if (!entry) throw new Error(`unknown reducer "${name}"; loaded: ${[...ctx.registry.reducers.keys()].join(', ') || 'none (load plugins with --plugin)'}`);
    return entry.reducer;
  });
  const progress = createProgress(!argv.quiet);
  if (argv.data !== undefined) return runOnnxProbe(argv, ctx, backend, nets, reducers, progress);
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
    builder: (y) => withDataOptions(withProbeOptions(withBackendOptions(y), ctx)),
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

/** The probe from ONNX models over images: forward passes stream into the moments. */
async function runOnnxProbe(argv: ProbeArgs, ctx: CliContext, backend: Backend, nets: { name: string; path: string }[], reducers: Reducer[], progress: Progress) {
  const { source, label } = await openProbeData(argv, nets);
  try {
    const manifest = await probeOnnx({
      nets,
      data: source,
      dataLabel: label,
      out: argv.out,
      backend,
      layers: argv.layer,
      limitItems: argv.limit,
      batchItems: argv.batch,
      topK: argv['top-k'],
      patches: argv.patches,
      reducers,
      reducerOptions: collectMethodOptions(argv as unknown as Record<string, unknown>, argv.reducer),
      threads: argv.threads,
      command: ctx.commandLine,
      log: (m) => process.stderr.write(`convergent: ${m}\n`),
      onStart: (items, passes) => progress.start('forward', items * passes, 'images'),
      onProgress: (done) => progress.update(done),
      onDone: () => progress.stop(),
    });
    const acc = manifest.nets.filter((n) => n.accuracy !== undefined);
    if (acc.length > 0) process.stderr.write(`convergent: accuracy on the probe data: ${acc.map((n) => `${n.name} ${(100 * n.accuracy!).toFixed(2)}%`).join(', ')}\n`);
    process.stderr.write(`convergent: probed ${manifest.layers.length} layers of ${nets.length} nets over ${manifest.data?.items} images into ${argv.out}\n`);
    return manifest;
  } finally {
    await source.close();
  }
}
