// `convergent demo`: the paper end to end on data that ships with the package. Trains LeNets
// from seeds 1-4 on 8,000 MNIST digits (or reuses them from the cache, keyed by everything that
// determines their weights), probes the 2,000 held-out digits, aligns every pair at conv1,
// conv2 and fc1, writes the run directory and the report, and prints the paper's table.
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { openImageSource } from '../../src/inputs/data/source.js';
import { MNIST_SPLITS } from '../../src/inputs/data/mnist.js';
import { align } from '../../src/align/align.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { mnistTrainData, type TrainData } from '../../src/train/data.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../../src/train/options.js';
import type { TrainerOffer } from '../../src/backend/types.js';
import { saveTrainedNet } from '../../src/train/save.js';
import { keyFor, trainNets } from '../../src/train/train.js';
import { openBackend, selectMethods, withAlignOptions, withBackendOptions, type CliContext } from '../context.js';
import { integerOption, parseSeeds } from '../flags.js';
import { optionsFor } from '../method-options.js';
import { info, isQuiet, print, writeTo } from '../output.js';
import { formatPaperTable } from '../paper-table.js';
import { alignProgress, createProgress } from '../progress.js';
import { runReport } from './report.js';
import { acquireRunLock } from '../../src/run-dir/lock.js';
import { plural } from '../../src/util/plural.js';

const TRAIN_IMAGES = MNIST_SPLITS.train[1] - MNIST_SPLITS.train[0];
const PROBE_IMAGES = MNIST_SPLITS.heldOut[1] - MNIST_SPLITS.heldOut[0];

/** Where trained nets are kept between runs: $CONVERGENT_CACHE, else $XDG_CACHE_HOME/convergent, else ~/.cache/convergent. */
export function defaultCacheDir(): string {
  if (process.env.CONVERGENT_CACHE) return process.env.CONVERGENT_CACHE;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'convergent');
}

interface DemoArgs {
  out: string;
  seeds: string;
  epochs: number;
  'train-images': number;
  'probe-images': number;
  cache: string;
  'no-cache'?: boolean;
  retrain: boolean;
  backend: string;
  threads?: number;
  method: string[];
  'only-methods': boolean;
  format: 'csv' | 'json' | 'arrow';
}

/** The nets for the seeds: from the cache when there, else trained now (in parallel) and cached. */
async function demoNets(argv: DemoArgs, data: TrainData, options: Omit<TrainOptions, 'seed'>, seeds: number[], trainer: TrainerOffer) {
  const cacheDir = join(resolve(argv.cache), 'nets');
  const paths = new Map(seeds.map((seed) => [seed, join(cacheDir, `lenet-seed${seed}-${keyFor(data, { ...options, seed }, trainer.options.backend)}.onnx`)]));
  const missing = argv.retrain ? seeds : seeds.filter((seed) => !existsSync(paths.get(seed)!));
  const cached = seeds.filter((s) => !missing.includes(s));
  if (cached.length > 0) info(`reusing the nets of seeds ${cached.join(', ')} from ${cacheDir}`);
  if (missing.length > 0) {
    const total = missing.length * options.epochs * (data.train[1] - data.train[0]);
    info(`training ${plural(missing.length, 'LeNet')} (seeds ${missing.join(', ')}) for ${plural(options.epochs, 'epoch')} on ${data.label}`);
    const progress = createProgress();
    progress.start('train', total, 'images');
    const done = new Map<number, number>();
    const perEpoch = data.train[1] - data.train[0];
    const trained = await trainNets(data, options, missing, {
      ...trainer.options,
      threads: argv.threads,
      onProgress: (seed, epoch, images) => {
        done.set(seed, (epoch - 1) * perEpoch + images);
        progress.update([...done.values()].reduce((a, b) => a + b, 0));
      },
      onEpoch: (r) => {
        if (isQuiet() || process.stderr.isTTY) return;
        writeTo(process.stderr, `  seed ${r.seed} epoch ${r.epoch}/${r.epochs}: loss ${r.loss.toFixed(4)}, held-out accuracy ${(100 * r.heldOutAccuracy).toFixed(2)}%\n`);
      },
      log: info,
    });
    progress.stop();
    for (const net of trained) {
      const last = net.history[net.history.length - 1];
      info(`seed ${net.options.seed}: held-out accuracy ${(100 * last.heldOutAccuracy).toFixed(2)}% after ${plural(last.epoch, 'epoch')} (${net.device})`);
      await saveTrainedNet(net, data, paths.get(net.options.seed)!);
    }
  }
  return paths;
}

export function demoCommand(ctx: CliContext) {
  return defineCommand({
    command: 'demo',
    describe: 'the paper end to end: train LeNets from seeds 1-4 on MNIST, probe the held-out digits, align, report',
    builder: (y) =>
      withAlignOptions(withBackendOptions(y), ctx)
        .option('out', { type: 'string', default: 'runs/demo', describe: 'run directory to write' })
        .option('seeds', { type: 'string', default: '1,2,3,4', describe: 'seeds of the nets to train and compare, two or more (e.g. 1,2,3,4 or 1-4)' })
        .option('epochs', integerOption('epochs', 'training epochs per net', 1, undefined, TRAIN_DEFAULTS.epochs))
        .option('train-images', integerOption('train-images', 'training digits (the first N of the 8,000)', 1, TRAIN_IMAGES, TRAIN_IMAGES))
        .option('probe-images', integerOption('probe-images', 'held-out digits to probe (the first N of the 2,000)', 1, PROBE_IMAGES, PROBE_IMAGES))
        .option('cache', { type: 'string', default: defaultCacheDir(), describe: 'where trained nets are kept and reused' })
        .option('retrain', { type: 'boolean', default: false, describe: 'train even when the cache has the nets' }),
    handler: async (argv) => {
      const started = performance.now();
      // Everything the command line says is checked before training or a device.
      const seeds = parseSeeds(argv.seeds, 2);
      const methods = selectMethods(argv, ctx);
      const methodOptions = optionsFor(ctx.methodOptions, { methods }, 'demo');
      const [trainStart, trainEnd] = MNIST_SPLITS.train;
      const [heldStart] = MNIST_SPLITS.heldOut;
      const full = await mnistTrainData();
      const trainImages = argv['train-images'];
      // A shortened training set is a different data set for the cache.
      const data: TrainData = trainImages === trainEnd - trainStart ? full : { ...full, train: [trainStart, trainStart + trainImages], identity: `${full.identity}/train-first-${trainImages}`, label: `${full.label}, first ${trainImages} training digits` };
      const options: Omit<TrainOptions, 'seed'> = { ...TRAIN_DEFAULTS, epochs: argv.epochs };
      // The demo writes its own folder (runs/demo by default), locked from here to the end.
      const lock = await acquireRunLock(argv.out, { command: ctx.commandLine, log: info });
      const backend = await openBackend(argv);
      try {
        // The backend's trainer: a GPU trains on WebGPU (on the backend's device); otherwise WASM SIMD, one net per core.
        const paths = await demoNets(argv, data, options, seeds, backend.trainer);
        const netDir = join(argv.out, 'nets');
        await mkdir(netDir, { recursive: true });
        const nets = [];
        for (const seed of seeds) {
          const path = join(netDir, `lenet-seed${seed}.onnx`);
          await copyFile(paths.get(seed)!, path);
          nets.push({ name: `seed${seed}`, path });
        }
        const split = `${heldStart}:${heldStart + argv['probe-images']}`;
        const source = await openImageSource('mnist', { itemShape: [1, 28, 28], split });
        const progress = createProgress();
        let manifest;
        try {
          manifest = await probeOnnx({
            nets,
            data: source,
            dataLabel: `mnist (held-out digits ${split})`,
            out: argv.out,
            backend,
            layers: ['conv1', 'conv2', 'fc1'],
            threads: argv.threads,
            command: ctx.commandLine,
            // The demo re-runs into its own folder: a new demo replaces the last (once its probe is complete).
            overwrite: true,
            log: info,
            onStart: (items, passes) => progress.start('probe', items * passes, 'images'),
            onProgress: (done) => progress.update(done),
            onDone: () => progress.stop(),
          });
        } finally {
          await source.close();
        }
        const bar = alignProgress();
        let result;
        try {
          result = await align({ run: argv.out, backend, registry: ctx.registry.methods, reducer: (name) => ctx.registry.reducers.get(name)?.reducer, methods, methodOptions, format: argv.format, log: info, onMethod: bar.onMethod, onMethodProgress: bar.onMethodProgress });
        } finally {
          bar.stop();
        }
        await runReport(argv.out, { headline: false, command: ctx.commandLine });
        print(`\nConvergent learning, ${seeds.length} LeNets (seeds ${seeds.join(', ')}) on ${manifest.data?.items} held-out MNIST digits:\n\n`);
        print(`${formatPaperTable(result.summary, manifest.nets)}\n\n`);
        info(`demo done in ${((performance.now() - started) / 1000).toFixed(1)} s; run directory ${argv.out}`);
      } finally {
        await backend.dispose();
        lock.release();
      }
    },
  });
}
