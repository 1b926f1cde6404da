// The second stage of a multi-pass reducer in sharded mode: RUN is a merge of first-pass parts
// whose probe.json lists `pendingPasses` (the reducers' merged states, moved on to their next
// pass, in RUN/reducers/<reducer>/<layer>/state/); every shard then ran that pass
// (`probe --shard K/N --next-pass RUN`), and `merge PART... --out RUN` merges their states into
// RUN: finished (outputs written as the probe writes them) or moved on once more. This is the one
// merge that writes into an existing run without --overwrite. RUN's moments and top-k stay as
// they are (not read or written again); its probe.json, rewritten last, is what says that the
// passes are done.
import { realpathSync } from 'node:fs';
import { readManifest } from '../run-dir/manifest.js';
import { withRunLock } from '../run-dir/lock.js';
import type { ProbeManifest } from '../run-dir/layout.js';
import { writeManifest, writeReducerOutputs } from '../probe/probe.js';
import { planCoverage } from './coverage.js';
import { mergeLayerReducers, recordReducerPasses, stateReducers } from './merge-reducers.js';
import type { MergeOptions } from './merge-run.js';
import { checkPartsAgree } from './part-agreement.js';
import { layerNets, type Part } from './parts.js';

export async function mergeNextPass(given: Part[], options: MergeOptions): Promise<ProbeManifest> {
  const run = options.out;
  const log = options.log ?? (() => {});
  const firstPass = given.find((p) => p.manifest.nextPassOf === undefined);
  if (firstPass) throw new Error(`part ${firstPass.path} is a first-pass part but others ran a reducer's next pass (probe --next-pass); merge them separately`);
  for (const part of given) {
    if (!samePath(part.manifest.nextPassOf!, run)) throw new Error(`part ${part.path} ran the next pass of ${part.manifest.nextPassOf}, not of --out ${run}; merge it into that run`);
  }
  return withRunLock(run, { command: options.command, log }, async () => {
    const manifest = await readManifest(run);
    const waiting = manifest.pendingPasses ?? [];
    if (waiting.length === 0 || !manifest.provenance) throw new Error(`${run} waits for no reducer pass (its probe.json lists no pendingPasses), so next-pass parts have nothing to complete`);
    const runPart: Part = { path: run, manifest, provenance: manifest.provenance, items: manifest.provenance.items };
    checkPartsAgree([runPart, ...given]);
    const plan = planCoverage(given, options.allowPartial ?? false);
    const covered = JSON.stringify(manifest.merged?.coverage ?? [manifest.provenance.items]);
    if (JSON.stringify(plan.coverage) !== covered) throw new Error(`the next-pass parts cover ${JSON.stringify(plan.coverage)}, but ${run} merged ${covered} in the first pass; the same items must take every pass`);
    const reducers = stateReducers(plan.parts, options.reducer ?? (() => undefined)).filter(({ reducer }) => waiting.some((w) => w.reducer === reducer.name));
    const expectedPass = (name: string) => waiting.find((w) => w.reducer === name)!.pass;
    const backend = await options.backend?.();
    const next: Pick<ProbeManifest, 'pendingPasses' | 'reducerStates'> = { reducerStates: manifest.reducerStates };
    for (const layer of manifest.layers) {
      const nets = layerNets(layer);
      options.onLayerStart?.(layer.name, 1);
      // RUN's moments are complete since the first merge: only the reducers' outputs are written.
      const result = await mergeLayerReducers(run, plan.parts, reducers, { layer: layer.name, nets, samplesPerItem: layer.samplesPerItem, backend }, expectedPass);
      try {
        await writeReducerOutputs(run, layer.name, result.finished);
      } finally {
        for (const { state } of result.finished) await state.dispose?.();
      }
      options.onPartMerged?.(1);
      recordReducerPasses(next, result);
      options.onLayerDone?.(layer.name);
    }
    const completed: ProbeManifest = { ...manifest, reducerStates: next.reducerStates, pendingPasses: next.pendingPasses };
    if (!completed.pendingPasses) delete completed.pendingPasses;
    await writeManifest(run, completed);
    return completed;
  });
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
