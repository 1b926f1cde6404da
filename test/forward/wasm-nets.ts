// Nets with seeded random weights for the WASM engine tests and throughput measurements:
// LeNet (Caffe's: conv 5x5x20, maxpool 2, conv 5x5x50, maxpool 2, fc 500, relu, fc 10), an
// AlexNet-shaped net (227 x 227, grouped convs, LRN, 61 M weights) and a small mixed CNN that
// reaches every other kernel path (BatchNorm, depthwise, 1 x 1 and Winograd convs, concat, avg
// pool, softmax). Built with src/inputs/onnx/builder.ts.
import { seededNormal } from '../../src/util/random.js';
import { f, OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';

export interface TestNet {
  model: OnnxModel;
  /** One item (C, H, W). */
  itemShape: number[];
  /** Value names worth capturing (intermediate and final). */
  captures: string[];
}

class Weights {
  private seed: number;
  constructor(seed: number) {
    this.seed = seed;
  }
  normal(count: number, scale: number): Float32Array {
    const g = seededNormal(this.seed++);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = scale * g();
    return out;
  }
}

const prod = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** Helpers over a builder: seeded He-scaled weights, conv / fc layers named after their outputs. */
class Layers {
  readonly b: OnnxBuilder;
  private readonly w: Weights;
  constructor(name: string, itemShape: number[], seed: number) {
    this.b = new OnnxBuilder(name);
    this.b.input('data', ['N', ...itemShape]);
    this.w = new Weights(seed);
  }
  init(name: string, dims: number[], scale: number): string {
    this.b.initializer(name, dims, this.w.normal(prod(dims), scale));
    return name;
  }
  conv(out: string, x: string, cin: number, cout: number, k: number, attrs: Record<string, number | number[]> = {}): string {
    const group = typeof attrs.group === 'number' ? attrs.group : 1;
    const fanIn = (cin / group) * k * k;
    const w = this.init(`${out}_w`, [cout, cin / group, k, k], Math.sqrt(2 / fanIn));
    const b = this.init(`${out}_b`, [cout], 0.05);
    this.b.node('Conv', [x, w, b], [out], { kernel_shape: [k, k], ...attrs }, out);
    return out;
  }
  fc(out: string, x: string, inF: number, outF: number): string {
    const w = this.init(`${out}_w`, [outF, inF], Math.sqrt(2 / inF));
    const b = this.init(`${out}_b`, [outF], 0.05);
    this.b.node('Gemm', [x, w, b], [out], { transB: 1 }, out);
    return out;
  }
  op(out: string, opType: string, inputs: string[], attrs: Record<string, number | number[] | { float: number }> = {}): string {
    this.b.node(opType, inputs, [out], attrs, out);
    return out;
  }
}

export function lenet(seed = 1): TestNet {
  const l = new Layers('lenet', [1, 28, 28], seed);
  l.conv('conv1', 'data', 1, 20, 5);
  l.op('pool1', 'MaxPool', ['conv1'], { kernel_shape: [2, 2], strides: [2, 2] });
  l.conv('conv2', 'pool1', 20, 50, 5);
  l.op('pool2', 'MaxPool', ['conv2'], { kernel_shape: [2, 2], strides: [2, 2] });
  l.op('flat', 'Flatten', ['pool2'], { axis: 1 });
  l.fc('ip1', 'flat', 800, 500);
  l.op('relu1', 'Relu', ['ip1']);
  l.fc('ip2', 'relu1', 500, 10);
  l.b.output('ip2');
  return { model: l.b.build(), itemShape: [1, 28, 28], captures: ['conv2', 'relu1', 'ip2'] };
}

export function alexnet(seed = 2): TestNet {
  const l = new Layers('alexnet', [3, 227, 227], seed);
  const lrn = { size: 5, alpha: f(1e-4), beta: f(0.75), bias: f(1) };
  const pool = { kernel_shape: [3, 3], strides: [2, 2] };
  l.conv('conv1', 'data', 3, 96, 11, { strides: [4, 4] });
  l.op('relu1', 'Relu', ['conv1']);
  l.op('norm1', 'LRN', ['relu1'], lrn);
  l.op('pool1', 'MaxPool', ['norm1'], pool);
  l.conv('conv2', 'pool1', 96, 256, 5, { pads: [2, 2, 2, 2], group: 2 });
  l.op('relu2', 'Relu', ['conv2']);
  l.op('norm2', 'LRN', ['relu2'], lrn);
  l.op('pool2', 'MaxPool', ['norm2'], pool);
  l.conv('conv3', 'pool2', 256, 384, 3, { pads: [1, 1, 1, 1] });
  l.op('relu3', 'Relu', ['conv3']);
  l.conv('conv4', 'relu3', 384, 384, 3, { pads: [1, 1, 1, 1], group: 2 });
  l.op('relu4', 'Relu', ['conv4']);
  l.conv('conv5', 'relu4', 384, 256, 3, { pads: [1, 1, 1, 1], group: 2 });
  l.op('relu5', 'Relu', ['conv5']);
  l.op('pool5', 'MaxPool', ['relu5'], pool);
  l.op('flat', 'Flatten', ['pool5'], { axis: 1 });
  l.fc('fc6', 'flat', 9216, 4096);
  l.op('relu6', 'Relu', ['fc6']);
  l.fc('fc7', 'relu6', 4096, 4096);
  l.op('relu7', 'Relu', ['fc7']);
  l.fc('fc8', 'relu7', 4096, 1000);
  l.op('prob', 'Softmax', ['fc8'], { axis: 1 });
  l.b.output('prob');
  return { model: l.b.build(), itemShape: [3, 227, 227], captures: ['conv1', 'conv5', 'fc7', 'prob'] };
}

/** Every other kernel path in a few layers, on 3 x 19 x 17 items. */
export function mixedCnn(seed = 3): TestNet {
  const l = new Layers('mixed', [3, 19, 17], seed);
  l.conv('c1', 'data', 3, 10, 3, { pads: [1, 1, 1, 1] });
  const c = 10;
  l.init('bn_scale', [c], 0.3);
  l.init('bn_bias', [c], 0.3);
  l.init('bn_mean', [c], 0.3);
  l.b.initializer('bn_var', [c], Float32Array.from({ length: c }, (_, i) => 0.5 + i / c));
  l.op('bn', 'BatchNormalization', ['c1', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], { epsilon: f(1e-5) });
  l.op('r1', 'LeakyRelu', ['bn'], { alpha: f(0.1) });
  l.conv('dw', 'r1', 10, 10, 3, { pads: [1, 1, 1, 1], group: 10 });
  l.conv('pw', 'r1', 10, 6, 1);
  l.op('cat', 'Concat', ['dw', 'pw'], { axis: 1 });
  // 16 channels in, 17 out: the Winograd path, two 19 x 17 images per transform.
  l.conv('wino', 'cat', 16, 17, 3, { pads: [1, 1, 1, 1] });
  l.op('lrn', 'LRN', ['wino'], { size: 3, alpha: f(1e-2), beta: f(0.75), bias: f(1) });
  l.op('mp', 'MaxPool', ['lrn'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  l.op('ap', 'AveragePool', ['mp'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
  l.op('flat', 'Flatten', ['ap'], { axis: 1 });
  l.fc('fc', 'flat', 17 * 5 * 5, 7);
  l.op('prob', 'Softmax', ['fc'], { axis: 1 });
  l.b.output('prob');
  return { model: l.b.build(), itemShape: [3, 19, 17], captures: ['bn', 'cat', 'wino', 'ap', 'prob'] };
}
