// `convergent merge PART... --out RUN`: the parts of a sharded probe (`probe --shard K/N`) into one
// run, equal to the probe over all their items (src/merge/merge-run.ts). A backend is opened only
// when a plugin reducer's state needs one to be restored.
import type { Backend } from '../../src/backend/types.js';
import { mergeRun } from '../../src/merge/merge-run.js';
import type { ProbeManifest } from '../../src/run-dir/layout.js';
import { plural } from '../../src/util/plural.js';
import { defineCommand } from '../command.js';
import { openBackend, withBackendOptions, type CliContext } from '../context.js';
import { info } from '../output.js';
import { createProgress } from '../progress.js';

export function mergeCommand(ctx: CliContext) {
  return defineCommand({
    command: 'merge [parts..]',
    describe: 'combine the parts of a sharded probe (probe --shard K/N) into one run: moments, top-k, accuracy, reducer states',
    builder: (y) =>
      withBackendOptions(y)
        .positional('parts', { type: 'string', array: true, default: [] as string[], describe: 'the parts\' run directories, in any order' })
        .option('out', { type: 'string', demandOption: true, describe: 'run directory to write (or, for parts of a reducer\'s next pass, the run they complete)' })
        .option('allow-partial', { type: 'boolean', default: false, describe: 'merge parts that leave items uncovered; probe.json `merged` records the items covered' })
        .option('overwrite', { type: 'boolean', default: false, describe: 'replace the run already in --out (it stays until the merge is complete)' })
        .option('patches', { type: 'boolean', default: true, describe: 'draw the merged top-k patches from the probe\'s data (--no-patches keeps just the records)' }),
    handler: async (argv) => {
      const progress = createProgress();
      let backend: Backend | undefined;
      try {
        const manifest = await mergeRun({
          parts: argv.parts,
          out: argv.out,
          allowPartial: argv['allow-partial'],
          overwrite: argv.overwrite,
          patches: argv.patches,
          reducer: (name) => ctx.registry.reducers.get(name)?.reducer,
          backend: async () => (backend ??= await openBackend(argv)),
          command: ctx.commandLine,
          log: info,
          onLayerStart: (layer, parts) => progress.start(`merge ${layer}`, parts, 'parts'),
          onPartMerged: (done) => progress.update(done),
          onLayerDone: () => progress.stop(),
        });
        info(summary(manifest, argv.parts.length, argv.out));
      } finally {
        await backend?.dispose();
      }
    },
  });
}

function summary(manifest: ProbeManifest, parts: number, out: string): string {
  const items = manifest.merged ? manifest.merged.coverage.reduce((sum, r) => sum + r.end - r.start, 0) : undefined;
  const lines = [`merged ${plural(parts, 'part')}${items === undefined ? '' : ` (${plural(items, 'item')})`}, ${plural(manifest.layers.length, 'layer')}, into ${out}`];
  const acc = manifest.nets.filter((n) => n.accuracy !== undefined);
  if (acc.length > 0) lines.push(`accuracy on the probe data: ${acc.map((n) => `${n.name} ${(100 * n.accuracy!).toFixed(2)}%`).join(', ')}`);
  for (const p of manifest.pendingPasses ?? []) {
    lines.push(`reducer ${p.reducer} still needs pass ${p.pass}: run every part's probe again with --next-pass ${out} (same --shard K/N), then \`convergent merge PART... --out ${out}\``);
  }
  return lines.join('\n');
}
