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
import { benchRounds, loadLine, median } from './alternation.js';
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

/** Our settings, each a bench part of its own (`train-ours-NAME`): one net on this thread, one net on a pair of workers, four seeds on two workers. */
export const OUR_TRAIN_SETTINGS = ['main', 'pair', 'four'] as const;
export type OurTrainSetting = (typeof OUR_TRAIN_SETTINGS)[number];

/** PyTorch's settings, each a bench part of its own (`train-torch-TxP`): threads per process x processes. */
export const TORCH_TRAIN_SETTINGS = [
  { threads: 1, processes: 1 },
  { threads: 2, processes: 1 },
  { threads: 1, processes: 2 },
];
export const torchPartName = (s: { threads: number; processes: number }) => `train-torch-${s.threads}x${s.processes}`;

export async function benchOurTraining(setting: OurTrainSetting): Promise<TrainRow> {
  const data = await mnistTrainData();
  const started = performance.now();
  if (setting === 'main') {
    const one = await trainNet(data, { ...RECIPE, seed: 1 }, { backend: 'wasm' });
    return row(`ours ${one.device}`, 1, [one], (performance.now() - started) / 1000);
  }
  if (setting === 'pair') {
    // One net on a pair of workers (each computes half of every batch): `convergent train`'s default.
    const pair = await trainNets(data, RECIPE, [1], { backend: 'wasm', threads: 2 });
    return row('ours wasm-simd (1 net, 2 worker threads)', 2, pair, (performance.now() - started) / 1000);
  }
  const four = await trainNets(data, RECIPE, [1, 2, 3, 4], { backend: 'wasm', threads: 2 });
  return row('ours wasm-simd (2 worker threads)', 2, four, (performance.now() - started) / 1000);
}

/** PyTorch at one setting (`processes` nets at once, `threads` each); or why it cannot run. */
export async function benchTorchPart(setting: { threads: number; processes: number }): Promise<TorchTrainResult | { unavailable: string }> {
  const why = torchUnavailable();
  if (why) return { unavailable: why };
  const data = await mnistTrainData();
  const images = data.images.subarray(0, data.count * data.inputShape.reduce((a, b) => a * b, 1));
  const [result] = await benchTorchTraining(images, data.labels.subarray(0, data.count), data.train[1], EPOCHS, [setting]);
  return result;
}

/** The round's entry with the median time (its loss and accuracy are that run's). */
function medianRun<T extends { seconds: number }>(runs: T[]): T {
  const m = median(runs.map((r) => r.seconds));
  return runs.reduce((best, r) => (Math.abs(r.seconds - m) < Math.abs(best.seconds - m) ? r : best));
}

const torchLabel = (t: { threads: number; processes: number }) => (t.processes > 1 ? `${t.processes} processes x ${t.threads} thread` : `${t.threads} thread${t.threads > 1 ? 's' : ''}`);

/**
 * `npm run bench -- train`: rounds (BENCH_ROUNDS, default 3) in which every setting of ours and
 * of PyTorch trains once, in turn (ours on 1 thread, PyTorch on 1, ours on a pair, PyTorch on 2,
 * ...), each in a process of its own; every setting's row is its median round. The ratio is
 * against PyTorch's fastest setting on at most as many cores (issue 15: its 2-thread setting is
 * slower than its 1-thread one, so one net on 2 cores is compared with the faster of the two).
 */
export function trainSection(runPart: RunPart): string {
  const rounds = benchRounds(3);
  const loadBefore = loadLine();
  const why = torchUnavailable();
  const ours = new Map<string, TrainRow[]>();
  const torch = new Map<string, TorchTrainResult[]>();
  const notes: string[] = [];
  // Runs one part and keeps its result under its name; a part that fails once is not rerun.
  const record = <T extends object>(part: string, into: Map<string, T[]>) => {
    if (notes.some((n) => n.startsWith(`${part}:`))) return;
    const r = runPart<T>(part);
    if ('error' in r) notes.push(`${part}: not measured (${r.error})`);
    else into.set(part, [...(into.get(part) ?? []), r]);
  };
  for (let round = 0; round < rounds; round++) {
    for (const [k, setting] of OUR_TRAIN_SETTINGS.entries()) {
      record(`train-ours-${setting}`, ours);
      if (!why) record(torchPartName(TORCH_TRAIN_SETTINGS[k]), torch);
    }
  }
  if (why) notes.push(`PyTorch: ${why}; the ratio is unavailable (the comparison runs when torch can be imported)`);
  const torchRows = TORCH_TRAIN_SETTINGS.flatMap((s) => (torch.has(torchPartName(s)) ? [medianRun(torch.get(torchPartName(s))!)] : []));
  const lines = [
    `### Training LeNet on the CPU (MNIST 8,000 digits x ${EPOCHS} epochs, batch ${BATCH}, SGD momentum 0.9, lr 0.01, weight decay 5e-4; wall clock of the whole run, held-out scoring after each epoch included on both sides)`,
    '',
    `Median of ${rounds} alternated round${rounds === 1 ? '' : 's'} (every setting once per round, ours and PyTorch in turn, each in a process of its own). Load before: ${loadBefore}; after: ${loadLine()}.`,
    '',
    '| runner | nets | threads | time (s) median (range) | images/s (all nets) | vs PyTorch\'s best on as many cores | final epoch loss | held-out accuracy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const range = (runs: { seconds: number }[]) => `${Math.min(...runs.map((r) => r.seconds)).toFixed(1)}-${Math.max(...runs.map((r) => r.seconds)).toFixed(1)}`;
  const line = (r: TrainRow, runs: { seconds: number }[], ratio: string) =>
    `| ${r.runner} | ${r.nets} | ${r.threads} | ${r.seconds.toFixed(1)} (${range(runs)}) | ${r.imagesPerSecond.toFixed(0)} | ${ratio} | ${r.finalLoss.toFixed(4)} | ${(100 * r.heldOutAccuracy).toFixed(2)}% |`;
  for (const setting of OUR_TRAIN_SETTINGS) {
    const runs = ours.get(`train-ours-${setting}`);
    if (!runs) continue;
    const r = medianRun(runs);
    // PyTorch's fastest setting on at most as many cores (one net: one process).
    const t = torchRows.filter((x) => x.threads * x.processes <= r.threads && (r.nets > 1 || x.processes === 1)).sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
    lines.push(line(r, runs, t ? `${(r.imagesPerSecond / t.imagesPerSecond).toFixed(2)}x (vs ${torchLabel(t)})` : '-'));
  }
  for (const t of torchRows) {
    const runner = `PyTorch ${t.version} (CPU), ${torchLabel(t)}`;
    lines.push(line({ runner, nets: t.processes, threads: t.threads * t.processes, seconds: t.seconds, imagesPerSecond: t.imagesPerSecond, finalLoss: t.finalLoss, heldOutAccuracy: t.heldOutAccuracy }, torch.get(torchPartName(t))!, ''));
  }
  if (torchRows.length > 0) notes.push('PyTorch: Debian\'s python3-torch (oneDNN convolutions, OpenBLAS, OpenMP), torch.set_num_threads(n); "vs PyTorch" is against its fastest setting on at most as many cores, named in brackets: for one net, one process on 1 or 2 threads; for several, also two nets at once in two 1-thread processes');
  return [...lines, ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : [])].join('\n');
}
