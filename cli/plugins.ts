// Plugins are loaded before yargs builds the command set, because they may add commands and
// method options: a first look at argv finds --plugin and --config.
import { existsSync } from 'node:fs';
import { builtinPlugin } from '../src/align/methods/builtin/index.js';
import { loadPlugin, readConfig } from '../src/plugins/load.js';
import { PluginRegistry } from '../src/plugins/registry.js';
import { argValues } from './args.js';

export const DEFAULT_CONFIG = 'convergent.config.json';

export async function buildRegistry(argv: string[]): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  const configs = argValues(argv, 'config');
  if (configs.length === 0 && existsSync(DEFAULT_CONFIG)) configs.push(DEFAULT_CONFIG);
  for (const config of configs) {
    for (const spec of (await readConfig(config)).plugins) registry.add(await loadPlugin(spec.path, spec.options), spec.path);
  }
  for (const path of argValues(argv, 'plugin')) registry.add(await loadPlugin(path), path);
  return registry;
}
