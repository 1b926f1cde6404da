// Reference elementwise ops (src/forward/reference/elementwise.ts): activations by hand and
// against numpy / scipy.special.expit (large |x| included), Add / Mul with numpy broadcasting and
// the per-channel affine map (test/fixtures/forward/elementwise.json).
import { describe, expect, it } from 'vitest';
import { type BinaryFn, add, binary, channelAffine, clip, leakyRelu, mul, relu, sigmoid, unary, type UnaryParams } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface UnaryCase extends UnaryParams {
  x: FixtureTensor;
  y: FixtureTensor;
}
interface BinaryCase {
  name: string;
  fn: BinaryFn;
  a: FixtureTensor;
  b: FixtureTensor;
  y: FixtureTensor;
}
interface AffineCase {
  name: string;
  x: FixtureTensor;
  scale: FixtureTensor;
  shift: FixtureTensor;
  y: FixtureTensor;
}
const fixtures = loadFixture<{ unary: UnaryCase[]; binary: BinaryCase[]; affine: AffineCase[] }>('elementwise');
const v = tt([5], [-2, -0.5, 0, 0.5, 3]);

describe('reference activations', () => {
  it('compute relu, leakyrelu, clip and sigmoid by hand', () => {
    expectClose(relu(v), tt([5], [0, 0, 0, 0.5, 3]), 0);
    expectClose(leakyRelu(v, 0.1), tt([5], [-0.2, -0.05, 0, 0.5, 3]), 1e-7);
    expectClose(clip(v, -1, 1), tt([5], [-1, -0.5, 0, 0.5, 1]), 0);
    expectClose(sigmoid(tt([3], [0, Math.log(3), -Math.log(3)])), tt([3], [0.5, 0.75, 0.25]), 1e-7);
    expect(Array.from(sigmoid(tt([2], [-1000, 1000])).data)).toEqual([0, 1]);
    expect(Number.isNaN(relu(tt([1], [NaN])).data[0])).toBe(true);
  });

  it('default leakyrelu slope and clip bounds as ONNX', () => {
    expectClose(unary(v, { fn: 'leakyrelu' }), tt([5], [-0.02, -0.005, 0, 0.5, 3]), 1e-7);
    expectClose(unary(v, { fn: 'clip', min: 0 }), relu(v), 0);
  });

  for (const c of fixtures.unary) {
    it(`matches numpy: ${c.fn}`, () => {
      // relu and clip select values (exact); leakyrelu and sigmoid round once to float32.
      expectClose(unary(tensor(c.x), c), c.y, c.fn === 'relu' || c.fn === 'clip' ? 0 : 1e-6, c.fn);
    });
  }

  it('refuses a clip with min > max and an unknown function', () => {
    expect(() => clip(v, 2, 1)).toThrow(/min 2 > max 1/);
    expect(() => unary(v, { fn: 'tanh' as 'relu' })).toThrow(/unknown function "tanh"/);
  });
});

describe('reference add / mul', () => {
  it('broadcast by hand', () => {
    // (2, 1) + (3,) -> (2, 3); (2, 3) * () scalar.
    expectClose(add(tt([2, 1], [10, 20]), tt([3], [1, 2, 3])), tt([2, 3], [11, 12, 13, 21, 22, 23]), 0);
    expectClose(mul(tt([2, 3], [1, 2, 3, 4, 5, 6]), tt([], [-2])), tt([2, 3], [-2, -4, -6, -8, -10, -12]), 0);
  });

  for (const c of fixtures.binary) {
    it(`matches numpy: ${c.name}`, () => {
      // Sums and products of two float32 values rounded once are exact float32 operations.
      expectClose(binary(c.fn, tensor(c.a), tensor(c.b)), c.y, 1e-7, c.name);
    });
  }

  it('refuses shapes that do not broadcast', () => {
    expect(() => add(tt([2, 3], [1, 2, 3, 4, 5, 6]), tt([2], [1, 2]))).toThrow(/add: shapes \[2, 3\] and \[2\] do not broadcast/);
  });
});

describe('reference channel affine', () => {
  it('scales and shifts each channel, by hand', () => {
    const x = tt([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expectClose(channelAffine(x, Float32Array.of(2, -1), Float32Array.of(0.5, 10)), tt([1, 2, 3], [2.5, 4.5, 6.5, 6, 5, 4]), 0);
  });

  for (const c of fixtures.affine) {
    it(`matches numpy: ${c.name}`, () => {
      expectClose(channelAffine(tensor(c.x), Float32Array.from(c.scale.data), Float32Array.from(c.shift.data)), c.y, 1e-6, c.name);
    });
  }

  it('refuses parameters of the wrong length', () => {
    expect(() => channelAffine(tt([1, 2, 1], [1, 2]), Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/1 scales and 2 shifts for 2 channels/);
  });
});
