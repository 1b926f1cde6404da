// `convergent info RUN`: what a run directory holds and what fixed its moments (probe.json's
// provenance), as text or JSON. Read-only: it takes no lock, so it works while a probe runs.
import { formatRunInfo, readRunInfo } from '../../src/run-dir/run-info.js';
import { defineCommand } from '../command.js';
import type { CliContext } from '../context.js';
import { print } from '../output.js';

export function infoCommand(_ctx: CliContext) {
  return defineCommand({
    command: 'info <run>',
    describe: "print a run's provenance (nets and their sha256, data, layers, reducers, version), backend, command and whether it is aligned",
    builder: (y) =>
      y
        .positional('run', { type: 'string', demandOption: true, describe: 'a run directory (made by probe or run)' })
        .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for reading, json for scripts' }),
    handler: async (argv) => {
      const info = await readRunInfo(argv.run);
      print(argv.format === 'json' ? `${JSON.stringify(info, null, 2)}\n` : formatRunInfo(info));
    },
  });
}
