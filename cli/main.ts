#!/usr/bin/env node
// The convergent command line: built-in commands plus whatever plugins add.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { alignCommand } from './commands/align.js';
import { demoCommand } from './commands/demo.js';
import { layersCommand } from './commands/layers.js';
import { trainCommand } from './commands/train.js';
import { methodsCommand } from './commands/methods.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import type { CliContext } from './context.js';
import { DEFAULT_CONFIG, buildRegistry } from './plugins.js';

async function main(): Promise<void> {
  const args = hideBin(process.argv);
  const registry = await buildRegistry(args);
  const ctx: CliContext = { registry, commandLine: ['convergent', ...args].join(' ') };
  let cli = yargs(args)
    .scriptName('convergent')
    .usage('$0 <command> [options]\n\nDo different neural networks learn the same representations?')
    .option('plugin', { type: 'string', array: true, describe: 'load a plugin module (repeatable)' })
    .option('config', { type: 'string', describe: `JSON config naming plugins (default: ./${DEFAULT_CONFIG} if present)` })
    .command(demoCommand(ctx))
    .command(runCommand(ctx))
    .command(probeCommand(ctx))
    .command(alignCommand(ctx))
    .command(reportCommand(ctx))
    .command(methodsCommand(ctx))
    .command(layersCommand(ctx))
    .command(trainCommand(ctx));
  for (const { command } of registry.commands.values()) cli = cli.command(command);
  await cli
    .demandCommand(1, 'name a command: demo, run, train, probe, layers, align, report, methods')
    .strictCommands()
    .recommendCommands()
    .help()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseAsync();
}

main().catch((error: Error) => {
  process.stderr.write(`convergent: error: ${error.message}\n`);
  if (process.env.CONVERGENT_DEBUG) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
