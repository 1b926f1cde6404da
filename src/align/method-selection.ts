// Which methods and reducers a run uses, and which options reach each: decided from names (the
// command line's --method / --reducer, or a library caller's lists) against the registry of
// built-ins and plugins, before any work, so that a typo is refused naming what is available.
import { DEFAULT_METHODS } from './methods/builtin/index.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Reducer } from '../probe/reducers/types.js';

/** Options by method or reducer name (`--<name>.<option> VALUE`). */
export type OptionsByName = Record<string, Record<string, unknown>>;

/**
 * The methods to run: the defaults (semi and bipartite), then the named ones (each once, in the
 * order given); with `only`, just the named ones. Unknown names are refused.
 */
export function selectMethods(registry: PluginRegistry, named: string[] = [], only = false): string[] {
  if (only && named.length === 0) throw new Error('--only-methods needs at least one --method NAME');
  const methods = [...new Set([...(only ? [] : DEFAULT_METHODS), ...named])];
  for (const name of methods) registry.methods.get(name); // throws on a typo, naming the available ones
  return methods;
}

/** The named reducers, refused by name when no loaded plugin provides them. */
export function selectReducers(registry: PluginRegistry, names: string[]): Reducer[] {
  return names.map((name) => {
    const entry = registry.reducers.get(name);
    if (!entry) throw new Error(`unknown reducer "${name}"; loaded: ${[...registry.reducers.keys()].join(', ') || 'none (load plugins with --plugin)'}`);
    return entry.reducer;
  });
}

/** The named reducers plus those the methods need (mi needs mi-histograms), each once. */
export function reducersForMethods(registry: PluginRegistry, methods: string[], named: string[] = []): string[] {
  const reducers = [...named];
  for (const name of methods) {
    for (const reducerName of registry.methods.get(name).requires?.reducers ?? []) {
      if (!registry.reducers.has(reducerName)) throw new Error(`method ${name} needs the reducer "${reducerName}", which no loaded plugin provides`);
      if (!reducers.includes(reducerName)) reducers.push(reducerName);
    }
  }
  return reducers;
}

/**
 * Each reducer's options: those given for it, and a method's options that a reducer it requires
 * declares too (`--mi.bins 12` reaches the mi-histograms reducer).
 */
export function reducerOptionsFor(registry: PluginRegistry, methods: string[], reducers: string[], given: OptionsByName): OptionsByName {
  const out = pickOptions(given, reducers);
  for (const name of methods) {
    for (const reducerName of registry.methods.get(name).requires?.reducers ?? []) {
      const declared = registry.reducers.get(reducerName)!.reducer.options ?? {};
      const passed = Object.fromEntries(Object.entries(given[name] ?? {}).filter(([key]) => declared[key] !== undefined));
      if (Object.keys(passed).length > 0) out[reducerName] = { ...passed, ...out[reducerName] };
    }
  }
  return out;
}

/** The options of the named methods or reducers only. */
export function pickOptions(options: OptionsByName, names: string[]): OptionsByName {
  return Object.fromEntries(Object.entries(options).filter(([name]) => names.includes(name)));
}
