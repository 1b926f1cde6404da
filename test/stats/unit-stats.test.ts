import { describe, expect, it } from 'vitest';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { correlationBlock, isDeadUnit, unitStats } from '../../src/stats/unit-stats.js';

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
