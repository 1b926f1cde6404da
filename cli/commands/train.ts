// `convergent train --out model.onnx`: trains LeNets (or a wider / AlexNet-style variant) with SGD
// on MNIST or a folder of class sub-folders, one net per seed, and writes standard ONNX models
// that `probe` reads. A progress bar per epoch; loss and held-out accuracy after each.
import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { BACKEND_REQUESTS, createBackend } from '../../src/backend/select.js';
import { loadTrainData, type TrainData } from '../../src/train/data.js';
import { ARCHS, describeNet, type ArchName } from '../../src/train/model.js';
import { TRAIN_DEFAULTS, type LrSchedule, type TrainOptions } from '../../src/train/options.js';
import { modelPathFor, saveTrainedNet } from '../../src/train/save.js';
import { netSpecFor, trainNets, type EpochReport } from '../../src/train/train.js';
import type { CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { MAX_THREADS, integerOption, numberOption, parseSeeds, positiveNumberOption } from '../flags.js';
import { info } from '../output.js';
import { plural } from '../../src/util/plural.js';
import { parseSizeFlag } from '../../src/util/size-flag.js';

/** The backends train takes: a subset of --backend's choices. */
const TRAIN_BACKENDS = ['auto', 'wasm', 'webgpu'] as const satisfies readonly (typeof BACKEND_REQUESTS)[number][];

export interface TrainArgs {
  arch: ArchName;
  width: number;
  seed: number;
  seeds?: string;
  epochs: number;
  batch: number;
  lr: number;
  'lr-schedule': LrSchedule;
  momentum: number;
  'weight-decay': number;
  data: string;
  size?: string;
  grayscale?: boolean;
  out: string;
  backend: (typeof TRAIN_BACKENDS)[number];
  threads?: number;
}

export function withTrainOptions<T>(y: Argv<T>) {
  const d = TRAIN_DEFAULTS;
  return y
    .option('arch', { choices: ARCHS, default: d.arch, describe: 'lenet: conv 5x5x20, pool, conv 5x5x50, pool, fc 500, fc classes (ReLU after conv1, conv2, fc1); alexnet-small: 3 padded convs, 3x3/2 pools, fc 256, for 32x32 images' })
    .option('width', integerOption('width', 'multiply every hidden width (channels, units) by this', 1, undefined, d.width))
    .option('seed', integerOption('seed', 'seed of the initial weights and the batch order', 0, undefined, d.seed))
    .option('seeds', { type: 'string', describe: 'train one net per seed, e.g. 1,2,3,4 (in parallel on worker threads); overrides --seed' })
    .option('epochs', integerOption('epochs', 'passes over the training data', 1, undefined, d.epochs))
    .option('batch', integerOption('batch', 'samples per SGD step', 1, undefined, d.batch))
    .option('lr', positiveNumberOption('lr', 'initial learning rate', d.lr))
    .option('lr-schedule', { choices: ['linear', 'constant'] as const, default: d.lrSchedule, describe: 'linear: decay to 0 over the run; constant' })
    .option('momentum', numberOption('momentum', 'SGD momentum, in [0, 1)', 'a number in [0, 1)', (m) => m >= 0 && m < 1, d.momentum))
    .option('weight-decay', numberOption('weight-decay', 'L2 penalty on every parameter (PyTorch SGD weight_decay), >= 0', 'a number >= 0', (w) => w >= 0, d.weightDecay))
    .option('data', { type: 'string', default: 'mnist', describe: '"mnist" (8,000 digits train, 2,000 held out) or a folder with one sub-folder of PNG/JPEG images per class (80/20 split)' })
    .option('size', { type: 'string', describe: 'folders: item size HxW (default 32x32)' })
    .option('grayscale', { type: 'boolean', describe: 'folders: one grey channel instead of RGB' })
    .option('out', { type: 'string', demandOption: true, describe: 'the .onnx file to write; with several seeds "{seed}" in it is replaced, else -seed<N> is added' })
    .option('backend', { choices: TRAIN_BACKENDS, default: 'auto' as const, describe: 'auto: a real GPU if present, else WASM SIMD on the CPU' })
    .option('threads', integerOption('threads', `wasm: worker threads, 0..${MAX_THREADS} (default: two per net up to the cores; with two per net each pair splits every batch of its net, same weights); 0 = this thread`, 0, MAX_THREADS));
}

/** --size of image folders (default 32x32). */
function parseSize(size: string | undefined): [number, number] {
  return size === undefined ? [32, 32] : parseSizeFlag(size, '32x32');
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function epochLine(r: EpochReport, several: boolean): string {
  const rate = r.trainSeconds > 0 ? ` (${r.trainSeconds.toFixed(1)} s, ${Math.round(r.images / r.trainSeconds)} images/s)` : '';
  return `${several ? `seed ${r.seed} ` : ''}epoch ${r.epoch}/${r.epochs}: loss ${r.loss.toFixed(4)}, held-out accuracy ${pct(r.heldOutAccuracy)}${rate}`;
}

export async function runTrain(argv: TrainArgs, log: (m: string) => void = info) {
  const seeds = argv.seeds !== undefined ? parseSeeds(argv.seeds) : [argv.seed];
  const base: Omit<TrainOptions, 'seed'> = {
    arch: argv.arch,
    width: argv.width,
    epochs: argv.epochs,
    batch: argv.batch,
    lr: argv.lr,
    lrSchedule: argv['lr-schedule'],
    momentum: argv.momentum,
    weightDecay: argv['weight-decay'],
  };
  const [h, w] = parseSize(argv.size);
  const data: TrainData = await loadTrainData(argv.data, { itemShape: [argv.grayscale ? 1 : 3, h, w], log });
  log(`data: ${data.label}`);
  const spec = netSpecFor(data, { ...base, seed: seeds[0] });
  log(`net: ${argv.arch}${argv.width > 1 ? ` x${argv.width}` : ''}, ${spec.paramCount.toLocaleString('en-US')} parameters: ${describeNet(spec).join('; ')}`);
  // The backend's trainer. auto takes real GPUs only (WASM SIMD on the CPU outruns a software
  // rasteriser) and, without a GPU device node, does not even load the WebGPU library.
  const backend = await createBackend(argv.backend);
  const trainer = backend.trainer;
  const several = seeds.length > 1;
  try {
    log(`training ${plural(seeds.length, 'net')} (${several ? 'seeds' : 'seed'} ${seeds.join(', ')}) on ${trainer.label}`);
    // One bar per epoch over the images of all nets; nets that run ahead are counted towards
    // their epoch's bar, which starts when every net has finished the one before.
    const progress = createProgress();
    const perEpoch = data.train[1] - data.train[0];
    const done = new Map<string, number>(); // `${seed}:${epoch}` -> images done
    const finished: EpochReport[][] = Array.from({ length: argv.epochs }, () => []);
    let current = 1;
    const doneIn = (epoch: number) => seeds.reduce((s, seed) => s + (done.get(`${seed}:${epoch}`) ?? 0), 0);
    const startBar = () => {
      progress.start(`epoch ${current}/${argv.epochs}`, perEpoch * seeds.length, 'images');
      progress.update(doneIn(current));
    };
    startBar();
    const t0 = performance.now();
    const nets = await trainNets(data, base, seeds, {
      ...trainer.options,
      threads: argv.threads,
      log,
      onProgress(seed, epoch, n) {
        done.set(`${seed}:${epoch}`, n);
        if (epoch === current) progress.update(doneIn(current));
      },
      onEpoch(r) {
        finished[r.epoch - 1].push(r);
        while (current <= argv.epochs && finished[current - 1].length === seeds.length) {
          progress.stop();
          for (const report of finished[current - 1].sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed))) log(epochLine(report, several));
          current++;
          if (current <= argv.epochs) startBar();
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const images = nets.reduce((s, n) => s + n.history.reduce((a, r) => a + r.images, 0), 0);
    log(`trained ${plural(nets.length, 'net')} in ${seconds.toFixed(1)} s (${Math.round(images / seconds)} training images/s overall, held-out scoring included)`);
    for (const net of nets) {
      const path = modelPathFor(argv.out, net.options.seed, several);
      const { record } = await saveTrainedNet(net, data, path);
      const last = net.history.at(-1)!;
      log(`wrote ${path} (held-out accuracy ${pct(last.heldOutAccuracy)}; record ${record}; key ${net.key})`);
    }
    return nets;
  } finally {
    await backend.dispose();
  }
}

export function trainCommand(_ctx: CliContext) {
  return defineCommand({
    command: 'train',
    describe: 'train LeNets (one per seed) on MNIST or image folders and write ONNX models',
    builder: (y) => withTrainOptions(y),
    handler: async (argv) => {
      await runTrain(argv);
    },
  });
}
