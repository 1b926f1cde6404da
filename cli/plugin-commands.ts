// Plugin commands (src/plugins/types.ts: name, positionals, options, handler) as yargs command
// modules: the only place that knows both shapes, so plugins and the library need no yargs.
import type { Argv, CommandModule, Options, PositionalOptions } from 'yargs';
import type { CommandArgs, CommandOption, PluginCommand } from '../src/plugins/types.js';

/** `NAME <required> [optional] [rest..]`, yargs' command syntax. */
export function commandSyntax(command: PluginCommand): string {
  const words = Object.entries(command.positionals ?? {}).map(([name, spec]) => {
    const inner = spec.array ? `${name}..` : name;
    return spec.required ? `<${inner}>` : `[${inner}]`;
  });
  return [command.name, ...words].join(' ');
}

function yargsOption(spec: CommandOption): Options & PositionalOptions {
  return {
    type: spec.type,
    describe: spec.describe,
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.array ? { array: true } : {}),
    ...(spec.required ? { demandOption: true } : {}),
  };
}

export function toYargsCommand(command: PluginCommand, builtins: ReadonlySet<string>): CommandModule<object, CommandArgs> {
  if (builtins.has(command.name)) throw new Error(`plugin command "${command.name}" would hide the built-in command of that name; rename it`);
  const positionals = Object.entries(command.positionals ?? {});
  const options = Object.entries(command.options ?? {});
  return {
    command: commandSyntax(command),
    describe: command.describe,
    builder: (y: Argv) => {
      let out = y;
      for (const [name, spec] of positionals) out = out.positional(name, yargsOption(spec));
      for (const [name, spec] of options) out = out.option(name, yargsOption(spec));
      return out as Argv<CommandArgs>;
    },
    // The handler sees what it declared, by the names it declared, and nothing of yargs.
    handler: async (argv) => {
      const args: CommandArgs = {};
      for (const [name] of [...positionals, ...options]) args[name] = argv[name];
      await command.handler(args);
    },
  };
}
