import { describe, expect, it } from 'vitest';
import { semiMatching } from '../../src/kernels/semi-matching/reference.js';

describe('semiMatching', () => {
  it('takes each row and column maximum, skipping NaN, ties to the lower index', () => {
    // rows: 3 units of A, cols: 4 units of B; column 2 is a dead unit (NaN).
    const s = Float64Array.of(
      0.1, 0.9, NaN, 0.9,
      0.5, 0.2, NaN, 0.3,
      NaN, NaN, NaN, NaN,
    );
    const m = semiMatching(s, 3, 4);
    expect([...m.rowPartner]).toEqual([1, 0, -1]);
    expect(m.rowValue[0]).toBe(0.9);
    expect(Number.isNaN(m.rowValue[2])).toBe(true);
    expect([...m.colPartner]).toEqual([1, 0, -1, 0]);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => semiMatching(new Float64Array(5), 2, 3)).toThrow(/2 x 3/);
  });
});
