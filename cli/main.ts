#!/usr/bin/env node
// The convergent command line: built-in commands plus whatever plugins add.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { alignCommand } from './commands/align.js';
import { demoCommand } from './commands/demo.js';
import { infoCommand } from './commands/info.js';
import { layersCommand } from './commands/layers.js';
import { trainCommand } from './commands/train.js';
import { methodsCommand } from './commands/methods.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import type { CliContext } from './context.js';
import { extractDottedOptions } from './method-options.js';
import { adoptParentTerminal, needsNativeFilter, runBehindFilter } from './native-noise.js';
import { dropOutputOnClosedPipe, printError, setOutputMode, writeTo } from './output.js';
import { toYargsCommand } from './plugin-commands.js';
import { DEFAULT_CONFIG, buildRegistry } from './plugins.js';

async function main(): Promise<void> {
  dropOutputOnClosedPipe();
  const args = hideBin(process.argv);
  // A command that may load the native WebGPU library runs as a child with its stderr filtered.
  if (needsNativeFilter(args)) {
    process.exitCode = await runBehindFilter(args);
    return;
  }
  adoptParentTerminal();
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
      setOutputMode({ quiet: argv.quiet as boolean, verbose: argv.verbose as boolean });
      const command = String(argv._[0] ?? '');
      const first = methodOptions[0];
      if (first && !COMMANDS_WITH_METHOD_OPTIONS.has(command)) throw new Error(`${first.flag}: \`${command}\` takes no method or reducer options`);
    })
    .command(demoCommand(ctx))
    .command(runCommand(ctx))
    .command(probeCommand(ctx))
    .command(alignCommand(ctx))
    .command(reportCommand(ctx))
    .command(methodsCommand(ctx))
    .command(layersCommand(ctx))
    .command(infoCommand(ctx))
    .command(trainCommand(ctx));
  for (const { command } of registry.commands.values()) cli = cli.command(toYargsCommand(command, BUILTIN_COMMANDS));
  await cli
    .demandCommand(1, 'name a command: demo, run, train, probe, layers, align, report, methods, info')
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

/** The built-in commands, which a plugin's command may not hide. */
const BUILTIN_COMMANDS = new Set(['demo', 'run', 'probe', 'align', 'report', 'methods', 'layers', 'train', 'info']);

/** The commands that read `--<method>.<option>` flags (each checks them against what it runs). */
const COMMANDS_WITH_METHOD_OPTIONS = new Set(['run', 'probe', 'align', 'demo']);

main().catch((error: Error) => {
  printError(error.message);
  if (process.env.CONVERGENT_DEBUG) writeTo(process.stderr, `${error.stack}\n`);
  process.exitCode = 1;
});
