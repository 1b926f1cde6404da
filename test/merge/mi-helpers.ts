// Shared by the merge tests of mi-histograms, a two-pass reducer, over activation files and over
// ONNX models: pass 0 of every part, a merge that leaves pass 1 pending, pass 1 of every part from
// the merged edges (`--next-pass RUN`), the merge that completes the run; then the run compared
// with the single probe: the same histograms, bit for bit, and the same tables after align.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { align } from '../../src/align/align.js';
import { mergeRun } from '../../src/merge/merge-run.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { expectSameTables } from './helpers.js';

const backend = referenceBackend();
const lookup = (name: string) => (name === miHistogramsReducer.name ? miHistogramsReducer : undefined);

export async function alignWithMi(run: string): Promise<void> {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  await align({ run, backend: backend.get(), registry: registry.methods, methods: ['semi', 'bipartite', 'mi'] });
}

/** The two stages of a sharded probe with mi-histograms, `count` parts each, merged into `dir`/merged. */
export async function mergeMiParts(
  dir: string,
  count: number,
  probePart: (out: string, options: { shard: { index: number; count: number }; nextPassFrom?: string }) => Promise<unknown>,
): Promise<string> {
  const run = join(dir, 'merged');
  const part = (pass: number, index: number) => join(dir, `pass${pass}-${index}`);
  const indices = Array.from({ length: count }, (_, k) => k);
  for (const index of indices) await probePart(part(0, index), { shard: { index, count } });
  const first = await mergeRun({ parts: indices.map((k) => part(0, k)), out: run, reducer: lookup, backend: async () => backend.get() });
  expect(first.pendingPasses).toEqual([{ reducer: 'mi-histograms', pass: 1 }]);
  for (const index of indices) await probePart(part(1, index), { shard: { index, count }, nextPassFrom: run });
  const done = await mergeRun({ parts: indices.map((k) => part(1, k)), out: run, reducer: lookup, backend: async () => backend.get() });
  expect(done.pendingPasses ?? []).toEqual([]);
  return run;
}

/**
 * The merged run's histograms (or, `counted` 'mi.', the per-pair MI of a layer counted from binned
 * columns) equal the single run's bit for bit; its tables after align, to 1e-12.
 */
export async function expectSameMiRun(single: string, run: string, layers: string[], counted = 'joint.'): Promise<void> {
  for (const layer of layers) {
    const dirOf = (r: string) => runPaths.reducerDir(r, 'mi-histograms', layer);
    expect(JSON.parse(readFileSync(join(dirOf(run), 'result.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(dirOf(single), 'result.json'), 'utf8')));
    const arrays = readdirSync(dirOf(single)).filter((file) => file.endsWith('.npy'));
    expect(arrays.some((file) => file.startsWith(counted))).toBe(true);
    expect(readdirSync(dirOf(run)).filter((file) => file.endsWith('.npy')).sort()).toEqual(arrays.sort());
    for (const file of arrays) expect(readFileSync(join(dirOf(run), file)).equals(readFileSync(join(dirOf(single), file))), `${layer} ${file}`).toBe(true);
  }
  await alignWithMi(run);
  expectSameTables(single, run, ['summary.csv', 'matches.csv', 'metrics.csv', 'mi_matches.csv', 'units.csv'], 1e-12);
}
