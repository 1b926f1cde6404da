// Shared by the deconv tests: seeded tensors and the dot-product test of an adjoint,
// <f(x), y> = <x, f'(y)>, to float32 rounding of f(x).
import { expect } from 'vitest';
import type { RefTensor } from '../../../src/forward/reference/index.js';
import { seededNormal } from '../../../src/util/random.js';

/** A maker of seeded normal tensors. */
export function tensors(seed: number): (shape: number[]) => RefTensor {
  const normal = seededNormal(seed);
  return (shape) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal()) });
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** <f(x), y> and the sum of <x_k, f'_k(y)> over the inputs agree. */
export function expectAdjoint(fx: ArrayLike<number>, y: ArrayLike<number>, pairs: [x: ArrayLike<number>, adjointY: ArrayLike<number>][]): void {
  for (const [x, a] of pairs) expect(a.length).toBe(x.length);
  const lhs = dot(fx, y);
  const rhs = pairs.reduce((sum, [x, a]) => sum + dot(x, a), 0);
  expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * (Math.abs(lhs) + 1));
}
