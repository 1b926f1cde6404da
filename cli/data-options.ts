// The image data flags of `probe`/`run` with ONNX models: where images come from and how they are
// preprocessed. Defaults come from the first model's input shape.
import type { Argv } from 'yargs';
import type { PreprocessOptions } from '../src/inputs/data/preprocess.js';
import { openProbeData as openImageData } from '../src/probe/probe-data.js';
import { integerOption, positiveNumberOption } from './flags.js';

export interface DataArgs {
  data?: string;
  split?: string;
  'on-bad-image': 'skip' | 'fail';
  size?: string;
  resize?: number;
  scale?: number;
  mean?: number[];
  std?: number[];
  bgr?: boolean;
  grayscale?: boolean;
}

export function withDataOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', describe: 'images for ONNX nets: a folder of PNG/JPEG (recursive, sorted by path), an (N,C,H,W) .npy file, or "mnist"' })
    .option('split', { type: 'string', describe: 'mnist: which digits, "heldout" (8000:10000, default), "train" (0:8000) or "START:END"' })
    .option('on-bad-image', { choices: ['skip', 'fail'] as const, default: 'skip' as const, describe: 'an unreadable image: skip it (listed in probe.json and the log) or stop' })
    .option('size', { type: 'string', describe: 'input size HxW (default: the model\'s input shape); images are center-cropped to it' })
    .option('resize', integerOption('resize', 'resize the shorter side to this many pixels before the center crop (default: just cover the crop)', 1))
    .option('scale', positiveNumberOption('scale', 'multiply pixel values (0..255) by this (default 1/255)'))
    .option('mean', { type: 'number', array: true, describe: 'per-channel mean subtracted after scaling (e.g. 0.485 0.456 0.406)', coerce: (v: number[]) => numbers('mean', v, (x) => Number.isFinite(x), 'finite numbers') })
    .option('std', { type: 'number', array: true, describe: 'per-channel std divided by after the mean (e.g. 0.229 0.224 0.225)', coerce: (v: number[]) => numbers('std', v, (x) => Number.isFinite(x) && x > 0, 'positive numbers') })
    .option('bgr', { type: 'boolean', describe: 'channel order BGR (Caffe models) instead of RGB' })
    .option('grayscale', { type: 'boolean', describe: 'convert to one grey channel (default when the model takes 1 channel)' });
}

/** A list flag's values, each checked (yargs gives NaN for a word). */
function numbers(flag: string, values: number[] | undefined, ok: (x: number) => boolean, what: string): number[] | undefined {
  if (values === undefined) return undefined;
  const bad = values.find((x) => !ok(x));
  if (values.length === 0 || bad !== undefined) throw new Error(`--${flag} expects ${what} (one, or one per channel), got ${values.length === 0 ? 'none' : String(bad)}`);
  return values;
}

export function preprocessFromArgs(argv: DataArgs): Partial<PreprocessOptions> {
  const p: Partial<PreprocessOptions> = {};
  if (argv.resize !== undefined) p.resize = argv.resize;
  if (argv.scale !== undefined) p.scale = argv.scale;
  if (argv.mean !== undefined) p.mean = argv.mean;
  if (argv.std !== undefined) p.std = argv.std;
  if (argv.bgr !== undefined) p.channelOrder = argv.bgr ? 'bgr' : 'rgb';
  if (argv.grayscale !== undefined) p.grayscale = argv.grayscale;
  return p;
}

/** The images of an ONNX probe, as the data flags describe them (src/probe/probe-data.ts opens them, refusing an empty --data). */
export function openProbeData(argv: DataArgs & { data: string }, nets: { name: string; path: string }[]): ReturnType<typeof openImageData> {
  return openImageData({ data: argv.data, size: argv.size, preprocess: preprocessFromArgs(argv), split: argv.split, onBadImage: argv['on-bad-image'] }, nets);
}
