// Issue 10 review: `--size HxW` is read by one function for probe (ONNX image data) and train
// (image folders), each naming its own typical size in the message.
import { describe, expect, it } from 'vitest';
import { parseSizeFlag } from '../../src/util/size-flag.js';

describe('parseSizeFlag', () => {
  it('reads HxW as [H, W], height first', () => {
    expect(parseSizeFlag('27x13', '224x224')).toEqual([27, 13]);
  });

  it('refuses anything else, naming the flag, an example and the value', () => {
    for (const bad of ['32', '32x', 'x32', '32X32', '3.5x4', '-3x4', ' 32x32']) {
      expect(() => parseSizeFlag(bad, '32x32')).toThrow(`--size expects HxW (e.g. 32x32), got "${bad}"`);
    }
  });
});
