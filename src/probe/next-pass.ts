// `probe --shard K/N --next-pass RUN`: the second (third, ...) pass of a multi-pass reducer over
// one shard, continued from RUN, the merge of the shards' previous pass (its merged state, e.g.
// the mutual-information bin edges every shard must share). The shard must be probed from the
// same inputs with the same options as RUN; only its item range may differ.
import { readManifest } from '../run-dir/manifest.js';
import type { ProbeProvenance } from '../run-dir/layout.js';
import { describeDifferences, provenanceDifferences } from './provenance-diff.js';
import { pendingPasses } from './reducer-states.js';
import type { Reducer } from './reducers/types.js';
import type { Shard } from './shard.js';

export interface NextPass {
  run: string;
  reducers: { reducer: Reducer; pass: number }[];
}

export async function openNextPass(inputs: { nextPassFrom?: string; shard?: Shard; reducers?: Reducer[] }, provenance: ProbeProvenance): Promise<NextPass | undefined> {
  const run = inputs.nextPassFrom;
  if (run === undefined) return undefined;
  if (!inputs.shard) throw new Error(`--next-pass ${run} runs a reducer's next pass over one shard: give --shard K/N too`);
  const manifest = await readManifest(run);
  if (!manifest.provenance) throw new Error(`--next-pass ${run}: its probe.json has no provenance, so it cannot be checked to be the same probe`);
  const diffs = provenanceDifferences(manifest.provenance, provenance, ['items', 'shard']);
  if (diffs.length > 0) throw new Error(`--next-pass ${run}: this shard's inputs or options differ from the run's (${describeDifferences(diffs, run, 'this command')})`);
  const reducers = pendingPasses(run, manifest, inputs.reducers ?? []);
  const passes = new Set(reducers.map((r) => r.pass));
  if (passes.size > 1) throw new Error(`--next-pass ${run}: its reducers owe different passes (${reducers.map((r) => `${r.reducer.name} pass ${r.pass}`).join(', ')}); this convergent runs one pass at a time for all of them`);
  return { run, reducers };
}
