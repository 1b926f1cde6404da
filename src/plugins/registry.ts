// Everything the plugins (built-in ones included) contribute, with duplicate names refused.
import { MethodRegistry } from '../align/methods/registry.js';
import type { Reducer } from '../probe/reducers/types.js';
import type { CommandOption, Plugin, PluginCommand } from './types.js';

export class PluginRegistry {
  readonly methods = new MethodRegistry();
  readonly reducers = new Map<string, { reducer: Reducer; origin: string }>();
  readonly commands = new Map<string, { command: PluginCommand; origin: string }>();
  readonly plugins: Plugin['meta'][] = [];

  add(plugin: Plugin, origin: string): void {
    validatePlugin(plugin, origin);
    const label = `plugin ${plugin.meta.name}@${plugin.meta.version} (${origin})`;
    const override = plugin.override === true;
    for (const method of plugin.methods ?? []) this.methods.register(method, label, { override });
    for (const reducer of plugin.reducers ?? []) {
      const existing = this.reducers.get(reducer.name);
      if (existing && !override) throw new Error(`${label}: a reducer named "${reducer.name}" is already registered by ${existing.origin}`);
      this.reducers.set(reducer.name, { reducer, origin: label });
    }
    for (const command of plugin.commands ?? []) {
      const name = command.name;
      const existing = this.commands.get(name);
      if (existing && !override) throw new Error(`${label}: a command named "${name}" is already registered by ${existing.origin}`);
      this.commands.set(name, { command, origin: label });
    }
    this.plugins.push(plugin.meta);
  }
}

export function validatePlugin(plugin: unknown, origin: string): asserts plugin is Plugin {
  const p = plugin as Plugin;
  if (!p || typeof p !== 'object') throw new Error(`${origin}: a plugin must be an object (or a factory returning one)`);
  if (!p.meta || typeof p.meta.name !== 'string' || typeof p.meta.version !== 'string') {
    throw new Error(`${origin}: a plugin needs meta: { name: string, version: string }`);
  }
  for (const key of ['methods', 'reducers', 'commands'] as const) {
    if (p[key] !== undefined && !Array.isArray(p[key])) throw new Error(`${origin}: plugin ${p.meta.name}: "${key}" must be an array`);
  }
  for (const command of p.commands ?? []) validateCommand(command, `${origin}: plugin ${p.meta.name}`);
  for (const reducer of p.reducers ?? []) {
    if (typeof reducer.name !== 'string' || typeof reducer.create !== 'function') {
      throw new Error(`${origin}: plugin ${p.meta.name}: every reducer needs "name" and "create"`);
    }
  }
}

const COMMAND_SHAPE = '{ name, describe, positionals?, options?, handler(args) }';
const OPTION_TYPES = ['string', 'number', 'boolean'];

/** A command's shape, checked when the plugin loads rather than when yargs meets it. */
function validateCommand(command: PluginCommand, where: string): void {
  const c = command as PluginCommand & { command?: unknown };
  if (!c || typeof c !== 'object') throw new Error(`${where}: every command must be an object ${COMMAND_SHAPE}`);
  // The shape before convergent had its own: a yargs command module ({ command, builder, handler }).
  if (c.command !== undefined && c.name === undefined) {
    throw new Error(`${where}: command ${JSON.stringify(c.command)} looks like a yargs command module; convergent commands are ${COMMAND_SHAPE}`);
  }
  if (typeof c.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(c.name)) {
    throw new Error(`${where}: a command's "name" must be lower-case letters, digits and dashes, got ${JSON.stringify(c.name)}`);
  }
  if (typeof c.handler !== 'function') throw new Error(`${where}: command ${c.name} needs a handler(args) function`);
  if (typeof c.describe !== 'string') throw new Error(`${where}: command ${c.name} needs "describe", one line for --help`);
  for (const key of ['positionals', 'options'] as const) {
    const specs = c[key];
    if (specs === undefined) continue;
    if (!specs || typeof specs !== 'object' || Array.isArray(specs)) throw new Error(`${where}: command ${c.name}: "${key}" must be an object of { type, describe }`);
    for (const [name, spec] of Object.entries(specs)) checkOption(spec, `${where}: command ${c.name}, ${key === 'options' ? `option --${name}` : `positional ${name}`}`);
  }
}

function checkOption(spec: CommandOption, where: string): void {
  if (!spec || !OPTION_TYPES.includes(spec.type)) throw new Error(`${where}: "type" must be one of ${OPTION_TYPES.join(', ')}`);
  if (typeof spec.describe !== 'string') throw new Error(`${where}: needs "describe"`);
}
