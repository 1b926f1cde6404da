// The unbiased HSIC and debiased CKA from sums (src/align/math/hsic.ts) against the direct n x n
// Gram-matrix computation of numpy (scripts/fixtures/debiased_cka.py).
import { describe, expect, it } from 'vitest';
import { debiasedCka, unbiasedHsic } from '../../../src/align/math/hsic.js';
import { debiasedCases, relativeError } from '../../helpers/debiased-cka-fixture.js';

describe('unbiased HSIC and debiased CKA from sums', () => {
  it.each(debiasedCases.map((c) => [c.name, c] as const))('equal the n x n Gram computation within 1e-9 (%s)', (_, c) => {
    const n = c.a.length;
    const hab = unbiasedHsic({ n, crossSq: c.cross_sq, traceA: c.trace_a, traceB: c.trace_b, normProduct: c.q_ab });
    const haa = unbiasedHsic({ n, crossSq: c.cross_sq_aa, traceA: c.trace_a, traceB: c.trace_a, normProduct: c.q_aa });
    const hbb = unbiasedHsic({ n, crossSq: c.cross_sq_bb, traceA: c.trace_b, traceB: c.trace_b, normProduct: c.q_bb });
    expect(relativeError(hab.value, c.hsic_ab)).toBeLessThan(1e-9);
    expect(relativeError(haa.value, c.hsic_aa)).toBeLessThan(1e-9);
    expect(relativeError(hbb.value, c.hsic_bb)).toBeLessThan(1e-9);
    expect(relativeError(debiasedCka(hab.value!, haa.value!, hbb.value!).value, c.cka)).toBeLessThan(1e-9);
  });

  it('self-similarity is exactly 1', () => {
    const values = debiasedCases.flatMap((c) => [c.hsic_ab, c.hsic_aa, c.hsic_bb]);
    // Also awkward magnitudes and mantissas: sqrt(h * h) is h in IEEE arithmetic, barring overflow.
    values.push(2, 3, 0.1, 1 / 3, Math.PI, 1e-150, 1e150, 1e200, 5e-324 * 2 ** 60, Number.MAX_VALUE);
    for (const h of values) expect(debiasedCka(h, h, h)).toEqual({ value: 1, reason: null });
  });

  it('is not clamped: a negative unbiased HSIC gives a negative CKA', () => {
    expect(debiasedCka(-0.01, 1, 4).value).toBe(-0.005);
  });

  it('is null with a reason where undefined: n <= 3, no variance, non-finite sums', () => {
    for (const n of [0, 1, 2, 3, 3.5]) {
      const h = unbiasedHsic({ n, crossSq: 1, traceA: 1, traceB: 1, normProduct: 1 });
      expect(h.value).toBeNull();
      expect(h.reason).toMatch(/more than 3 samples/);
    }
    expect(unbiasedHsic({ n: 10, crossSq: NaN, traceA: 1, traceB: 1, normProduct: 1 }).reason).toMatch(/non-finite crossSq/);
    expect(debiasedCka(0.5, 0, 1)).toEqual({ value: null, reason: expect.stringMatching(/not positive \(0\)/) });
    expect(debiasedCka(0.5, 1, -2).reason).toMatch(/not positive \(-2\)/);
    expect(debiasedCka(NaN, 1, 1).reason).toMatch(/not finite/);
  });
});
