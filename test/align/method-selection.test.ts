// Which methods and reducers a run uses and which options reach each (src/align/method-selection.ts).
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { pickOptions, reducerOptionsFor, reducersForMethods, selectMethods, selectReducers } from '../../src/align/method-selection.js';

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.add(builtinPlugin, 'built-in');
  return r;
}

describe('method selection', () => {
  it('runs semi and bipartite, then the named methods once each in order; only the named with `only`', () => {
    expect(selectMethods(registry())).toEqual(['semi', 'bipartite']);
    expect(selectMethods(registry(), ['cca', 'semi', 'cca', 'mi'])).toEqual(['semi', 'bipartite', 'cca', 'mi']);
    expect(selectMethods(registry(), ['cca'], true)).toEqual(['cca']);
  });

  it('refuses an unknown method naming the available ones, and `only` with no method', () => {
    expect(() => selectMethods(registry(), ['cka'])).toThrow(/unknown method "cka"; available: .*linear-cka/);
    expect(() => selectMethods(registry(), [], true)).toThrow('--only-methods needs at least one --method NAME');
  });

  it("adds the reducers a method requires, once, and hands the method's reducer options on", () => {
    const r = registry();
    expect(reducersForMethods(r, ['semi', 'mi'])).toEqual(['mi-histograms']);
    expect(reducersForMethods(r, ['mi'], ['mi-histograms'])).toEqual(['mi-histograms']);
    const given = { mi: { bins: 12, 'miller-madow': true }, semi: { x: 1 } };
    expect(reducerOptionsFor(r, ['mi'], ['mi-histograms'], given)).toEqual({ 'mi-histograms': { bins: 12 } });
    // Options given to the reducer itself win over those handed on from the method.
    expect(reducerOptionsFor(r, ['mi'], ['mi-histograms'], { ...given, 'mi-histograms': { bins: 8 } })).toEqual({ 'mi-histograms': { bins: 8 } });
    expect(pickOptions(given, ['semi', 'cca'])).toEqual({ semi: { x: 1 } });
  });

  it('refuses a reducer no loaded plugin provides', () => {
    expect(selectReducers(registry(), ['mi-histograms']).map((x) => x.name)).toEqual(['mi-histograms']);
    expect(() => selectReducers(registry(), ['hist'])).toThrow('unknown reducer "hist"; loaded: mi-histograms');
    const bare = new PluginRegistry();
    bare.add({ meta: { name: 'm', version: '1' }, methods: [{ ...registry().methods.get('mi'), name: 'mi2' }] }, 'm');
    expect(() => reducersForMethods(bare, ['mi2'])).toThrow('method mi2 needs the reducer "mi-histograms", which no loaded plugin provides');
  });
});
