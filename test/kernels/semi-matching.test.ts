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

describe('semiMatchingWasm against the reference', async () => {
  const { semiMatchingWasm } = await import('../../src/kernels/semi-matching/wasm.js');
  const { seededUniform } = await import('../../src/util/random.js');
  it.each([
    [1, 1], [1, 7], [7, 1], [3, 5], [17, 33], [64, 63], [130, 257],
  ])('%i x %i with NaN rows/columns and ties', async (rows, cols) => {
    const u = seededUniform(rows * 1000 + cols);
    // Values on a coarse grid so ties happen; one dead row and one dead column when possible.
    const s = new Float64Array(rows * cols).map(() => Math.round(u() * 8) / 8 - 0.5);
    if (rows > 2) for (let j = 0; j < cols; j++) s[1 * cols + j] = NaN;
    if (cols > 2) for (let i = 0; i < rows; i++) s[i * cols + 2] = NaN;
    const want = semiMatching(s, rows, cols);
    const got = await semiMatchingWasm(s, rows, cols);
    expect([...got.rowPartner]).toEqual([...want.rowPartner]);
    expect([...got.colPartner]).toEqual([...want.colPartner]);
    expect([...got.rowValue]).toEqual([...want.rowValue]);
    expect([...got.colValue]).toEqual([...want.colValue]);
  });
});
