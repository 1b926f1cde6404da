// The report's base64 (no Buffer, so that it renders in the browser) against Node's Buffer.
import { describe, expect, it } from 'vitest';
import { base64, fromBase64 } from '../../src/report/base64.js';
import { seededUniform } from '../../src/util/random.js';

describe('base64', () => {
  it("encodes and decodes as Buffer does, for every length's padding", () => {
    const next = seededUniform(7);
    for (const n of [0, 1, 2, 3, 4, 5, 31, 257, 1001]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
      const expected = Buffer.from(bytes).toString('base64');
      expect(base64(bytes)).toBe(expected);
      expect(Buffer.compare(Buffer.from(fromBase64(expected)), Buffer.from(bytes))).toBe(0);
    }
    expect(() => fromBase64('ab$d')).toThrow(/not base64/);
  });
});
