// One way to read and refuse a method's option values: before, sparse-prediction said
// `sparse-prediction: option ...`, the metric methods `got 1.5` unquoted, and the clustering
// methods had readers of their own with the arguments in another order.
import { describe, expect, it } from 'vitest';
import { booleanOption, choiceOption, integerOption, numberOption } from '../../../src/align/methods/option-values.js';
import { sparsePredictionMethod } from '../../../src/align/methods/sparse-prediction.js';
import { svccaMethod } from '../../../src/align/methods/metrics/svcca.js';
import type { MethodContext } from '../../../src/align/methods/types.js';

describe('option values', () => {
  it('numbers, with a fallback only when the option is absent', () => {
    const positive = (v: number) => v > 0;
    expect(numberOption({ tol: 0.5 }, 'm', 'tol', 'a positive number', positive, 1)).toBe(0.5);
    expect(numberOption({ tol: '0.25' }, 'm', 'tol', 'a positive number', positive, 1)).toBe(0.25);
    expect(numberOption({}, 'm', 'tol', 'a positive number', positive, 1)).toBe(1);
    expect(() => numberOption({}, 'm', 'tol', 'a positive number', positive)).toThrow('method m: option tol must be a positive number, got "undefined"');
    expect(() => numberOption({ tol: -1 }, 'm', 'tol', 'a positive number', positive, 1)).toThrow('method m: option tol must be a positive number, got "-1"');
    expect(() => numberOption({ tol: 'Infinity' }, 'm', 'tol', 'a positive number', positive, 1)).toThrow(/must be a positive number, got "Infinity"/);
  });

  it('integers, choices and booleans', () => {
    expect(integerOption({ k: 3 }, 'm', 'k', 0)).toBe(3);
    expect(() => integerOption({ k: 2.5 }, 'm', 'k', 0)).toThrow('method m: option k must be an integer >= 0, got "2.5"');
    expect(choiceOption({ d: 'abs' }, 'm', 'd', ['signed', 'abs'] as const)).toBe('abs');
    expect(() => choiceOption({ d: 'cosine' }, 'm', 'd', ['signed', 'abs'] as const)).toThrow('method m: option d must be one of signed, abs, got "cosine"');
    expect(booleanOption({ w: 'false' }, 'm', 'w', true)).toBe(false);
    expect(booleanOption({ w: 1 }, 'm', 'w', false)).toBe(true);
    expect(booleanOption({}, 'm', 'w', true)).toBe(true);
    expect(() => booleanOption({ w: 'maybe' }, 'm', 'w', true)).toThrow('method m: option w must be true or false, got "maybe"');
  });

  it('is what the methods use', async () => {
    const ctx = (options: Record<string, unknown>) => ({ options, pairs: [], nets: [] }) as unknown as MethodContext;
    await expect(async () => sparsePredictionMethod.run(ctx({ tol: 0 }))).rejects.toThrow('method sparse-prediction: option tol must be a positive number, got "0"');
    await expect(async () => sparsePredictionMethod.run(ctx({ weights: 'maybe' }))).rejects.toThrow('method sparse-prediction: option weights must be true or false, got "maybe"');
    await expect(async () => svccaMethod.run(ctx({ keep: 1.5 }))).rejects.toThrow('method svcca: option keep must be in (0, 1], got "1.5"');
  });
});
