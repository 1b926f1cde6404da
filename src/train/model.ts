// The nets `convergent train` builds: a layer list with every shape resolved, where each parameter
// lives in the one flat Float32Array that holds all of them, and the seeded initialisation.
// Everything here is plain data, so a NetSpec can be posted to a worker and hashed for the cache.
//
// Layout of the parameter array: in layer order, each layer's weight then its bias, contiguous and
// unpadded. Conv weights are (M, C, kh, kw) as ONNX Conv takes them; fully connected weights are
// (out, in) as ONNX Gemm with transB = 1 (and PyTorch's Linear) takes them, so the export copies
// the arrays as they are.
import { seededUniform } from '../util/random.js';
import { formatShape } from '../util/shape.js';

export type Shape3 = [c: number, h: number, w: number];

export const ARCHS = ['lenet', 'alexnet-small'] as const;
export type ArchName = (typeof ARCHS)[number];

/** Where one parameter tensor lives in the flat parameter array. */
export interface ParamRef {
  /** e.g. "conv1.weight" (also the ONNX initializer name). */
  name: string;
  offset: number;
  size: number;
  shape: number[];
}

interface LayerBase {
  /** Unique within the net: conv1, relu1, pool1, ..., fc2. */
  name: string;
  /** Per-sample input and output shapes: (C, H, W) for images, [features] after flattening. */
  inShape: number[];
  outShape: number[];
  inSize: number;
  outSize: number;
}

export interface ConvLayer extends LayerBase {
  kind: 'conv';
  kernel: number;
  stride: number;
  pad: number;
  weight: ParamRef;
  bias: ParamRef;
}

export interface ReluLayer extends LayerBase {
  kind: 'relu';
}

/** Max pooling without padding; overlapping windows (kernel > stride) are allowed. */
export interface MaxPoolLayer extends LayerBase {
  kind: 'maxpool';
  kernel: number;
  stride: number;
}

/** Fully connected: y = W x + b, x the flattened (C, H, W) input when it follows an image layer. */
export interface FcLayer extends LayerBase {
  kind: 'fc';
  weight: ParamRef;
  bias: ParamRef;
}

export type Layer = ConvLayer | ReluLayer | MaxPoolLayer | FcLayer;

export interface NetSpec {
  /** An architecture name, or 'custom' for nets built from a layer plan (tests). */
  arch: ArchName | 'custom';
  width: number;
  inputShape: Shape3;
  classes: number;
  layers: Layer[];
  params: ParamRef[];
  /** Length of the flat parameter array. */
  paramCount: number;
}

/** What `buildNet` needs: the architecture and the data's shape. */
export interface NetOptions {
  arch: ArchName;
  /** Multiplies every hidden width (channels of each conv, units of each hidden fc). */
  width: number;
  inputShape: Shape3;
  classes: number;
}

/** One layer as an architecture lists it, before shapes are resolved. */
export type LayerPlan =
  | { kind: 'conv'; name: string; channels: number; kernel: number; stride?: number; pad?: number }
  | { kind: 'relu'; name: string }
  | { kind: 'maxpool'; name: string; kernel: number; stride: number }
  | { kind: 'fc'; name: string; units: number | 'classes' };

/**
 * The classic Caffe LeNet (conv 5x5x20, pool, conv 5x5x50, pool, fc 500, fc 10) with a ReLU after
 * conv1, conv2 and fc1, so that the probe's default layers (a ReLU after a Conv or Gemm) are
 * conv1, conv2 and fc1.
 */
function lenet(w: number): LayerPlan[] {
  return [
    { kind: 'conv', name: 'conv1', channels: 20 * w, kernel: 5 },
    { kind: 'relu', name: 'relu1' },
    { kind: 'maxpool', name: 'pool1', kernel: 2, stride: 2 },
    { kind: 'conv', name: 'conv2', channels: 50 * w, kernel: 5 },
    { kind: 'relu', name: 'relu2' },
    { kind: 'maxpool', name: 'pool2', kernel: 2, stride: 2 },
    { kind: 'fc', name: 'fc1', units: 500 * w },
    { kind: 'relu', name: 'relu3' },
    { kind: 'fc', name: 'fc2', units: 'classes' },
  ];
}

/**
 * A small AlexNet-style net for 32 x 32 inputs (CIFAR-sized class folders): three padded convs,
 * overlapping 3x3 / stride 2 max pooling as in AlexNet, and two fully connected layers. Deeper
 * than LeNet, and the place where pooling windows overlap (the backward pass then accumulates).
 */
function alexnetSmall(w: number): LayerPlan[] {
  return [
    { kind: 'conv', name: 'conv1', channels: 32 * w, kernel: 5, pad: 2 },
    { kind: 'relu', name: 'relu1' },
    { kind: 'maxpool', name: 'pool1', kernel: 3, stride: 2 },
    { kind: 'conv', name: 'conv2', channels: 64 * w, kernel: 5, pad: 2 },
    { kind: 'relu', name: 'relu2' },
    { kind: 'maxpool', name: 'pool2', kernel: 3, stride: 2 },
    { kind: 'conv', name: 'conv3', channels: 96 * w, kernel: 3, pad: 1 },
    { kind: 'relu', name: 'relu3' },
    { kind: 'fc', name: 'fc1', units: 256 * w },
    { kind: 'relu', name: 'relu4' },
    { kind: 'fc', name: 'fc2', units: 'classes' },
  ];
}

const PLANS: Record<ArchName, (width: number) => LayerPlan[]> = { lenet, 'alexnet-small': alexnetSmall };

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The net of an architecture for the data's shape. */
export function buildNet(options: NetOptions): NetSpec {
  const { arch, width, inputShape, classes } = options;
  const plan = PLANS[arch];
  if (!plan) throw new Error(`train: unknown architecture "${arch}" (known: ${ARCHS.join(', ')})`);
  if (!Number.isInteger(width) || width < 1) throw new Error(`train: --width must be a positive integer, got ${width}`);
  return resolveNet(arch, width, plan(width), inputShape, classes);
}

/** Resolves a layer plan against the input shape: every layer's shapes and parameters. */
export function resolveNet(arch: ArchName | 'custom', width: number, plan: LayerPlan[], inputShape: Shape3, classes: number): NetSpec {
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`train: the data needs at least 2 classes, got ${classes}`);
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`train: input shape must be (C, H, W) positive integers, got ${formatShape(inputShape)}`);
  }
  const layers: Layer[] = [];
  const params: ParamRef[] = [];
  let offset = 0;
  const param = (name: string, shape: number[]): ParamRef => {
    const ref = { name, offset, size: product(shape), shape };
    params.push(ref);
    offset += ref.size;
    return ref;
  };
  let shape: number[] = [...inputShape];
  for (const p of plan) {
    const inShape = shape;
    const base = { name: p.name, inShape, inSize: product(inShape) };
    if (p.kind === 'conv') {
      if (inShape.length !== 3) throw new Error(`train: ${arch} layer ${p.name}: a conv needs an image input, got ${formatShape(inShape)}`);
      const [c, h, w] = inShape;
      const stride = p.stride ?? 1;
      const pad = p.pad ?? 0;
      const oh = Math.floor((h + 2 * pad - p.kernel) / stride) + 1;
      const ow = Math.floor((w + 2 * pad - p.kernel) / stride) + 1;
      if (oh < 1 || ow < 1) throw new Error(`train: ${arch} layer ${p.name}: the ${p.kernel}x${p.kernel} kernel does not fit the ${h}x${w} input`);
      shape = [p.channels, oh, ow];
      const weight = param(`${p.name}.weight`, [p.channels, c, p.kernel, p.kernel]);
      const bias = param(`${p.name}.bias`, [p.channels]);
      layers.push({ ...base, kind: 'conv', kernel: p.kernel, stride, pad, weight, bias, outShape: shape, outSize: product(shape) });
    } else if (p.kind === 'maxpool') {
      if (inShape.length !== 3) throw new Error(`train: ${arch} layer ${p.name}: pooling needs an image input, got ${formatShape(inShape)}`);
      const [c, h, w] = inShape;
      const oh = Math.floor((h - p.kernel) / p.stride) + 1;
      const ow = Math.floor((w - p.kernel) / p.stride) + 1;
      if (oh < 1 || ow < 1) throw new Error(`train: ${arch} layer ${p.name}: the ${p.kernel}x${p.kernel} window does not fit the ${h}x${w} input; use larger images`);
      shape = [c, oh, ow];
      layers.push({ ...base, kind: 'maxpool', kernel: p.kernel, stride: p.stride, outShape: shape, outSize: product(shape) });
    } else if (p.kind === 'relu') {
      layers.push({ ...base, kind: 'relu', outShape: inShape, outSize: product(inShape) });
    } else {
      const units = p.units === 'classes' ? classes : p.units;
      const inSize = product(inShape);
      shape = [units];
      const weight = param(`${p.name}.weight`, [units, inSize]);
      const bias = param(`${p.name}.bias`, [units]);
      layers.push({ ...base, kind: 'fc', weight, bias, outShape: shape, outSize: units });
    }
  }
  return { arch, width, inputShape: [...inputShape], classes, layers, params, paramCount: offset };
}

/**
 * Xavier-uniform weights (Glorot & Bengio: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), with
 * PyTorch's fans for convs: fan_in = C kh kw, fan_out = M kh kw) and zero biases, drawn in
 * parameter order from one mulberry32 stream seeded with `seed`, so a seed fixes every weight.
 */
export function initParams(spec: NetSpec, seed: number): Float32Array {
  const out = new Float32Array(spec.paramCount);
  const uniform = seededUniform(seed);
  for (const layer of spec.layers) {
    if (layer.kind !== 'conv' && layer.kind !== 'fc') continue;
    const [fanOutUnits, fanInUnits, ...taps] = layer.weight.shape;
    const receptive = product(taps);
    const a = Math.sqrt(6 / (fanInUnits * receptive + fanOutUnits * receptive));
    const { offset, size } = layer.weight;
    for (let i = 0; i < size; i++) out[offset + i] = (2 * uniform() - 1) * a;
    // biases stay 0
  }
  return out;
}

/** The layers that hold parameters, in order. */
export function paramLayers(spec: NetSpec): (ConvLayer | FcLayer)[] {
  return spec.layers.filter((l): l is ConvLayer | FcLayer => l.kind === 'conv' || l.kind === 'fc');
}

/** One line per layer, e.g. "conv1 conv 5x5 [1,28,28] -> [20,24,24] (520 params)". */
export function describeNet(spec: NetSpec): string[] {
  return spec.layers.map((l) => {
    const what = l.kind === 'conv' ? `conv ${l.kernel}x${l.kernel}${l.pad ? ` pad ${l.pad}` : ''}${l.stride > 1 ? ` stride ${l.stride}` : ''}` : l.kind === 'maxpool' ? `maxpool ${l.kernel}x${l.kernel}/${l.stride}` : l.kind;
    const n = l.kind === 'conv' || l.kind === 'fc' ? ` (${l.weight.size + l.bias.size} params)` : '';
    return `${l.name} ${what} [${l.inShape.join(',')}] -> [${l.outShape.join(',')}]${n}`;
  });
}
