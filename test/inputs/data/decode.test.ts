// PNG and JPEG decoding of fixtures made in the test (fast-png and jpeg-js encoders): every PNG
// colour type and bit depth the folder source meets, JPEG within its lossy error, and corrupt,
// truncated or oversized files refused with a reason.
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/inputs/data/decode.js';

const W = 5;
const H = 3;
const n = W * H;
const ramp = (channels: number, max: number) => Uint8Array.from({ length: n * channels }, (_, i) => (i * 37) % (max + 1));

describe('PNG', () => {
  it('8-bit grey', () => {
    const data = ramp(1, 255);
    const img = decodeImage(encodePng({ width: W, height: H, data, channels: 1, depth: 8 }));
    expect(img).toMatchObject({ width: W, height: H, channels: 1, maxValue: 255 });
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });
  it('16-bit grey', () => {
    const data = Uint16Array.from({ length: n }, (_, i) => (i * 4099) % 65536);
    const img = decodeImage(encodePng({ width: W, height: H, data, channels: 1, depth: 16 }));
    expect(img).toMatchObject({ channels: 1, maxValue: 65535 });
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });
  it('16-bit RGB', () => {
    const data = Uint16Array.from({ length: 3 * n }, (_, i) => (i * 3001) % 65536);
    const img = decodeImage(encodePng({ width: W, height: H, data, channels: 3, depth: 16 }));
    expect(img).toMatchObject({ channels: 3, maxValue: 65535 });
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });
  it('grey + alpha, RGB and RGBA', () => {
    for (const channels of [2, 3, 4]) {
      const data = ramp(channels, 255);
      const img = decodeImage(encodePng({ width: W, height: H, data, channels, depth: 8 }));
      expect(img.channels).toBe(channels);
      expect(Array.from(img.data)).toEqual(Array.from(data));
    }
  });
  it('1, 2 and 4-bit grey are unpacked to one sample a pixel', () => {
    for (const depth of [1, 2, 4] as const) {
      const max = (1 << depth) - 1;
      const values = Array.from({ length: n }, (_, i) => (i * 7) % (max + 1));
      // Pack rows MSB first, each row starting on a byte boundary (the PNG layout).
      const rowBytes = Math.ceil((W * depth) / 8);
      const packed = new Uint8Array(rowBytes * H);
      values.forEach((v, i) => {
        const y = Math.floor(i / W);
        const x = i % W;
        const bit = x * depth;
        packed[y * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
      });
      const img = decodeImage(encodePng({ width: W, height: H, data: packed, channels: 1, depth }));
      expect(img, `depth ${depth}`).toMatchObject({ channels: 1, maxValue: max });
      expect(Array.from(img.data), `depth ${depth}`).toEqual(values);
    }
  });
  it('palette, with and without transparency', () => {
    const indices = Uint8Array.from({ length: n }, (_, i) => i % 3);
    const palette = [[255, 0, 0], [0, 128, 0], [10, 20, 30]];
    const img = decodeImage(encodePng({ width: W, height: H, data: indices, channels: 1, depth: 8, palette }));
    expect(img).toMatchObject({ channels: 3, maxValue: 255 });
    expect(Array.from(img.data)).toEqual(Array.from(indices).flatMap((k) => palette[k]!));
    const withAlpha = palette.map((c, k) => [...c, k === 0 ? 0 : 255]);
    const img4 = decodeImage(encodePng({ width: W, height: H, data: indices, channels: 1, depth: 8, palette: withAlpha }));
    expect(img4.channels).toBe(4);
    expect(Array.from(img4.data.subarray(0, 8))).toEqual([...withAlpha[0]!, ...withAlpha[1]!]);
  });
  it('truncated, corrupt and oversized files are refused with a reason', () => {
    const png = encodePng({ width: 64, height: 64, data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 31) % 256), channels: 3, depth: 8 });
    expect(() => decodeImage(png.subarray(0, png.length - 40))).toThrow(/corrupt or truncated PNG/);
    expect(() => decodeImage(png.subarray(0, 20))).toThrow(/truncated PNG/);
    const flipped = png.slice();
    flipped[60]! ^= 0xff; // inside the image data: the chunk CRC no longer matches
    expect(() => decodeImage(flipped)).toThrow(/corrupt or truncated PNG/);
    expect(() => decodeImage(png, { maxMegapixels: 0.001 })).toThrow(/64 x 64 pixels is larger than the limit/);
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/empty file/);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a....'))).toThrow(/not a PNG or JPEG/);
  });
});

describe('JPEG', () => {
  const w = 32;
  const h = 24;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = (y * w + x) * 4;
    rgba.set([x * 8, y * 10, 128, 255], p); // smooth, so JPEG at high quality is close
  }
  const file = jpeg.encode({ width: w, height: h, data: rgba }, 95).data;

  it('decodes RGB within the lossy error', () => {
    const img = decodeImage(file);
    expect(img).toMatchObject({ width: w, height: h, channels: 3, maxValue: 255 });
    let err = 0;
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) err += Math.abs(img.data[i * 3 + c]! - rgba[i * 4 + c]!);
    expect(err / (w * h * 3)).toBeLessThan(3);
  });
  it('refuses truncated files and images over the memory guard', () => {
    expect(() => decodeImage(file.subarray(0, Math.floor(file.length / 2)))).toThrow(/corrupt or truncated JPEG/);
    expect(() => decodeImage(file.subarray(0, 8))).toThrow(/corrupt or truncated JPEG/);
    expect(() => decodeImage(file, { maxMegapixels: 0.0001 })).toThrow(/corrupt or truncated JPEG: .*resolution/i);
  });
});
