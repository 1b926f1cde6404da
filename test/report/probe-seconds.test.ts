// The run section's probe time: an ONNX probe's layers share one pass (secondsShared), whose time
// counts once; activation-file layers are probed one after another, so their times add up.
import { describe, expect, it } from 'vitest';
import { probeSeconds } from '../../src/report/section-run.js';

describe('probeSeconds', () => {
  it('counts a shared pass once and adds the layers probed on their own', () => {
    expect(probeSeconds([{ seconds: 52, secondsShared: true }, { seconds: 52, secondsShared: true }, { seconds: 52, secondsShared: true }])).toBe(52);
    expect(probeSeconds([{ seconds: 3 }, { seconds: 4.5 }])).toBe(7.5);
    // A merged run sums each layer's time over its parts: the layers of one pass still agree.
    expect(probeSeconds([{ seconds: 30, secondsShared: true }, { seconds: 30, secondsShared: true }, { seconds: Number.NaN }])).toBe(30);
  });
});
