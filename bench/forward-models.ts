// The two nets the forward benchmark runs, built with random weights: Caffe's LeNet at 28 x 28 and
// an AlexNet-shaped net (CaffeNet layout: LRN, grouped convolutions) at 227 x 227. Weights are
// uniform in +-sqrt(6 / fan_in) (He), so activations stay in range through every layer and the
// ReLU outputs are neither all zero nor exploding, as in a trained net.
import { f, OnnxBuilder } from '../src/inputs/onnx/builder.js';
import type { OnnxModel } from '../src/inputs/onnx/model.js';
import { seededUniform } from '../src/util/random.js';

export interface BenchNet {
  name: string;
  model: OnnxModel;
  itemShape: [number, number, number];
  batch: number;
  /** The ReLU outputs (what the probe captures by default) and the class scores. */
  captures: string[];
}

/** Adds layers to a builder, tracking the current tensor, channel count and weight seed. */
class NetWriter {
  readonly b: OnnxBuilder;
  readonly relus: string[] = [];
  private x = 'input';
  private seed: number;

  constructor(name: string, private channels: number, side: number, seed: number) {
    this.b = new OnnxBuilder(name).input('input', ['N', channels, side, side]);
    this.seed = seed;
  }

  private weights(name: string, dims: number[], fanIn: number): string {
    const rand = seededUniform(this.seed++);
    const bound = Math.sqrt(6 / fanIn);
    const w = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * bound;
    this.b.initializer(name, dims, w);
    return name;
  }

  private bias(name: string, size: number): string {
    this.b.initializer(name, [size], new Float32Array(size).fill(0.01));
    return name;
  }

  private op(type: string, name: string, inputs: string[], attrs: Parameters<OnnxBuilder['node']>[3] = {}): this {
    this.b.node(type, [this.x, ...inputs], [name], attrs, name);
    this.x = name;
    return this;
  }

  conv(name: string, out: number, kernel: number, opts: { stride?: number; pad?: number; group?: number } = {}): this {
    const group = opts.group ?? 1;
    const pad = opts.pad ?? 0;
    const cin = this.channels / group;
    const w = this.weights(`${name}.weight`, [out, cin, kernel, kernel], cin * kernel * kernel);
    this.channels = out;
    return this.op('Conv', name, [w, this.bias(`${name}.bias`, out)], {
      kernel_shape: [kernel, kernel],
      strides: [opts.stride ?? 1, opts.stride ?? 1],
      pads: [pad, pad, pad, pad],
      group,
    });
  }

  relu(name: string): this {
    this.relus.push(name);
    return this.op('Relu', name, []);
  }

  maxpool(name: string, kernel: number, stride: number): this {
    return this.op('MaxPool', name, [], { kernel_shape: [kernel, kernel], strides: [stride, stride] });
  }

  lrn(name: string): this {
    return this.op('LRN', name, [], { size: 5, alpha: f(1e-4), beta: f(0.75), bias: f(1) });
  }

  flatten(name: string, features: number): this {
    this.channels = features;
    return this.op('Flatten', name, [], { axis: 1 });
  }

  fc(name: string, out: number): this {
    const w = this.weights(`${name}.weight`, [out, this.channels], this.channels);
    this.channels = out;
    return this.op('Gemm', name, [w, this.bias(`${name}.bias`, out)], { transB: 1 });
  }

  done(itemShape: [number, number, number], batch: number): BenchNet {
    this.b.output(this.x, ['N', this.channels]);
    // The captures are graph outputs too, so onnxruntime can fetch the same tensors we capture.
    for (const r of this.relus) this.b.output(r);
    return { name: this.b.graphName, model: this.b.build({ opset: 13 }), itemShape, batch, captures: [...this.relus, this.x] };
  }
}

/** Caffe's LeNet: conv 5x5x20, pool, conv 5x5x50, pool, fc 500, fc 10 (ReLU after every hidden layer). */
export function lenet(seed = 1): BenchNet {
  return new NetWriter('lenet', 1, 28, seed)
    .conv('conv1', 20, 5).relu('relu1').maxpool('pool1', 2, 2)
    .conv('conv2', 50, 5).relu('relu2').maxpool('pool2', 2, 2)
    .flatten('flatten', 50 * 4 * 4).fc('fc1', 500).relu('relu3')
    .fc('fc2', 10)
    .done([1, 28, 28], 64);
}

/** CaffeNet-shaped AlexNet at 227 x 227: 5 convs (three grouped), 2 LRNs, 3 pools, 3 fcs. */
export function alexnet(seed = 1): BenchNet {
  return new NetWriter('alexnet', 3, 227, seed)
    .conv('conv1', 96, 11, { stride: 4 }).relu('relu1').lrn('norm1').maxpool('pool1', 3, 2)
    .conv('conv2', 256, 5, { pad: 2, group: 2 }).relu('relu2').lrn('norm2').maxpool('pool2', 3, 2)
    .conv('conv3', 384, 3, { pad: 1 }).relu('relu3')
    .conv('conv4', 384, 3, { pad: 1, group: 2 }).relu('relu4')
    .conv('conv5', 256, 3, { pad: 1, group: 2 }).relu('relu5').maxpool('pool5', 3, 2)
    .flatten('flatten', 256 * 6 * 6).fc('fc6', 4096).relu('relu6')
    .fc('fc7', 4096).relu('relu7')
    .fc('fc8', 1000)
    .done([3, 227, 227], 16);
}
