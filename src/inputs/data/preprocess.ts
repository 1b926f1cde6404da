// Turns a decoded image into one model input item: channel conversion (grey <-> RGB, alpha
// dropped), resize (antialiased bilinear), center crop to the model's H x W, then per channel
// out = (pixel * scale - mean) / std, written as CHW float32. Pixel values enter on the 0..255
// scale whatever the bit depth (16-bit samples are divided by 257, keeping their precision; MNIST's
// 0..1 grey levels are multiplied by 255), so the default scale 1/255 gives 0..1 for every image.
import { colourChannels, type RawImage } from './image.js';
import { axisTaps, resamplePlane } from './resample.js';

/** Item shape of a model input: (channels, height, width). */
export type ItemShape = [number, number, number];

export interface PreprocessOptions {
  /**
   * Before the center crop: 'cover' scales the image (both axes alike) so it just covers the
   * crop, which for a square crop is "shorter side to the crop size"; a number S scales the
   * shorter side to S (torchvision's Resize(S), e.g. 256 before a 224 crop); 'none' keeps the
   * decoded size. A crop larger than the image pads with pixel value 0 (as torchvision does).
   */
  resize: 'cover' | 'none' | number;
  /** Widen the filter when downscaling (Pillow, torchvision antialias=True); default true. */
  antialias: boolean;
  /** Multiplies pixel values on the 0..255 scale; default 1/255 (so 0..1); 1 for Caffe-style 0..255 models. */
  scale: number;
  /** Subtracted after scaling, per output channel (in output order, i.e. after a BGR swap); one value for all. */
  mean: number[];
  /** Divides after the mean, per output channel; one value for all. */
  std: number[];
  /** Order of colour channels in the output. */
  channelOrder: 'rgb' | 'bgr';
  /** Convert colour to grey (Rec. 601 luma, 0.299 R + 0.587 G + 0.114 B, as Pillow's "L"). */
  grayscale: boolean;
}

/** The defaults for a model input (C, H, W): C = 1 -> grayscale; resize to cover and crop to H x W; 0..1. */
export function defaultPreprocess(itemShape: readonly number[]): PreprocessOptions {
  const [channels] = checkItemShape(itemShape);
  return { resize: 'cover', antialias: true, scale: 1 / 255, mean: [0], std: [1], channelOrder: 'rgb', grayscale: channels === 1 };
}

/** Defaults overridden by the defined fields of `options`, validated. */
export function resolvePreprocess(itemShape: readonly number[], options: Partial<PreprocessOptions> = {}): PreprocessOptions {
  const [channels] = checkItemShape(itemShape);
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<PreprocessOptions>;
  const o: PreprocessOptions = { ...defaultPreprocess(itemShape), ...defined };
  if (typeof o.resize === 'number' ? !(Number.isInteger(o.resize) && o.resize > 0) : o.resize !== 'cover' && o.resize !== 'none') {
    throw new Error(`preprocessing: resize ${JSON.stringify(o.resize)} is not 'cover', 'none' or a positive integer (shorter side)`);
  }
  if (!Number.isFinite(o.scale) || o.scale === 0) throw new Error(`preprocessing: scale ${o.scale} is not a finite non-zero number`);
  for (const [name, values] of [['mean', o.mean], ['std', o.std]] as const) {
    if (!Array.isArray(values) || (values.length !== 1 && values.length !== channels)) {
      throw new Error(`preprocessing: ${name} has ${Array.isArray(values) ? values.length : 0} values; give 1 or ${channels} (one per channel of the model input)`);
    }
    if (values.some((v) => !Number.isFinite(v) || (name === 'std' && v === 0))) throw new Error(`preprocessing: ${name} [${values.join(', ')}] must be finite${name === 'std' ? ' and non-zero' : ''}`);
  }
  if (o.channelOrder !== 'rgb' && o.channelOrder !== 'bgr') throw new Error(`preprocessing: channel order "${o.channelOrder}" is not rgb or bgr`);
  return o;
}

export function checkItemShape(itemShape: readonly number[]): ItemShape {
  if (itemShape.length !== 3 || !itemShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`item shape ${JSON.stringify(itemShape)} is not (channels, height, width) of positive integers`);
  }
  return [itemShape[0]!, itemShape[1]!, itemShape[2]!];
}

/** Size of the image after the resize step, before the crop: [height, width]. */
export function resizedSize(height: number, width: number, crop: [number, number], resize: PreprocessOptions['resize']): [number, number] {
  if (resize === 'none') return [height, width];
  if (resize === 'cover') {
    const s = Math.max(crop[0] / height, crop[1] / width);
    return [Math.max(crop[0], Math.round(height * s)), Math.max(crop[1], Math.round(width * s))];
  }
  // torchvision: the shorter side becomes S, the longer one int(S * long / short).
  if (height <= width) return [resize, Math.max(1, Math.floor((resize * width) / height))];
  return [Math.max(1, Math.floor((resize * height) / width)), resize];
}

/**
 * First row (column) of a center crop of `crop` from `size`: torchvision's round((size - crop) / 2)
 * (half to even), or minus the top (left) padding, floor((crop - size) / 2), when the crop is larger.
 */
export function cropOffset(size: number, crop: number): number {
  if (size < crop) return -Math.floor((crop - size) / 2);
  const half = (size - crop) / 2;
  const down = Math.floor(half);
  return half - down === 0.5 ? (down % 2 === 0 ? down : down + 1) : Math.round(half);
}

/** Channels the options make of an image with `colour` colour channels (1 or 3), for a model taking `channels`. */
export function outputChannels(colour: 1 | 3, channels: number, options: PreprocessOptions): number {
  if (options.grayscale) return 1;
  if (colour === 1) return channels === 3 ? 3 : 1; // grey is replicated for an RGB model
  return 3;
}

/**
 * Preprocesses `image` into `out` at `offset` (C x H x W floats). `path` names the image in
 * errors (e.g. a channel count the model does not take).
 */
export function preprocessInto(image: RawImage, itemShape: ItemShape, options: PreprocessOptions, out: Float32Array, offset: number, path: string): void {
  const [channels, height, width] = itemShape;
  const colour = colourChannels(image);
  const produced = outputChannels(colour, channels, options);
  if (produced !== channels) {
    const kind = colour === 1 ? 'grey' : 'colour';
    throw new Error(`${path}: a ${kind} image gives ${produced} channel${produced === 1 ? '' : 's'} after preprocessing${options.grayscale ? ' (grayscale)' : ''}, but the model input has ${channels}`);
  }
  if (image.width <= 0 || image.height <= 0) throw new Error(`${path}: empty image (${image.width} x ${image.height})`);
  const planes = toPlanes(image, options.grayscale);
  const planeCount = planes.length / (image.width * image.height);
  const [rh, rw] = resizedSize(image.height, image.width, [height, width], options.resize);
  const top = cropOffset(rh, height);
  const left = cropOffset(rw, width);
  const size = height * width;
  const factor = (options.scale * 255) / image.maxValue;
  // Output channel c comes from plane src[c] (planes are in RGB order); the geometry of a grey
  // plane replicated for an RGB model is done once and copied.
  const src = planeCount === 1 ? [0] : options.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const rows = rh === image.height && rw === image.width ? undefined : axisTaps(image.height, rh, top, height, options.antialias);
  const cols = rows ? axisTaps(image.width, rw, left, width, options.antialias) : undefined;
  src.forEach((p, c) => {
    const from = p * image.height * image.width;
    const dst = offset + c * size;
    if (rows && cols) resamplePlane(planes, from, image.width, rows, cols, out, dst, 0);
    else cropPlane(planes, from, image.height, image.width, top, left, out, dst, height, width);
  });
  for (let c = src.length; c < channels; c++) out.copyWithin(offset + c * size, offset, offset + size);
  for (let c = 0; c < channels; c++) {
    const mean = options.mean.length === 1 ? options.mean[0]! : options.mean[c]!;
    const std = options.std.length === 1 ? options.std[0]! : options.std[c]!;
    const a = factor / std;
    const b = -mean / std;
    const base = offset + c * size;
    for (let i = 0; i < size; i++) out[base + i] = out[base + i]! * a + b;
  }
}

/** Colour planes (1 or 3, RGB order) of `image` at its own size, raw sample values, alpha dropped. */
function toPlanes(image: RawImage, grayscale: boolean): Float32Array {
  const { data, channels } = image;
  const n = image.width * image.height;
  if (channels <= 2) {
    if (channels === 1 && data instanceof Float32Array) return data;
    const plane = new Float32Array(n);
    for (let i = 0; i < n; i++) plane[i] = data[i * channels]!;
    return plane;
  }
  if (grayscale) {
    const plane = new Float32Array(n);
    for (let i = 0, j = 0; i < n; i++, j += channels) plane[i] = 0.299 * data[j]! + 0.587 * data[j + 1]! + 0.114 * data[j + 2]!;
    return plane;
  }
  const planes = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    planes[i] = data[j]!;
    planes[n + i] = data[j + 1]!;
    planes[2 * n + i] = data[j + 2]!;
  }
  return planes;
}

/** Crop (or pad with 0) an h x w plane at (top, left) to H x W without resampling. */
function cropPlane(src: Float32Array, from: number, h: number, w: number, top: number, left: number, dst: Float32Array, to: number, H: number, W: number): void {
  for (let y = 0; y < H; y++) {
    const sy = y + top;
    const row = to + y * W;
    if (sy < 0 || sy >= h) {
      dst.fill(0, row, row + W);
      continue;
    }
    const x0 = Math.max(0, -left);
    const x1 = Math.min(W, w - left);
    dst.fill(0, row, row + Math.max(0, x0));
    if (x1 > x0) dst.set(src.subarray(from + sy * w + left + x0, from + sy * w + left + x1), row + x0);
    dst.fill(0, row + Math.max(x0, x1), row + W);
  }
}
