// exactIfOutOfFloat32Range (src/kernels/moments/range-check.ts): the one fallback the WASM and
// WebGPU moment kernels share. A batch in range keeps the kernel's result and is never read again;
// one out of range is redone by the float64 reference from its values.
import { describe, expect, it } from 'vitest';
import { exactIfOutOfFloat32Range } from '../../src/kernels/moments/range-check.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';

const d = 3;
const n = 5;
const data = Float32Array.from({ length: d * n }, (_, i) => (i % 7) - 2.5);

describe('exactIfOutOfFloat32Range', () => {
  it('keeps a result in range without asking for the values', async () => {
    const result = batchMomentsReference(data, d, n);
    let asked = 0;
    const kept = await exactIfOutOfFloat32Range(result, d, n, () => (asked++, data));
    expect(kept).toBe(result);
    expect(asked).toBe(0);
  });

  it('redoes an overflowed result from the values, also when they come asynchronously', async () => {
    const overflowed = batchMomentsReference(data, d, n);
    overflowed.m2[d + 1] = Infinity;
    const exact = batchMomentsReference(data, d, n);
    expect(await exactIfOutOfFloat32Range(overflowed, d, n, () => data)).toEqual(exact);
    expect(await exactIfOutOfFloat32Range(overflowed, d, n, async () => data)).toEqual(exact);
  });
});
