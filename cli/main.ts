#!/usr/bin/env node
// The convergent command line: built-in commands plus whatever plugins add.
import { hideBin } from 'yargs/helpers';
import { adoptParentTerminal, needsNativeFilter, runBehindFilter } from './native-noise.js';
import { dropOutputOnClosedPipe, printError, writeTo } from './output.js';

async function main(): Promise<void> {
  dropOutputOnClosedPipe();
  const args = hideBin(process.argv);
  // A command that may load the native WebGPU library runs as a child with its stderr filtered.
  // Decided before the commands are loaded: a filtered run loads them once, in the child.
  if (needsNativeFilter(args)) {
    process.exitCode = await runBehindFilter(args);
    return;
  }
  adoptParentTerminal();
  await (await import('./commands-cli.js')).runCommands(args);
}

main().catch((error: Error) => {
  printError(error.message);
  if (process.env.CONVERGENT_DEBUG) writeTo(process.stderr, `${error.stack}\n`);
  process.exitCode = 1;
});
