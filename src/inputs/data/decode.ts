// Decodes PNG (fast-png: grey, grey + alpha, RGB, RGBA, palette; 1 to 16 bits) and JPEG (jpeg-js)
// file contents into a RawImage. The format is taken from the file's signature, not its name.
// Images larger than `maxMegapixels` are refused before their pixels are inflated, so a corrupt or
// hostile header cannot make the process allocate gigabytes.
import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { RawImage } from './image.js';

export interface DecodeLimits {
  /** Largest image accepted, in millions of pixels (default 100). */
  maxMegapixels?: number;
  /** jpeg-js's memory guard for one JPEG, in MB (default 1024). */
  maxMemoryUsageInMB?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes one PNG or JPEG; errors say what is wrong (the caller adds the path). */
export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = {}): RawImage {
  const maxPixels = (limits.maxMegapixels ?? 100) * 1e6;
  if (isPng(bytes)) return decodePngImage(bytes, maxPixels);
  if (isJpeg(bytes)) return decodeJpegImage(bytes, maxPixels, limits.maxMemoryUsageInMB ?? 1024);
  if (bytes.length === 0) throw new Error('empty file');
  throw new Error('not a PNG or JPEG file (unknown signature)');
}

function decodePngImage(bytes: Uint8Array, maxPixels: number): RawImage {
  // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
  if (bytes.length < 33) throw new Error(`truncated PNG (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = dv.getUint32(16);
  const h = dv.getUint32(20);
  if (w * h > maxPixels) throw new Error(`PNG of ${w} x ${h} pixels is larger than the limit of ${maxPixels / 1e6} megapixels`);
  let png;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (error) {
    throw new Error(`corrupt or truncated PNG: ${(error as Error).message}`);
  }
  const { width, height, depth } = png;
  if (png.palette) {
    const channels = png.palette[0]?.length;
    if (channels !== 3 && channels !== 4) throw new Error('PNG palette without colours');
    return { width, height, channels, data: convertIndexedToRgb(png), maxValue: 255 };
  }
  const channels = png.channels;
  if (channels < 1 || channels > 4) throw new Error(`PNG with ${channels} channels`);
  const expected = width * height * channels;
  if (depth === 8 || depth === 16) {
    if (png.data.length < expected) throw new Error(`truncated PNG: ${png.data.length} samples for ${width} x ${height} x ${channels}`);
    return { width, height, channels: channels as RawImage['channels'], data: png.data, maxValue: depth === 16 ? 65535 : 255 };
  }
  // 1, 2 and 4-bit grey stay packed (rows start on byte boundaries): unpack to one byte a sample.
  return { width, height, channels: 1, data: unpackBits(png.data as Uint8Array, width, height, depth), maxValue: (1 << depth) - 1 };
}

function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  if (packed.length < rowBytes * height) throw new Error(`truncated PNG: ${packed.length} bytes for ${height} rows of ${rowBytes}`);
  const out = new Uint8Array(width * height);
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = packed[y * rowBytes + Math.floor(x / perByte)]!;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

function decodeJpegImage(bytes: Uint8Array, maxPixels: number, maxMemoryUsageInMB: number): RawImage {
  let image;
  try {
    // Not tolerant: a truncated or corrupt stream is an error rather than a partly grey picture.
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB,
    });
  } catch (error) {
    throw new Error(`corrupt or truncated JPEG: ${error instanceof Error ? error.message : String(error)}`);
  }
  // jpeg-js always gives RGB (a grey JPEG has three equal channels).
  return { width: image.width, height: image.height, channels: 3, data: image.data, maxValue: 255 };
}
