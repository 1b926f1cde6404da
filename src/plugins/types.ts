// A plugin is a plain object (or a factory returning one), imported explicitly: never found by
// scanning folders. Built-in methods are registered through the same shape. Its commands are
// described in convergent's own small shape (name, options, handler), which the CLI adapts to its
// argument parser (cli/plugin-commands.ts), so that neither a plugin nor the library's types
// depend on that parser.
import type { Method } from '../align/methods/types.js';
import type { Reducer } from '../probe/reducers/types.js';

/** One flag (`--name VALUE`) or positional argument of a plugin command. */
export interface CommandOption {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default?: string | number | boolean;
  /** The command is refused without it (positionals: `<name>` instead of `[name]`). */
  required?: boolean;
  /** Repeatable (`--name a --name b`, or every remaining positional): the value is an array. */
  array?: boolean;
}

/** What a command's handler receives: each declared option and positional by name. */
export type CommandArgs = Record<string, unknown>;

/** A command a plugin adds to the CLI: `convergent NAME <positionals> [--options]`. */
export interface PluginCommand<Args extends object = CommandArgs> {
  /** The command word: lower-case letters, digits and dashes. */
  name: string;
  /** One line for `convergent --help`. */
  describe: string;
  /** Positional arguments after the name, in this order. */
  positionals?: Record<string, CommandOption>;
  /** Flags, `--<key> VALUE` (booleans: `--<key>` / `--no-<key>`). */
  options?: Record<string, CommandOption>;
  handler(args: Args): void | Promise<void>;
}

export interface Plugin {
  meta: { name: string; version: string };
  methods?: Method[];
  reducers?: Reducer[];
  /** Commands added to the CLI. */
  commands?: PluginCommand[];
  /** Replace same-named methods, reducers and commands registered before this plugin. */
  override?: boolean;
}

export type PluginExport = Plugin | ((options?: Record<string, unknown>) => Plugin | Promise<Plugin>);
