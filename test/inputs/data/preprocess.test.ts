// Preprocessing numerics against hand computations: antialiased and plain bilinear resizing of
// small ramps (Pillow's triangle-filter weights worked out by hand), center crop and padding,
// scale / mean / std, BGR order, grey conversion and replication, bit-depth scaling.
import { describe, expect, it } from 'vitest';
import type { RawImage } from '../../../src/inputs/data/image.js';
import { cropOffset, defaultPreprocess, preprocessInto, resizedSize, resolvePreprocess, type ItemShape, type PreprocessOptions } from '../../../src/inputs/data/preprocess.js';

function run(image: RawImage, itemShape: ItemShape, options: Partial<PreprocessOptions> = {}): number[] {
  const out = new Float32Array(itemShape[0] * itemShape[1] * itemShape[2]);
  preprocessInto(image, itemShape, resolvePreprocess(itemShape, options), out, 0, 'test.png');
  return Array.from(out);
}

const grey = (width: number, height: number, values: number[]): RawImage => ({ width, height, channels: 1, data: Uint8Array.from(values), maxValue: 255 });
const raw = { scale: 1 } as const;
/** A ramp as two equal rows, so 'cover' (which scales both axes alike) shrinks it to one row of half the width. */
const twoRows = (values: number[]): RawImage => grey(values.length, 2, [...values, ...values]); // keep pixel values on the 0..255 scale so the numbers are easy to check

function expectNear(actual: number[], expected: number[], tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
}

describe('defaults', () => {
  it('come from the item shape', () => {
    expect(defaultPreprocess([1, 28, 28])).toEqual({ resize: 'cover', antialias: true, scale: 1 / 255, mean: [0], std: [1], channelOrder: 'rgb', grayscale: true });
    expect(defaultPreprocess([3, 224, 224]).grayscale).toBe(false);
  });
  it('reject bad options', () => {
    expect(() => resolvePreprocess([3, 8, 8], { mean: [1, 2] })).toThrow(/mean has 2 values; give 1 or 3/);
    expect(() => resolvePreprocess([3, 8, 8], { std: [1, 0, 1] })).toThrow(/non-zero/);
    expect(() => resolvePreprocess([3, 8, 8], { resize: 0 })).toThrow(/resize 0/);
    expect(() => resolvePreprocess([3, 8], {})).toThrow(/item shape/);
    // Undefined fields (unset command-line flags) keep the defaults.
    expect(resolvePreprocess([1, 4, 4], { scale: undefined }).scale).toBe(1 / 255);
  });
});

describe('geometry', () => {
  it('resizedSize: cover, shorter side, none', () => {
    expect(resizedSize(28, 28, [32, 32], 'cover')).toEqual([32, 32]);
    expect(resizedSize(375, 500, [224, 224], 'cover')).toEqual([224, 299]);
    expect(resizedSize(100, 50, [20, 40], 'cover')).toEqual([80, 40]);
    expect(resizedSize(375, 500, [224, 224], 256)).toEqual([256, 341]); // int(256 * 500 / 375) = 341
    expect(resizedSize(500, 375, [224, 224], 256)).toEqual([341, 256]);
    expect(resizedSize(30, 40, [8, 8], 'none')).toEqual([30, 40]);
  });
  it('cropOffset rounds half to even like torchvision and pads larger crops', () => {
    expect(cropOffset(256, 224)).toBe(16);
    expect(cropOffset(5, 4)).toBe(0); // round(0.5) = 0
    expect(cropOffset(7, 4)).toBe(2); // round(1.5) = 2
    expect(cropOffset(9, 4)).toBe(2); // round(2.5) = 2
    expect(cropOffset(28, 32)).toBe(-2);
    expect(cropOffset(27, 32)).toBe(-2); // pad floor(5 / 2) = 2 before, 3 after
  });
});

describe('resize', () => {
  it('downscales a ramp with the antialiased triangle filter', () => {
    // 4 -> 2: output 0 has centre 1 in input coordinates, support 2: pixels 0, 1, 2 at distances
    // 0.5, 0.5, 1.5 (scaled by 1/2: 0.25, 0.25, 0.75) weigh 0.75, 0.75, 0.25, normalised by 1.75.
    const o0 = (0.75 * 0 + 0.75 * 10 + 0.25 * 20) / 1.75;
    const o1 = (0.25 * 10 + 0.75 * 20 + 0.75 * 30) / 1.75;
    expectNear(run(twoRows([0, 10, 20, 30]), [1, 1, 2], raw), [o0, o1]);
  });
  it('downscales with plain bilinear samples without antialiasing', () => {
    expectNear(run(twoRows([0, 10, 20, 30]), [1, 1, 2], { ...raw, antialias: false }), [5, 25]);
  });
  it('upscales bilinearly with half-pixel centres and clamped edges', () => {
    expectNear(run(grey(2, 1, [0, 10]), [1, 1, 4], raw), [0, 2.5, 7.5, 10]);
    // In two dimensions the weights multiply: a 2 x 2 image to 4 x 4.
    const out = run(grey(2, 2, [0, 10, 20, 30]), [1, 4, 4], raw);
    const axis = [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]];
    const img = [[0, 10], [20, 30]];
    const expected: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) {
      let v = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) v += axis[y]![i]! * axis[x]![j]! * img[i]![j]!;
      expected.push(v);
    }
    expectNear(out, expected);
  });
  it('an antialiased downscale by a whole factor of a constant image stays constant, and by 2 of a 2-periodic pattern averages it', () => {
    expectNear(run(grey(6, 6, new Array(36).fill(77)), [1, 2, 2], raw), [77, 77, 77, 77]);
    // Columns alternate 0, 100: every output (support 3 pixels wide either side) is a symmetric average.
    const stripes = twoRows([0, 100, 0, 100, 0, 100, 0, 100]);
    const out = run(stripes, [1, 1, 4], raw);
    // Output 0: centre 1, pixels 0..2 at scaled distances .25 .25 .75 -> weights .75 .75 .25 (edge-truncated).
    expect(out[0]).toBeCloseTo((0.75 * 0 + 0.75 * 100 + 0.25 * 0) / 1.75, 4);
    // Output 1: centre 3, pixels 1..4 weigh .25 .75 .75 .25 -> exactly the mean 50.
    expect(out[1]).toBeCloseTo(50, 4);
    expect(out[2]).toBeCloseTo(50, 4);
  });
  it('resizes the shorter side to S then center-crops', () => {
    // 2 x 4 ramp rows, shorter side 2 -> 1: 1 x 2; antialiased averages of 2 x 2 blocks... with
    // support 2 the first output column reads columns 0..2 as in the 1-D case, rows 0..1 equally.
    const img = grey(4, 2, [0, 10, 20, 30, 40, 50, 60, 70]);
    const rowMean = (a: number, b: number) => (a + b) / 2;
    const out = run(img, [1, 1, 1], { ...raw, resize: 1 });
    // resize 1: shorter side 2 -> 1, longer 4 -> 2, then the 1 x 1 center crop of 1 x 2 is column
    // round((2 - 1) / 2) = round(0.5) = 0.
    const col0 = (0.75 * rowMean(0, 40) + 0.75 * rowMean(10, 50) + 0.25 * rowMean(20, 60)) / 1.75;
    expectNear(out, [col0]);
  });
});

describe('crop and pad', () => {
  it('center-crops without resampling when no resize is needed', () => {
    const values = Array.from({ length: 25 }, (_, i) => i);
    expectNear(run(grey(5, 5, values), [1, 3, 3], { ...raw, resize: 'none' }), [6, 7, 8, 11, 12, 13, 16, 17, 18]);
  });
  it('pads a smaller image with pixel value 0, then normalises the padding too', () => {
    const out = run(grey(2, 2, [10, 20, 30, 40]), [1, 4, 4], { ...raw, resize: 'none', mean: [5], std: [2] });
    const p = -5 / 2;
    expectNear(out, [p, p, p, p, p, 2.5, 7.5, p, p, 12.5, 17.5, p, p, p, p, p]);
  });
  it('leaves an image of the input size unchanged (MNIST-style 0..1 floats)', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => i / 15);
    const out = run({ width: 4, height: 4, channels: 1, data, maxValue: 1 }, [1, 4, 4]);
    expect(out).toEqual(Array.from(data));
  });
});

describe('values and channels', () => {
  const rgb: RawImage = { width: 2, height: 1, channels: 3, data: Uint8Array.from([10, 20, 30, 40, 50, 60]), maxValue: 255 };
  it('scales, subtracts the mean and divides by the std per channel', () => {
    const out = run(rgb, [3, 1, 2], { scale: 1 / 255, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] });
    expectNear(out, [(10 / 255 - 0.1) / 0.5, (40 / 255 - 0.1) / 0.5, (20 / 255 - 0.2) / 0.25, (50 / 255 - 0.2) / 0.25, (30 / 255 - 0.3) / 2, (60 / 255 - 0.3) / 2], 1e-6);
  });
  it('BGR puts blue first; the mean is in output order', () => {
    expectNear(run(rgb, [3, 1, 2], { ...raw, channelOrder: 'bgr', mean: [1, 2, 3] }), [29, 59, 18, 48, 7, 37]);
  });
  it('converts colour to grey with Rec. 601 luma', () => {
    expectNear(run(rgb, [1, 1, 2], raw), [0.299 * 10 + 0.587 * 20 + 0.114 * 30, 0.299 * 40 + 0.587 * 50 + 0.114 * 60]);
  });
  it('replicates grey for an RGB model and drops alpha', () => {
    const ga: RawImage = { width: 2, height: 1, channels: 2, data: Uint8Array.from([100, 0, 200, 255]), maxValue: 255 };
    expectNear(run(ga, [3, 1, 2], { ...raw, mean: [0, 1, 2] }), [100, 200, 99, 199, 98, 198]);
    const rgba: RawImage = { width: 1, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 0]), maxValue: 255 };
    expectNear(run(rgba, [3, 1, 1], raw), [1, 2, 3]);
  });
  it('brings 16-bit and low-bit-depth samples to the 0..255 scale', () => {
    const g16: RawImage = { width: 2, height: 1, channels: 1, data: Uint16Array.from([65535, 257]), maxValue: 65535 };
    expectNear(run(g16, [1, 1, 2]), [1, 1 / 255], 1e-7);
    const g1: RawImage = { width: 2, height: 1, channels: 1, data: Uint8Array.from([1, 0]), maxValue: 1 };
    expectNear(run(g1, [1, 1, 2]), [1, 0]);
  });
  it('a channel count the model does not take is an error naming the file', () => {
    expect(() => run(rgb, [3, 1, 2], { grayscale: true })).toThrow(/test\.png: a colour image gives 1 channel after preprocessing \(grayscale\), but the model input has 3/);
    expect(() => run(rgb, [2, 1, 2])).toThrow(/test\.png: .*3 channels.*has 2/);
  });
  it('writes at the given offset and nowhere else', () => {
    const out = new Float32Array(10).fill(-1);
    preprocessInto(grey(2, 1, [51, 102]), [1, 1, 2], defaultPreprocess([1, 1, 2]), out, 3, 'x');
    expectNear(Array.from(out), [-1, -1, -1, 0.2, 0.4, -1, -1, -1, -1, -1], 1e-6);
  });
});
