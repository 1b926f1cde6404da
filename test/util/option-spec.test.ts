// Methods and reducers declare options the same way and have them checked the same way: before
// they shared this module, a method took the text 'false' for a boolean as a (truthy) string and a
// reducer took 'Infinity' for a number.
import { describe, expect, it } from 'vitest';
import { resolveReducerOptions } from '../../src/probe/reducers/options.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { resolveOptions, type OptionSpec } from '../../src/util/option-spec.js';

const specs: Record<string, OptionSpec> = {
  bins: { type: 'number', default: 32, describe: 'bins' },
  exact: { type: 'boolean', default: true, describe: 'exact' },
  label: { type: 'string', describe: 'label' },
};

describe('resolveOptions', () => {
  it('starts from the defaults and converts text', () => {
    expect(resolveOptions('method m', specs, undefined)).toEqual({ bins: 32, exact: true, label: undefined });
    expect(resolveOptions('method m', specs, { bins: '8', exact: 'false', label: 'x' })).toEqual({ bins: 8, exact: false, label: 'x' });
    expect(resolveOptions('method m', specs, { exact: '0' }).exact).toBe(false);
    expect(resolveOptions('method m', specs, { exact: 'yes' }).exact).toBe(true);
    expect(resolveOptions('method m', specs, { bins: 4, exact: false })).toMatchObject({ bins: 4, exact: false });
  });

  it('refuses an undeclared option and a number that is not finite, naming the owner', () => {
    expect(() => resolveOptions('method m', specs, { bogus: 1 })).toThrow('method m has no option "bogus"; it has: bins, exact, label');
    expect(() => resolveOptions('method m', undefined, { bogus: 1 })).toThrow(/^method m has no option "bogus"$/);
    expect(() => resolveOptions('method m', specs, { bins: 'many' })).toThrow('method m: option bins must be a number, got "many"');
    expect(() => resolveOptions('method m', specs, { bins: 'Infinity' })).toThrow('method m: option bins must be a number, got "Infinity"');
  });

  it('is what a reducer uses', () => {
    const reducer = { name: 'hist', description: '', options: specs, create: () => ({ update() {}, finish: () => ({}) }) } satisfies Reducer;
    expect(resolveReducerOptions(reducer, { bins: '16' }).bins).toBe(16);
    expect(() => resolveReducerOptions(reducer, { bins: 'Infinity' })).toThrow('reducer hist: option bins must be a number, got "Infinity"');
  });
});
