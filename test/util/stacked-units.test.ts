// unitAtOffset (src/util/stacked-units.ts): which net a stacked unit belongs to, as the probe's
// accumulator and align's finiteness check name units.
import { describe, expect, it } from 'vitest';
import { unitAtOffset } from '../../src/util/stacked-units.js';

describe('unitAtOffset', () => {
  it('finds the net and the unit within it', () => {
    const offsets = [0, 3, 10];
    expect(unitAtOffset(offsets, 0)).toEqual({ k: 0, unit: 0 });
    expect(unitAtOffset(offsets, 2)).toEqual({ k: 0, unit: 2 });
    expect(unitAtOffset(offsets, 3)).toEqual({ k: 1, unit: 0 });
    expect(unitAtOffset(offsets, 12)).toEqual({ k: 2, unit: 2 });
  });

  it('passes over a net with no units', () => {
    expect(unitAtOffset([0, 0, 5], 2)).toEqual({ k: 1, unit: 2 });
    expect(unitAtOffset([0, 5, 5], 6)).toEqual({ k: 2, unit: 1 });
  });

  it('gives k -1 before the first offset', () => {
    expect(unitAtOffset([4, 7], 1)).toEqual({ k: -1, unit: 1 });
  });
});
