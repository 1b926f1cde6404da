// The commands themselves, run in this process: built-ins plus whatever plugins add. cli/main.ts
// loads this module only once it has decided not to re-run the command behind the native-noise filter.
import yargs, { type CommandModule } from 'yargs';
import { alignCommand } from './commands/align.js';
import { demoCommand } from './commands/demo.js';
import { infoCommand } from './commands/info.js';
import { layersCommand } from './commands/layers.js';
import { trainCommand } from './commands/train.js';
import { methodsCommand } from './commands/methods.js';
import { mergeCommand } from './commands/merge.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { slurmCommand } from './commands/slurm.js';
import type { CliContext } from './context.js';
import { BUILTIN_COMMANDS, BUILTIN_COMMAND_NAMES, COMMANDS_WITH_METHOD_OPTIONS, type BuiltinCommandName } from './builtin-commands.js';
import { extractDottedOptions } from './method-options.js';
import { setOutputMode } from './output.js';
import { toYargsCommand } from './plugin-commands.js';
import { DEFAULT_CONFIG, buildRegistry } from './plugins.js';

/** The module of each built-in command, by name: typed so that it has exactly the names of builtin-commands.ts (help lists them in this order). */
const BUILTIN_MODULES: { [Name in BuiltinCommandName]: (ctx: CliContext) => CommandModule<object, any> } = {
  demo: demoCommand,
  run: runCommand,
  probe: probeCommand,
  merge: mergeCommand,
  align: alignCommand,
  report: reportCommand,
  methods: methodsCommand,
  layers: layersCommand,
  info: infoCommand,
  train: trainCommand,
  slurm: slurmCommand,
  serve: serveCommand,
};

/** Parses the command line and runs the command it names. */
export async function runCommands(args: string[]): Promise<void> {
  const registry = await buildRegistry(args);
  const { rest, options: methodOptions } = extractDottedOptions(args, registry);
  const ctx: CliContext = { registry, commandLine: ['convergent', ...args].join(' '), methodOptions };
  let cli = yargs(rest)
    .scriptName('convergent')
    .usage('$0 <command> [options]\n\nDo different neural networks learn the same representations?')
    .option('plugin', { type: 'string', array: true, describe: 'load a plugin module (repeatable)' })
    .option('config', { type: 'string', describe: `JSON config naming plugins (default: ./${DEFAULT_CONFIG} if present)` })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors (files are still written)' })
    .option('verbose', { type: 'boolean', default: false, describe: 'also show the messages of the native WebGPU library (Dawn)' })
    // Before any command runs: output mode set, method options only where methods run.
    .middleware((argv) => {
      if (argv.quiet && argv.verbose) throw new Error('--quiet and --verbose contradict each other; give one');
      setOutputMode({ quiet: argv.quiet as boolean }); // --verbose acts before this process: cli/native-noise.ts
      const command = String(argv._[0] ?? '');
      const first = methodOptions[0];
      if (first && !COMMANDS_WITH_METHOD_OPTIONS.has(command)) throw new Error(`${first.flag}: \`${command}\` takes no method or reducer options`);
    });
  for (const builtin of Object.values(BUILTIN_MODULES)) cli = cli.command(builtin(ctx));
  for (const { command } of registry.commands.values()) cli = cli.command(toYargsCommand(command, BUILTIN_COMMANDS));
  await cli
    .demandCommand(1, `name a command: ${BUILTIN_COMMAND_NAMES.join(', ')}`)
    .strict()
    .recommendCommands()
    .help()
    .fail((message, error) => {
      // yargs' own refusals come as a message or as its YError; errors of a command pass unchanged.
      if (!error || error.name === 'YError') throw new Error(yargsMessage(error?.message ?? message));
      throw error;
    })
    .parseAsync();
}

/** yargs' own messages, worded as ours where they name a flag: `--net needs a value`. */
function yargsMessage(message: string): string {
  const missing = /^Not enough arguments following: (.+)$/.exec(message);
  return missing ? `--${missing[1]} needs a value` : message;
}

