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
  let config: unknown;
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`config ${path}: ${(error as Error).message}`);
  }
  const shape = 'expected { "plugins": ["path.mjs", { "path": "other.mjs", "options": {} }] }';
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`config ${path}: ${shape}, got ${describe(config)}`);
  const { plugins = [], ...rest } = config as ConfigFile & Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`config ${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; ${shape}`);
  if (!Array.isArray(plugins)) throw new Error(`config ${path}: "plugins" must be an array, got ${describe(plugins)}; ${shape}`);
  const base = dirname(resolve(path));
  return {
    plugins: plugins.map((entry, i) => {
      const spec = typeof entry === 'string' ? { path: entry } : entry;
      if (!spec || typeof spec !== 'object' || typeof spec.path !== 'string' || spec.path === '') {
        throw new Error(`config ${path}: plugins[${i}] must be a path or { "path": ..., "options": {...} }, got ${describe(entry)}`);
      }
      if (spec.options !== undefined && (typeof spec.options !== 'object' || spec.options === null || Array.isArray(spec.options))) {
        throw new Error(`config ${path}: plugins[${i}].options must be an object, got ${describe(spec.options)}`);
      }
      return { path: resolve(base, spec.path), options: spec.options };
    }),
  };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
