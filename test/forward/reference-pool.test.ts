// Reference pooling (src/forward/reference/pool.ts): onnxruntime's window and divisor rules by
// hand (the values onnxruntime-node 1.30 returns for them), and windows sliced from explicitly
// padded numpy arrays for strides, asymmetric pads, dilations and ceil-mode output sizes
// (test/fixtures/forward/pool.json).
import { describe, expect, it } from 'vitest';
import { avgPool2d, globalAvgPool, maxPool2d, type Pool2dParams, poolOutputSize } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface PoolCase extends Pool2dParams {
  name: string;
  kind: 'max' | 'avg';
  ceilMode: boolean;
  x: FixtureTensor;
  y: FixtureTensor;
}
interface GlobalCase {
  name: string;
  x: FixtureTensor;
  y: FixtureTensor;
}
const fixtures = loadFixture<{ pool: PoolCase[]; global: GlobalCase[] }>('pool');
const ones6 = tt([1, 1, 6, 6], new Array(36).fill(1));
const k3s2: Pool2dParams = { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] };

describe('reference pooling', () => {
  it('sizes ceil-mode outputs as onnxruntime, dropping a window that starts past the input and its begin pad', () => {
    expect(poolOutputSize(6, 3, 2, 1, 1, 1, false)).toBe(3);
    expect(poolOutputSize(6, 3, 2, 1, 1, 1, true)).toBe(4);
    // (6 + 2 - 3) / 2 + 1 = 3.5 -> 4 by the formula, but window 3 would start at 6 = size + 0.
    expect(poolOutputSize(6, 3, 2, 0, 2, 1, true)).toBe(3);
    expect(poolOutputSize(6, 3, 2, 0, 2, 2, true)).toBe(3);
    expect(poolOutputSize(7, 2, 2, 0, 0, 1, true)).toBe(4);
  });

  it('averages with count_include_pad over the padded input only, as onnxruntime (6x6 ones, ceil mode)', () => {
    // Rows and columns: window 0 has 2 of 3 taps in the input, 3 padded; windows 1, 2 are full;
    // window 3 (ceil mode) covers 5, 6 (pad), 7 (past the pad): 1 tap of a divisor of 2.
    const f = [2 / 3, 1, 1, 1 / 2];
    const y = avgPool2d(ones6, { ...k3s2, countIncludePad: true, outputSize: [4, 4] });
    expectClose(y, tt([1, 1, 4, 4], f.flatMap((a) => f.map((b) => a * b))), 1e-7);
    // Without count_include_pad every window of ones averages to 1.
    expectClose(avgPool2d(ones6, { ...k3s2, outputSize: [4, 4] }), tt([1, 1, 4, 4], new Array(16).fill(1)), 0);
  });

  it('counts dilated taps against the padded input, as onnxruntime (6x6 ones, dilation 2, ceil mode)', () => {
    // Taps -1, 1, 3 (2 inside, 3 padded); 1, 3, 5 (full); 3, 5, 7 (2 inside, 7 past the end pad).
    const f = [2 / 3, 1, 1];
    const y = avgPool2d(ones6, { ...k3s2, dilations: [2, 2], countIncludePad: true, outputSize: [3, 3] });
    expectClose(y, tt([1, 1, 3, 3], f.flatMap((a) => f.map((b) => a * b))), 1e-7);
  });

  it('takes window maxima over input taps only, by hand', () => {
    // 1x1x3x4 ramp, 2x2 windows, stride 2, pads bottom/right 1: (0,0) {0,1,4,5}; (0,1) {2,3,6,7};
    // (1,0) {8,9}; (1,1) {10,11}. Negative values show that padding is not a 0.
    const x = tt([1, 1, 3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((v) => v - 20));
    const y = maxPool2d(x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], dilations: [1, 1], outputSize: [2, 2] });
    expectClose(y, tt([1, 1, 2, 2], [-15, -13, -11, -9]), 0);
  });

  it('fills windows without input taps as onnxruntime: 0 for average, the lowest float32 for max', () => {
    const p: Pool2dParams = { kernel: [1, 1], strides: [1, 1], pads: [1, 0, 0, 0], dilations: [1, 1] };
    const x = tt([1, 1, 1, 2], [3, 4]);
    expectClose(avgPool2d(x, p), tt([1, 1, 2, 2], [0, 0, 3, 4]), 0);
    expectClose(maxPool2d(x, p), tt([1, 1, 2, 2], [-3.4028234663852886e38, -3.4028234663852886e38, 3, 4]), 0);
  });

  for (const c of fixtures.pool) {
    it(`matches numpy windows: ${c.name}`, () => {
      const [, , H, W] = c.x.shape;
      const size = (i: 0 | 1, n: number) => poolOutputSize(n, c.kernel[i], c.strides[i], c.pads[i], c.pads[i + 2], c.dilations[i], c.ceilMode);
      const p: Pool2dParams = { ...c, outputSize: [size(0, H), size(1, W)] };
      const y = c.kind === 'max' ? maxPool2d(tensor(c.x), p) : avgPool2d(tensor(c.x), p);
      expectClose(y, c.y, c.kind === 'max' ? 0 : 1e-6, c.name);
      if (!c.ceilMode) expectClose(c.kind === 'max' ? maxPool2d(tensor(c.x), c) : avgPool2d(tensor(c.x), c), c.y, 1e-6, `${c.name}, default size`);
    });
  }

  for (const c of fixtures.global) {
    it(`global average pool matches numpy: ${c.name}`, () => {
      expectClose(globalAvgPool(tensor(c.x)), c.y, 1e-6, c.name);
    });
  }

  it('refuses bad parameters', () => {
    expect(() => maxPool2d(tt([1, 6, 6], new Array(36).fill(0)), k3s2)).toThrow(/expected rank 4/);
    expect(() => maxPool2d(ones6, { ...k3s2, kernel: [0, 3] })).toThrow(/kernel must be integers >= 1/);
    expect(() => avgPool2d(ones6, { ...k3s2, outputSize: [0, 3] })).toThrow(/output 0x3/);
    expect(() => maxPool2d(ones6, k3s2, new Float32Array(10))).toThrow(/output array has 10 values/);
    expect(() => globalAvgPool(tt([2, 3], [1, 2, 3, 4, 5, 6]))).toThrow(/spatial axis/);
  });
});
