import { describe, expect, it } from 'vitest';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { correlationBlock, isDeadUnit, unitStats } from '../../src/align/unit-stats.js';

describe('unit statistics from moments', () => {
  // Three units over 4 samples: a ramp, a constant 7 (dead), and the ramp reversed.
  const data = Float32Array.of(1, 2, 3, 4, 7, 7, 7, 7, 4, 3, 2, 1);
  const m = batchMomentsReference(data, 3, 4);

  it('mean and population std (ddof 0)', () => {
    const s = unitStats(m, 0, 3);
    expect(s.mean[0]).toBeCloseTo(2.5, 12);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect([...s.dead]).toEqual([0, 1, 0]);
  });

  it('correlation is NaN only where a unit is dead, and clamped to [-1, 1]', () => {
    const s = unitStats(m, 0, 3);
    const c = correlationBlock(m, 0, 3, 0, 3, s.dead, s.dead);
    expect(c[0]).toBe(1);
    expect(c[2]).toBeCloseTo(-1, 12);
    expect(c[2]).toBeGreaterThanOrEqual(-1);
    expect(Number.isNaN(c[1])).toBe(true);
    expect(Number.isNaN(c[3])).toBe(true);
    expect(Number.isNaN(c[4])).toBe(true);
  });

  it('dead: exact zeros, constants with rounding residue, but not small live units', () => {
    expect(isDeadUnit(0, 0)).toBe(true);
    expect(isDeadUnit(3.5, 1e-9)).toBe(true);
    expect(isDeadUnit(1e4, 1)).toBe(false);
    expect(isDeadUnit(1e-3, 1e-4)).toBe(false);
  });
});

describe('the dead-unit rule follows the precision of the activations read (issue 10, item 9)', () => {
  it('float64: mean 1e6 with std 1e-3 is live; a few float64 ulps of noise is not', () => {
    expect(isDeadUnit(1e6, 1e-3, 'float64')).toBe(false);
    expect(isDeadUnit(1e6, 1e-3, 'float32')).toBe(true); // below float32's resolution at 1e6 (0.0625)
    expect(isDeadUnit(1e6, 4 * 2 ** -52 * 1e6, 'float64')).toBe(true);
    expect(isDeadUnit(0, 0, 'float64')).toBe(true);
  });

  it('float32 keeps its 1e-6 relative rule; tiny but real variation near zero is live', () => {
    expect(isDeadUnit(3.5, 1e-9, 'float32')).toBe(true);
    expect(isDeadUnit(1e4, 1, 'float32')).toBe(false);
    expect(isDeadUnit(0, 1e-20, 'float32')).toBe(false);
    expect(isDeadUnit(0, 1e-39, 'float32')).toBe(true); // subnormal: too few bits
    expect(isDeadUnit(0, 1e-300, 'float64')).toBe(false);
  });

  it('unitStats applies the dtype given', () => {
    const n = 5;
    const data = Float64Array.from({ length: n }, (_, s) => 1e6 + 1e-3 * (s - 2));
    const m = batchMomentsReference(data, 1, n);
    expect([...unitStats(m, 0, 1, 'float64').dead]).toEqual([0]);
    expect([...unitStats(m, 0, 1).dead]).toEqual([1]);
  });
});
