// The tiny CaffeNet-shaped net of test/fixtures/deconv/net.json (scripts/fixtures/make_deconv_fixtures.py)
// as an ONNX model, with its images and expected deconvnet views.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { f, OnnxBuilder } from '../../../src/inputs/onnx/builder.js';
import type { OnnxModel } from '../../../src/inputs/onnx/model.js';

interface Tensor {
  shape: number[];
  data: number[];
}

export interface DeconvCase {
  layer: 'r1' | 'r2' | 'r3';
  unit: number;
  image: number;
  y: number;
  x: number;
  activation: number;
  view: Tensor;
}

export interface DeconvFixture {
  item: [number, number, number];
  lrn: { size: number; alpha: number; beta: number; bias: number };
  weights: Record<'w1' | 'b1' | 'w2' | 'b2' | 'w3' | 'b3' | 'w4' | 'b4', Tensor>;
  images: Tensor;
  cases: DeconvCase[];
}

export function loadDeconvFixture(): DeconvFixture {
  return JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/deconv/net.json'), 'utf8')) as DeconvFixture;
}

/** conv1 (3x3, stride 2, pad 1) -> r1 -> LRN -> maxpool 3/2 -> conv2 (group 2, pad 1) -> r2 -> flatten -> fc -> r3 -> fc. */
export function fixtureModel(fx: DeconvFixture): OnnxModel {
  const b = new OnnxBuilder('deconv-fixture');
  const [c, h, w] = fx.item;
  b.input('x', ['N', c, h, w]);
  for (const [name, t] of Object.entries(fx.weights)) b.initializer(name, t.shape, Float32Array.from(t.data));
  b.node('Conv', ['x', 'w1', 'b1'], ['c1'], { strides: [2, 2], pads: [1, 1, 1, 1] });
  b.node('Relu', ['c1'], ['r1']);
  b.node('LRN', ['r1'], ['n1'], { size: fx.lrn.size, alpha: f(fx.lrn.alpha), beta: f(fx.lrn.beta), bias: f(fx.lrn.bias) });
  b.node('MaxPool', ['n1'], ['p1'], { kernel_shape: [3, 3], strides: [2, 2] });
  b.node('Conv', ['p1', 'w2', 'b2'], ['c2'], { pads: [1, 1, 1, 1], group: 2 });
  b.node('Relu', ['c2'], ['r2']);
  b.node('Flatten', ['r2'], ['fl'], { axis: 1 });
  b.node('Gemm', ['fl', 'w3', 'b3'], ['f3'], { transB: 1 });
  b.node('Relu', ['f3'], ['r3']);
  b.node('Gemm', ['r3', 'w4', 'b4'], ['y'], { transB: 1 });
  b.output('y', ['N', 3]);
  return b.build({ opset: 13 });
}

/** Image `i` of the fixture as float32 (C x H x W). */
export function fixtureImage(fx: DeconvFixture, i: number): Float32Array {
  const size = fx.item[0] * fx.item[1] * fx.item[2];
  return Float32Array.from(fx.images.data.slice(i * size, (i + 1) * size));
}
