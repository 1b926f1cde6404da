// Reference conv2d (src/forward/reference/conv.ts): hand-computed cases, and scipy.signal.correlate
// on explicitly padded inputs with zero-stuffed (dilated) kernels for groups, strides,
// asymmetric pads and dilations on sizes that are not multiples of 4
// (test/fixtures/forward/conv.json from scripts/fixtures/make_forward_fixtures.py).
import { describe, expect, it } from 'vitest';
import { type Conv2dParams, conv2d, conv2dOutputShape } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface ConvCase extends Conv2dParams {
  name: string;
  x: FixtureTensor;
  w: FixtureTensor;
  b: FixtureTensor | null;
  y: FixtureTensor;
}

const plain: Conv2dParams = { group: 1, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] };
const x3x3 = tt([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('reference conv2d', () => {
  it('computes a 2x2 cross-correlation by hand (not a flipped convolution)', () => {
    // y[i, j] = x[i, j] - x[i+1, j+1] = -4 everywhere.
    const y = conv2d(x3x3, tt([1, 1, 2, 2], [1, 0, 0, -1]), undefined, plain);
    expectClose(y, tt([1, 1, 2, 2], [-4, -4, -4, -4]), 0);
  });

  it('pads top/left only, strides by 2 and adds the bias, by hand', () => {
    // Windows (rows, cols): (-1..0, -1..0) = 1; (-1..0, 1..2) = 2+3; (1..2, -1..0) = 4+7; (1..2, 1..2) = 5+6+8+9.
    const y = conv2d(x3x3, tt([1, 1, 2, 2], [1, 1, 1, 1]), Float32Array.of(0.5), { ...plain, strides: [2, 2], pads: [1, 1, 0, 0] });
    expectClose(y, tt([1, 1, 2, 2], [1.5, 5.5, 11.5, 28.5]), 0);
  });

  it('keeps groups apart, by hand', () => {
    // Two groups of one channel, 1x1 kernels 2 and 3, a dilation that a 1x1 kernel ignores.
    const x = tt([1, 2, 1, 3], [1, 2, 3, 10, 20, 30]);
    const y = conv2d(x, tt([2, 1, 1, 1], [2, 3]), Float32Array.of(1, -1), { ...plain, group: 2, dilations: [3, 3] });
    expectClose(y, tt([1, 2, 1, 3], [3, 5, 7, 29, 59, 89]), 0);
  });

  it('dilates the kernel, by hand', () => {
    // 1x2 kernel [1, 1] with dilation 2 on a row of 5: y[j] = x[j] + x[j+2].
    const y = conv2d(tt([1, 1, 1, 5], [1, 2, 3, 4, 5]), tt([1, 1, 1, 2], [1, 1]), undefined, { ...plain, dilations: [1, 2] });
    expectClose(y, tt([1, 1, 1, 3], [4, 6, 8]), 0);
  });

  for (const c of loadFixture<ConvCase[]>('conv')) {
    it(`matches scipy: ${c.name} (x ${c.x.shape.join('x')}, w ${c.w.shape.join('x')})`, () => {
      const y = conv2d(tensor(c.x), tensor(c.w), c.b ? Float32Array.from(c.b.data) : undefined, c);
      expectClose(y, c.y, 1e-6, c.name);
      expect(conv2dOutputShape(c.x.shape, c.w.shape, c)).toEqual(c.y.shape);
    });
  }

  it('writes into the caller array when given one', () => {
    const out = new Float32Array(4);
    const y = conv2d(x3x3, tt([1, 1, 2, 2], [1, 0, 0, 0]), undefined, plain, out);
    expect(y.data).toBe(out);
    expect(Array.from(out)).toEqual([1, 2, 4, 5]);
  });

  it('refuses operands that do not fit, naming the problem', () => {
    const w = tt([1, 1, 2, 2], [1, 1, 1, 1]);
    expect(() => conv2d(x3x3, w, undefined, { ...plain, group: 2 })).toThrow(/group 2 does not divide/);
    expect(() => conv2d(x3x3, tt([1, 2, 1, 1], [1, 1]), undefined, plain)).toThrow(/2 channels per group/);
    expect(() => conv2d(x3x3, w, undefined, { ...plain, kernel: [3, 3] })).toThrow(/kernel \[3, 3\]/);
    expect(() => conv2d(x3x3, w, Float32Array.of(1, 2), plain)).toThrow(/bias has 2 values/);
    expect(() => conv2d(x3x3, w, undefined, { ...plain, dilations: [3, 1] })).toThrow(/does not fit/);
    expect(() => conv2d(x3x3, w, undefined, { ...plain, strides: [0, 1] })).toThrow(/strides/);
    expect(() => conv2d(x3x3, w, undefined, plain, new Float32Array(5))).toThrow(/output array has 5 values/);
    expect(() => conv2d({ shape: [1, 1, 3, 3], data: new Float32Array(8) }, w, undefined, plain)).toThrow(/conv2d x: 8 values/);
  });
});
