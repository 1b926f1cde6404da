// Everything the plugins (built-in ones included) contribute, with duplicate names refused.
import { MethodRegistry } from '../methods/registry.js';
import type { Reducer } from '../reducers/types.js';
import type { Plugin } from './types.js';
import type { CommandModule } from 'yargs';

export class PluginRegistry {
  readonly methods = new MethodRegistry();
  readonly reducers = new Map<string, { reducer: Reducer; origin: string }>();
  readonly commands = new Map<string, { command: CommandModule<any, any>; origin: string }>();
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
      const name = commandName(command);
      const existing = this.commands.get(name);
      if (existing && !override) throw new Error(`${label}: a command named "${name}" is already registered by ${existing.origin}`);
      this.commands.set(name, { command, origin: label });
    }
    this.plugins.push(plugin.meta);
  }
}

function commandName(command: CommandModule<any, any>): string {
  const c = Array.isArray(command.command) ? command.command[0] : command.command;
  return String(c ?? '').split(/\s+/)[0];
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
  for (const command of p.commands ?? []) {
    if (!command.command || typeof command.handler !== 'function') {
      throw new Error(`${origin}: plugin ${p.meta.name}: every command needs "command" and "handler" (a yargs command module)`);
    }
  }
  for (const reducer of p.reducers ?? []) {
    if (typeof reducer.name !== 'string' || typeof reducer.create !== 'function') {
      throw new Error(`${origin}: plugin ${p.meta.name}: every reducer needs "name" and "create"`);
    }
  }
}
