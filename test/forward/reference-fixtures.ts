// Shared by the reference kernel tests: the numpy / scipy fixtures of
// scripts/fixtures/make_forward_fixtures.py and a closeness check that names the worst element.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { RefTensor } from '../../src/forward/reference/index.js';

/** A tensor as the fixtures store it: float32 inputs exactly, float64 expectations. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(`test/fixtures/forward/${name}.json`, 'utf8')) as T;
}

export const tensor = (t: FixtureTensor): RefTensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/** A tensor from nested-free literal values. */
export const tt = (shape: number[], data: number[]): RefTensor => ({ shape, data: Float32Array.from(data) });

/**
 * Same shape, and |actual - expected| <= rel * max(1, max |expected|) everywhere (rel 0: equal
 * values; +0 and -0 count as equal). The failure message gives the worst element.
 */
export function expectClose(actual: RefTensor, expected: FixtureTensor | RefTensor, rel = 1e-6, label = ''): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  expect(actual.data.length, `${label} length`).toBe(expected.data.length);
  let scale = 1;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const e = expected.data[i];
    const a = actual.data[i];
    const err = Number.isNaN(e) && Number.isNaN(a) ? 0 : Math.abs(a - e);
    if (!(err <= worstErr) || worst < 0) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0 && !(worstErr <= rel * scale)) {
    expect.fail(`${label}: element ${worst} is ${actual.data[worst]}, expected ${expected.data[worst]} (|error| ${worstErr} > ${rel * scale})`);
  }
}
