import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../../../src/align/resample/student-t.js';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/student-t.json', import.meta.url), 'utf8')) as {
  quantiles: { df: number; p: number; t: number }[];
  cdf: { df: number; t: number; p: number }[];
};

describe('Student t (against scipy.stats.t)', () => {
  it('quantiles within 1e-9 relative', () => {
    for (const { df, p, t } of fixture.quantiles) expect(Math.abs(studentTQuantile(p, df) - t)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t)));
  });
  it('CDF within 1e-12', () => {
    for (const { df, t, p } of fixture.cdf) expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThanOrEqual(1e-12);
  });
  it('refuses p outside (0, 1) and df <= 0', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/degrees of freedom/);
  });
});
