// `convergent merge PART... --out RUN`: the parts of a sharded probe into one run, equal to the
// single probe over all their items. Every check comes first (the parts finished and agreeing,
// their ranges without overlap or gap, the reducers mergeable, the data for the patches
// readable), then RUN is written under its lock layer by layer: the moments, the plugin reducers'
// states (finished, or moved on to their next pass), the top-k records and patches; probe.json
// last, so that a merge that fails or is killed leaves no run that looks complete (into an
// existing run, with --overwrite, it is staged and swapped in whole: src/run-dir/replace.ts).
// Parts of a reducer's next pass (`probe --next-pass RUN`) complete RUN instead: merge-next-pass.ts.
import type { Backend } from '../backend/types.js';
import type { ImageSource } from '../inputs/data/source.js';
import { writeLayerState, writeManifest } from '../probe/probe.js';
import type { Reducer } from '../probe/reducers/types.js';
import type { ProbeManifest } from '../run-dir/layout.js';
import { writeProbeRun } from '../run-dir/replace.js';
import { planCoverage } from './coverage.js';
import { mergeLayerMoments } from './merge-moments.js';
import { mergeNextPass } from './merge-next-pass.js';
import { mergeLayerReducers, recordReducerPasses, stateReducers, type LayerReducers } from './merge-reducers.js';
import { mergeLayerTopK } from './merge-topk.js';
import { mergedLayerRecord, mergedManifest } from './merged-manifest.js';
import { checkPartsAgree } from './part-agreement.js';
import { layerNets, layerRecord, readParts, type Part } from './parts.js';
import { openPatchData } from './patch-data.js';

export interface MergeOptions {
  /** The parts' run directories, in any order. */
  parts: string[];
  out: string;
  /** Merge parts that leave gaps, recording the items covered (probe.json `merged`). */
  allowPartial?: boolean;
  /** Replace a run already in `out` (staged: the old run stays until the merge is complete). */
  overwrite?: boolean;
  /** Draw the merged top-k patches from the data (default true); false keeps just the records. */
  patches?: boolean;
  /** The reducer of a name (the plugin registry), for the parts' plugin reducers. */
  reducer?: (name: string) => Reducer | undefined;
  /** Opens a backend, for reducers that need one to restore or finish (called at most once, only then). */
  backend?: () => Promise<Backend>;
  command?: string;
  log?: (message: string) => void;
  /** A layer begins (`parts` moment files to merge), a part of it is merged, the layer is written. */
  onLayerStart?: (layer: string, parts: number) => void;
  onPartMerged?: (done: number) => void;
  onLayerDone?: (layer: string) => void;
}

export async function mergeRun(options: MergeOptions): Promise<ProbeManifest> {
  const log = options.log ?? (() => {});
  const given = await readParts(options.parts);
  if (given.some((p) => p.manifest.nextPassOf !== undefined)) return mergeNextPass(given, options);
  checkPartsAgree(given);
  const plan = planCoverage(given, options.allowPartial ?? false);
  if (!plan.complete) log(`merging a partial probe: ${plan.coverage.map((r) => `items ${r.start}..${r.end - 1}`).join(', ')} of ${plan.total} (recorded in probe.json \`merged\`)`);
  const { parts } = plan;
  const reducers = stateReducers(parts, options.reducer ?? (() => undefined));
  const topk = parts[0].provenance.reducers.some((r) => r.name === 'topk');
  const patches = topk && (options.patches ?? true);
  const data = parts[0].provenance.data;
  if (patches && !data) throw new Error(`the parts record no data (provenance.data), so the merged top-k patches cannot be drawn; pass --no-patches`);
  // Every check is done; the data (for patches) and a backend (for reducers) are opened before RUN is touched.
  const source = patches ? await openPatchData({ ...parts[0].provenance, data: data! }) : undefined;
  try {
    const backend = reducers.length > 0 ? await options.backend?.() : undefined;
    const manifest = mergedManifest(plan, { command: options.command, patches, log });
    return await writeProbeRun(options.out, { overwrite: options.overwrite, command: options.command, log }, async (dir) => {
      for (const layer of parts[0].manifest.layers) {
        recordReducerPasses(manifest, await mergeLayer(dir, parts, layer.name, { reducers, backend, topk, source, options }));
        manifest.layers.push(mergedLayerRecord(parts.map((p) => layerRecord(p, layer.name)), plan.complete));
      }
      // Last: the run is complete once probe.json names its layers.
      await writeManifest(dir, manifest);
      return manifest;
    });
  } finally {
    await source?.close();
  }
}

/** One layer of every part into `dir`: moments, plugin reducers, top-k. */
async function mergeLayer(
  dir: string,
  parts: Part[],
  layer: string,
  context: { reducers: { reducer: Reducer; options: Record<string, unknown> }[]; backend?: Backend; topk: boolean; source?: ImageSource; options: MergeOptions },
): Promise<LayerReducers> {
  const { options } = context;
  const record = layerRecord(parts[0], layer);
  const nets = layerNets(record);
  options.onLayerStart?.(layer, parts.length);
  const moments = await mergeLayerMoments(parts, layer, nets, options.onPartMerged);
  const reducers = await mergeLayerReducers(dir, parts, context.reducers, { layer, nets, samplesPerItem: record.samplesPerItem, backend: context.backend });
  try {
    await writeLayerState(dir, layer, nets, moments, reducers.finished);
  } finally {
    for (const { state } of reducers.finished) await state.dispose?.();
  }
  if (context.topk) await mergeLayerTopK(parts, layer, nets.map((n) => n.name), dir, context.source);
  options.onLayerDone?.(layer);
  return reducers;
}
