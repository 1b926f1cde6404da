// Loads plugins named on the command line (--plugin PATH) or in a config file. Node-only.
import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin, PluginExport } from './types.js';
import { validatePlugin } from './registry.js';

export async function loadPlugin(path: string, options?: Record<string, unknown>): Promise<Plugin> {
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: PluginExport };
  try {
    mod = await import(url);
  } catch (error) {
    throw new Error(`plugin ${path}: cannot be imported: ${(error as Error).message}`);
  }
  if (mod.default === undefined) throw new Error(`plugin ${path}: the module has no default export`);
  const plugin = typeof mod.default === 'function' ? await mod.default(options) : mod.default;
  validatePlugin(plugin, `plugin ${path}`);
  return plugin;
}

export interface ConfigFile {
  /** Plugin module paths, relative to the config file, or { path, options }. */
  plugins?: (string | { path: string; options?: Record<string, unknown> })[];
}

/** Reads a JSON config file; plugin paths in it are resolved relative to the file. */
export async function readConfig(path: string): Promise<{ plugins: { path: string; options?: Record<string, unknown> }[] }> {
  let config: ConfigFile;
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as ConfigFile;
  } catch (error) {
    throw new Error(`config ${path}: ${(error as Error).message}`);
  }
  const base = dirname(resolve(path));
  const plugins = (config.plugins ?? []).map((entry) => {
    const spec = typeof entry === 'string' ? { path: entry } : entry;
    if (!spec || typeof spec.path !== 'string') throw new Error(`config ${path}: every entry of "plugins" must be a path or { path, options }`);
    return { path: resolve(base, spec.path), options: spec.options };
  });
  return { plugins };
}
