// The names of the built-in commands, in one list, kept apart from the command modules: the
// native-noise filter decides from them before any command module is loaded (cli/main.ts).

/** Every built-in command, in the order the "name a command" message lists them. */
export const BUILTIN_COMMAND_NAMES = ['demo', 'run', 'train', 'probe', 'merge', 'layers', 'align', 'report', 'methods', 'info', 'slurm', 'serve'] as const;

export type BuiltinCommandName = (typeof BUILTIN_COMMAND_NAMES)[number];

/** The built-in commands, which a plugin's command may not hide. */
export const BUILTIN_COMMANDS: ReadonlySet<string> = new Set<string>(BUILTIN_COMMAND_NAMES);

/** The commands that read `--<method>.<option>` flags (each checks them against what it runs). */
export const COMMANDS_WITH_METHOD_OPTIONS: ReadonlySet<string> = new Set<string>(['run', 'probe', 'align', 'demo', 'slurm'] satisfies BuiltinCommandName[]);

/** The commands that open a backend (plugin commands are left alone). */
export const DEVICE_COMMANDS: ReadonlySet<string> = new Set<string>(['run', 'probe', 'merge', 'align', 'demo', 'train'] satisfies BuiltinCommandName[]);
