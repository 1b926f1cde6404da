// The float64 reference's backward passes against central finite differences: every layer on its
// own (input and parameter gradients of <g, layer(x)> for a random g), then the whole net's loss
// gradient with respect to every parameter.
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../src/util/random.js';
import type { NetSpec } from '../../src/train/model.js';
import { layerBackward, layerForward, lossAndGradient, softmaxCrossEntropy } from '../../src/train/reference.js';
import { MINI_LENET_PLAN, randomBatch, randomParams, smallNet } from './nets.js';

const H = 1e-5;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Central difference of f at v[i]. */
function fd(v: Float64Array, i: number, f: () => number): number {
  const old = v[i];
  v[i] = old + H;
  const up = f();
  v[i] = old - H;
  const down = f();
  v[i] = old;
  return (up - down) / (2 * H);
}

function expectGradient(what: string, analytic: number, numeric: number, scale: number) {
  const err = Math.abs(analytic - numeric);
  if (!(err <= 1e-7 * Math.max(1, scale))) {
    throw new Error(`${what}: analytic ${analytic}, finite difference ${numeric} (error ${err.toExponential(2)})`);
  }
}

const nets: [string, NetSpec][] = [
  ['small net (padding, stride 2, overlapping pools)', smallNet()],
  ['mini LeNet', smallNet(MINI_LENET_PLAN, [2, 17, 15], 3)],
];

describe.each(nets)('reference gradients, %s', (_, spec) => {
  const n = 3;
  const params = Float64Array.from(randomParams(spec, 11));

  it.each(spec.layers.map((l, i) => [l.name, i] as const))('layer %s: input and parameter gradients match finite differences', (_name, index) => {
    const layer = spec.layers[index];
    const u = seededUniform(100 + index);
    const x = Float64Array.from({ length: n * layer.inSize }, () => 2 * u() - 1);
    const g = Float64Array.from({ length: n * layer.outSize }, () => 2 * u() - 1);
    const objective = () => dot(g, layerForward(layer, params, x, n));
    const grad = new Float64Array(spec.paramCount);
    const dx = layerBackward(layer, params, x, g, n, grad);
    expect(dx.length).toBe(x.length);
    let checked = 0;
    for (let i = 0; i < x.length; i++) {
      expectGradient(`${layer.name} dx[${i}]`, dx[i], fd(x, i, objective), Math.abs(dx[i]));
      checked++;
    }
    if (layer.kind === 'conv' || layer.kind === 'fc') {
      for (const ref of [layer.weight, layer.bias]) {
        for (let i = ref.offset; i < ref.offset + ref.size; i++) {
          expectGradient(`${ref.name}[${i - ref.offset}]`, grad[i], fd(params, i, objective), Math.abs(grad[i]));
          checked++;
        }
      }
    }
    // Parameters of other layers get no gradient from this layer.
    const mine = layer.kind === 'conv' || layer.kind === 'fc' ? [layer.weight, layer.bias] : [];
    for (const ref of spec.params) if (!mine.includes(ref)) for (let i = ref.offset; i < ref.offset + ref.size; i++) expect(grad[i]).toBe(0);
    expect(checked).toBeGreaterThan(0);
  });

  it('softmax cross-entropy: the logits gradient matches finite differences', () => {
    const u = seededUniform(5);
    const k = spec.classes;
    const z = Float64Array.from({ length: n * k }, () => 6 * u() - 3);
    const labels = [0, k - 1, 1];
    const { dlogits } = softmaxCrossEntropy(z, labels, n, k);
    for (let i = 0; i < z.length; i++) {
      expectGradient(`dlogits[${i}]`, dlogits[i], fd(z, i, () => softmaxCrossEntropy(z, labels, n, k).loss), 1);
    }
  });

  it('the whole net: the loss gradient of every parameter matches finite differences', () => {
    const { images, labels } = randomBatch(spec, n, 3);
    const { grad } = lossAndGradient(spec, params, images, labels, n);
    const loss = () => lossAndGradient(spec, params, images, labels, n).loss;
    let nonzero = 0;
    for (const ref of spec.params) {
      let mine = 0;
      for (let i = ref.offset; i < ref.offset + ref.size; i++) {
        expectGradient(`${ref.name}[${i - ref.offset}]`, grad[i], fd(params, i, loss), Math.abs(grad[i]));
        if (grad[i] !== 0) mine++;
      }
      // Every tensor gets gradients (a dead net would pass the comparison trivially).
      expect(mine, ref.name).toBeGreaterThan(0);
      nonzero += mine;
    }
    expect(nonzero).toBeGreaterThan(0.3 * spec.paramCount);
  });
});

it('softmax cross-entropy rejects a label outside the classes', () => {
  expect(() => softmaxCrossEntropy([0, 1, 2], [3], 1, 3)).toThrow(/label 3/);
});
