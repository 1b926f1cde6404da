// The images an ONNX probe reads: their item shape comes from the first net's input (with a size
// for symbolic dims), the preprocessing defaults from that shape (src/inputs/data/preprocess.ts).
import type { PreprocessOptions } from '../inputs/data/preprocess.js';
import { openImageSource, type ImageSource } from '../inputs/data/source.js';
import { modelInputDims } from '../forward/compile.js';
import { readOnnxFile } from '../inputs/onnx/decode.js';
import { inModel } from '../inputs/onnx/where.js';
import { parseSizeFlag } from '../util/size-flag.js';

export interface ProbeDataOptions {
  /** A folder of PNG/JPEG images, an (N, C, H, W) .npy file, or "mnist". */
  data: string;
  /** Input size "HxW" (default: the model's input shape); images are center-cropped to it. */
  size?: string;
  preprocess?: Partial<PreprocessOptions>;
  /** mnist: "heldout" (default), "train" or "START:END". */
  split?: string;
  onBadImage?: 'skip' | 'fail';
}

/** The (C, H, W) of one item: the net's input, with `size` ("HxW") for symbolic or other dims. */
export async function itemShapeFor(modelPath: string, size?: string, netName = 'first'): Promise<[number, number, number]> {
  const model = await readOnnxFile(modelPath);
  const dims = inModel({ name: netName, path: modelPath }, () => modelInputDims(model));
  if (dims.length !== 4) throw new Error(`${modelPath}: input ${model.inputs[0]?.name} has shape ${JSON.stringify(dims)}; image data needs an (N, C, H, W) input`);
  let [, c, h, w] = dims;
  if (size !== undefined) [h, w] = parseSizeFlag(size, '224x224');
  if (typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new Error(`${modelPath}: input ${model.inputs[0]?.name} has symbolic dims ${JSON.stringify(dims)}; give --size HxW (and a model with a fixed channel count)`);
  }
  return [c, h, w];
}

/** Opens the probe's images for the nets (shaped for the first), with a label for the manifest and the options as `spec` (for its provenance). */
export async function openProbeData(options: ProbeDataOptions, nets: { name: string; path: string }[]): Promise<{ source: ImageSource; label: string; spec: ProbeDataOptions }> {
  if (!options.data) throw new Error('--data is needed with ONNX nets');
  if (nets.length === 0) throw new Error('name the nets with --net NAME=model.onnx');
  const itemShape = await itemShapeFor(nets[0].path, options.size, nets[0].name);
  const source = await openImageSource(options.data, { itemShape, preprocess: options.preprocess ?? {}, split: options.split, onBadImage: options.onBadImage });
  const label = options.data === 'mnist' ? `mnist (${options.split ?? 'heldout'})` : options.data;
  return { source, label, spec: options };
}
