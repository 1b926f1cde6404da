// A plugin is a plain object (or a factory returning one), imported explicitly: never found by
// scanning folders. Built-in methods are registered through the same shape.
import type { CommandModule } from 'yargs';
import type { Method } from '../methods/types.js';
import type { Reducer } from '../reducers/types.js';

export interface Plugin {
  meta: { name: string; version: string };
  methods?: Method[];
  reducers?: Reducer[];
  /** yargs command modules added to the CLI. */
  commands?: CommandModule<any, any>[];
  /** Replace same-named methods, reducers and commands registered before this plugin. */
  override?: boolean;
}

export type PluginExport = Plugin | ((options?: Record<string, unknown>) => Plugin | Promise<Plugin>);
