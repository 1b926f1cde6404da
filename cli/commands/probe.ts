// `convergent probe --net NAME=PATH ... --out RUN`: stream activations into moments.
import type { Argv } from 'yargs';
import type { Backend } from '../../src/backend/types.js';
import { prepareProbe, runPreparedProbe, validateNets } from '../../src/probe/probe.js';
import type { ProbeManifest } from '../../src/run-dir/layout.js';
import { selectReducers } from '../../src/align/method-selection.js';
import { defineCommand } from '../command.js';
import { checkInputsExist, openBackend, parseNets, withBackendOptions, type CliContext } from '../context.js';
import { integerOption } from '../flags.js';
import { optionsFor } from '../method-options.js';
import { info } from '../output.js';
import { plural } from '../../src/util/plural.js';
import { createProgress, type Progress } from '../progress.js';
import { prepareOnnxProbe, runPreparedOnnxProbe } from '../../src/probe/forward-probe.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { openProbeData, withDataOptions, type DataArgs } from '../data-options.js';
import { parseCheckpointEvery } from '../../src/probe/checkpoint.js';
import { parseShard } from '../../src/probe/shard.js';

export function withProbeOptions<T>(y: Argv<T>, ctx: CliContext) {
  return y
    .option('net', { type: 'string', array: true, requiresArg: true, describe: 'NAME=PATH: an .onnx model (with --data), or a directory of <layer>.npy files or an .npz archive (repeat for every net)' })
    .option('layer', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'only these layers (repeatable); ONNX: NAME=TENSOR, or a name that `convergent layers` prints (conv1, conv1.conv, maxpool.1); default: every layer all nets have / every ReLU after a Conv or Gemm',
    })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory to write' })
    .option('limit', integerOption('limit', 'probe only the first N items (images or rows)', 1))
    .option('batch', integerOption('batch', 'items per batch, counted as --limit counts them (images, or rows of activation files, each with all its positions); default 64 for ONNX nets, sized from the unit count for activation files', 1))
    .option('batch-samples', integerOption('batch-samples', 'activation files only: samples per batch instead of --batch (a conv layer\'s sample is one position of one item)', 1))
    .option('top-k', integerOption('top-k', `ONNX runs: keep each unit's top-k images (with positions) and draw their patches; 0 = off (at most ${MAX_TOP_K})`, 0, MAX_TOP_K, 9))
    .option('patches', { type: 'boolean', default: true, describe: 'ONNX runs: draw each unit\'s top-k patches as PNG (--no-patches to skip)' })
    .option('reducer', { type: 'string', array: true, requiresArg: true, default: [] as string[], describe: `extra reducers from plugins (${[...ctx.registry.reducers.keys()].join(', ') || 'none loaded'})` })
    .option('overwrite', { type: 'boolean', default: false, describe: 'replace the run already in --out (it stays until the new probe is complete); without it such a run is refused' })
    .option('checkpoint-every', {
      type: 'string',
      requiresArg: true,
      describe: 'save the whole probe state this often (90s, 5m, 1h, 20batches; 0 = never; default 5m), so that --resume continues after a crash',
    })
    .option('resume', { type: 'boolean', default: false, describe: 'continue the unfinished probe in --out from its checkpoint (same command otherwise); a complete run is left as it is' })
    .option('blocks', integerOption('blocks', 'also keep the state of B contiguous blocks of images, so that align gives every scalar a jackknife standard error and 95% interval (costs one more copy of the moments in memory, and B on disk)', 2));
}

/** `probe` alone: one part of a sharded probe, and the next pass of a merged run's reducers. */
export function withShardOptions<T>(y: Argv<T>) {
  return y
    .option('shard', { type: 'string', requiresArg: true, describe: 'K/N: probe only part K (from 0) of N contiguous item ranges, for `convergent merge`' })
    .option('next-pass', { type: 'string', requiresArg: true, describe: 'RUN: with --shard, run the next pass of the reducers that RUN (a merge of first-pass parts) still owes' });
}

/** More top images per unit than a report can show only costs memory (units x k per net). */
export const MAX_TOP_K = 1000;

export interface ProbeArgs extends DataArgs {
  net?: string[];
  layer?: string[];
  out: string;
  limit?: number;
  batch?: number;
  'batch-samples'?: number;
  reducer: string[];
  threads?: number;
  'top-k': number;
  patches: boolean;
  overwrite: boolean;
  'checkpoint-every'?: string;
  resume: boolean;
  shard?: string;
  'next-pass'?: string;
  blocks?: number;
}

/** The checkpoint, resume and shard flags as the probes take them. */
function continuationOptions(argv: ProbeArgs) {
  return {
    shard: argv.shard === undefined ? undefined : parseShard(argv.shard),
    checkpointEvery: argv['checkpoint-every'] === undefined ? undefined : (parseCheckpointEvery(argv['checkpoint-every']) ?? null),
    resume: argv.resume,
    nextPassFrom: argv['next-pass'],
    blocks: argv.blocks,
  };
}

/** --batch and --batch-samples, checked against the kind of nets before any work. */
export function checkBatchFlags(argv: Pick<ProbeArgs, 'batch' | 'batch-samples' | 'data'>): void {
  if (argv['batch-samples'] === undefined) return;
  if (argv.batch !== undefined) throw new Error('--batch and --batch-samples both size the batch; give one');
  if (argv.data !== undefined) throw new Error('--batch-samples counts positions of activation files; ONNX nets read whole images, sized with --batch');
}

/**
 * A probe as the command line asks for it, checked and planned without a device (activation files
 * or ONNX models over --data): prepareCliProbe makes it before the backend is opened, so that every
 * mistake in the inputs is refused without waiting for (or printing) a device; run() then probes.
 */
export interface CliProbe {
  run(backend: Backend): Promise<ProbeManifest>;
  close(): Promise<void>;
}

export async function prepareCliProbe(
  argv: ProbeArgs,
  ctx: CliContext,
  nets: { name: string; path: string }[],
  reducerOptions = optionsFor(ctx.methodOptions, { reducers: argv.reducer }, 'probe'), // --<reducer>.<option>
): Promise<CliProbe> {
  const reducers = selectReducers(ctx.registry, argv.reducer);
  const progress = createProgress();
  if (argv.data !== undefined) return prepareOnnxCliProbe({ ...argv, data: argv.data }, ctx, nets, reducers, reducerOptions, progress);
  const prepared = await prepareProbe({
    nets,
    out: argv.out,
    layers: argv.layer,
    limitItems: argv.limit,
    batchItems: argv.batch,
    batchSamples: argv['batch-samples'],
    reducers,
    reducerOptions,
    command: ctx.commandLine,
    overwrite: argv.overwrite,
    ...continuationOptions(argv),
    log: info,
    onLayerStart: (layer, samples) => progress.start(layer, samples, 'samples'),
    onProgress: (p) => progress.update(p.samplesDone),
    onLayerDone: () => progress.stop(),
  });
  return {
    async run(backend) {
      const manifest = await runPreparedProbe(prepared, backend);
      info(`probed ${plural(manifest.layers.length, 'layer')} of ${plural(nets.length, 'net')} into ${argv.out}`);
      return manifest;
    },
    close: () => prepared.close(),
  };
}

export function probeCommand(ctx: CliContext) {
  return defineCommand({
    command: 'probe',
    describe: 'stream the activations of two or more nets into per-layer moments',
    builder: (y) => withShardOptions(withDataOptions(withProbeOptions(withBackendOptions(y), ctx))),
    handler: async (argv) => {
      // Everything the command line says is checked before a device is opened.
      const nets = parseNets(argv.net);
      checkInputsExist(nets, argv.data);
      checkBatchFlags(argv);
      // The nets opened and their layers planned, still without a device.
      const prepared = await prepareCliProbe(argv, ctx, nets);
      try {
        const backend = await openBackend(argv);
        try {
          await prepared.run(backend);
        } finally {
          await backend.dispose();
        }
      } finally {
        await prepared.close();
      }
    },
  });
}

/** The probe from ONNX models over images: forward passes stream into the moments. */
async function prepareOnnxCliProbe(
  argv: ProbeArgs & { data: string },
  ctx: CliContext,
  nets: { name: string; path: string }[],
  reducers: Reducer[],
  reducerOptions: Record<string, Record<string, unknown>>,
  progress: Progress,
): Promise<CliProbe> {
  validateNets(nets); // before the first model is read for the data's shape
  const { source, label, spec } = await openProbeData(argv, nets);
  let prepared;
  try {
    prepared = await prepareOnnxProbe({
      nets,
      data: source,
      dataLabel: label,
      dataSpec: spec,
      out: argv.out,
      layers: argv.layer,
      limitItems: argv.limit,
      batchItems: argv.batch,
      topK: argv['top-k'],
      patches: argv.patches,
      reducers,
      reducerOptions,
      threads: argv.threads,
      command: ctx.commandLine,
      overwrite: argv.overwrite,
      ...continuationOptions(argv),
      log: info,
      onStart: (items, passes) => progress.start('forward', items * passes, 'images'),
      onProgress: (done) => progress.update(done),
      onDone: () => progress.stop(),
    });
  } catch (e) {
    await source.close();
    throw e;
  }
  const ready = prepared;
  return {
    async run(backend) {
      const manifest = await runPreparedOnnxProbe(ready, backend);
      const acc = manifest.nets.filter((n) => n.accuracy !== undefined);
      if (acc.length > 0) info(`accuracy on the probe data: ${acc.map((n) => `${n.name} ${(100 * n.accuracy!).toFixed(2)}%`).join(', ')}`);
      const images = (manifest.data?.items ?? 0) - (manifest.data?.skipped?.length ?? 0); // the images read
      info(`probed ${plural(manifest.layers.length, 'layer')} of ${plural(nets.length, 'net')} over ${plural(images, 'image')} into ${argv.out}`);
      return manifest;
    },
    close: () => source.close(),
  };
}
