// Training throughput on the CPU (images/s, forward + backward + SGD update): our WASM trainer
// (src/train trainNet / trainNets, what `convergent train` runs) on Caffe's LeNet, one net in this
// thread, one net on a pair of worker threads and four seeds on two worker threads, against
// PyTorch on the same digits with the same recipe: batch 64, SGD momentum 0.9, constant lr 0.01,
// weight decay 5e-4, 4 epochs over the 8,000 training digits, the 2,000 held-out digits scored
// after every epoch. Both sides are timed on the wall clock over the whole run (scoring included),
// so both do the same work.
import { mnistTrainData } from '../src/train/data.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../src/train/options.js';
import { trainNet, trainNets, type TrainedNet } from '../src/train/train.js';
import { benchTorchTraining, torchUnavailable, type TorchTrainResult } from './train-torch.js';
import type { RunPart } from './types.js';

const EPOCHS = 4;
const BATCH = 64;
// The classic recipe, as PyTorch runs it (`convergent train` defaults to lr 0.05 decayed linearly).
const RECIPE: Omit<TrainOptions, 'seed'> = { ...TRAIN_DEFAULTS, arch: 'lenet', width: 1, epochs: EPOCHS, batch: BATCH, lr: 0.01, lrSchedule: 'constant', momentum: 0.9, weightDecay: 5e-4 };

export interface TrainRow {
  runner: string;
  nets: number;
  threads: number;
  seconds: number;
  /** Training images processed per second, over all nets. */
  imagesPerSecond: number;
  /** Last epoch's mean training loss and held-out accuracy (mean over the nets). */
  finalLoss: number;
  heldOutAccuracy: number;
}

function row(runner: string, threads: number, nets: TrainedNet[], seconds: number): TrainRow {
  const last = nets.map((n) => n.history[n.history.length - 1]);
  const images = nets.reduce((sum, n) => sum + n.history.reduce((s, e) => s + e.images, 0), 0);
  const mean = (f: (e: (typeof last)[number]) => number) => last.reduce((s, e) => s + f(e), 0) / last.length;
  return { runner, nets: nets.length, threads, seconds, imagesPerSecond: images / seconds, finalLoss: mean((e) => e.loss), heldOutAccuracy: mean((e) => e.heldOutAccuracy) };
}

export async function benchOurTraining(): Promise<TrainRow[]> {
  const data = await mnistTrainData();
  let started = performance.now();
  const one = await trainNet(data, { ...RECIPE, seed: 1 }, { backend: 'wasm' });
  const rows = [row(`ours ${one.device}`, 1, [one], (performance.now() - started) / 1000)];
  started = performance.now();
  // One net on a pair of workers (each computes half of every batch): `convergent train`'s default.
  const pair = await trainNets(data, RECIPE, [1], { backend: 'wasm', threads: 2 });
  rows.push(row('ours wasm-simd (1 net, 2 worker threads)', 2, pair, (performance.now() - started) / 1000));
  started = performance.now();
  const four = await trainNets(data, RECIPE, [1, 2, 3, 4], { backend: 'wasm', threads: 2 });
  rows.push(row('ours wasm-simd (2 worker threads)', 2, four, (performance.now() - started) / 1000));
  return rows;
}

/** PyTorch on one and two threads, and two one-thread processes at once; or why it cannot run. */
export async function benchTorchPart(): Promise<TorchTrainResult[] | { unavailable: string }> {
  const why = torchUnavailable();
  if (why) return { unavailable: why };
  const data = await mnistTrainData();
  const images = data.images.subarray(0, data.count * data.inputShape.reduce((a, b) => a * b, 1));
  const settings = [
    { threads: 1, processes: 1 },
    { threads: 2, processes: 1 },
    { threads: 1, processes: 2 },
  ];
  return benchTorchTraining(images, data.labels.subarray(0, data.count), data.train[1], EPOCHS, settings);
}

export function trainSection(runPart: RunPart): string {
  const lines = [
    `### Training LeNet on the CPU (MNIST 8,000 digits x ${EPOCHS} epochs, batch ${BATCH}, SGD momentum 0.9, lr 0.01, weight decay 5e-4; wall clock of the whole run, held-out scoring after each epoch included on both sides)`,
    '',
    '| runner | nets | threads | time (s) | images/s (all nets) | vs PyTorch, same cores | final epoch loss | held-out accuracy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const ours = runPart<TrainRow[]>('train-ours');
  const torch = runPart<TorchTrainResult[] | { unavailable: string }>('train-torch');
  const torchRows = 'error' in torch || 'unavailable' in torch ? [] : torch;
  const notes: string[] = [];
  if ('error' in ours) notes.push(`ours: not measured (${ours.error})`);
  if ('error' in torch) notes.push(`PyTorch: not measured (${torch.error}); the ratio is unavailable`);
  else if ('unavailable' in torch) notes.push(`PyTorch: ${torch.unavailable}; the ratio is unavailable`);
  const line = (r: TrainRow, ratio: string) =>
    `| ${r.runner} | ${r.nets} | ${r.threads} | ${r.seconds.toFixed(1)} | ${r.imagesPerSecond.toFixed(0)} | ${ratio} | ${r.finalLoss.toFixed(4)} | ${(100 * r.heldOutAccuracy).toFixed(2)}% |`;
  for (const r of 'error' in ours ? [] : ours) {
    // The fastest PyTorch setting on the same number of cores (one net: one process).
    const t = torchRows
      .filter((x) => x.threads * x.processes === r.threads && (r.nets > 1 || x.processes === 1))
      .sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
    lines.push(line(r, t ? `${(r.imagesPerSecond / t.imagesPerSecond).toFixed(2)}x` : '-'));
  }
  for (const t of torchRows) {
    const runner = `PyTorch ${t.version} (CPU)${t.processes > 1 ? `, ${t.processes} processes x ${t.threads} thread` : ''}`;
    lines.push(line({ runner, nets: t.processes, threads: t.threads * t.processes, seconds: t.seconds, imagesPerSecond: t.imagesPerSecond, finalLoss: t.finalLoss, heldOutAccuracy: t.heldOutAccuracy }, ''));
  }
  if (torchRows.length > 0) notes.push('PyTorch: Debian\'s python3-torch (oneDNN convolutions, OpenBLAS, OpenMP), torch.set_num_threads(n); "vs PyTorch" is against its fastest setting on as many cores: for one net, one process; for several, also two nets at once in two 1-thread processes');
  return [...lines, ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : [])].join('\n');
}
