// The leave-one-block-out states of a layer probed with --blocks B: for each block j, the joint
// moments of every other block, and the per-block reducers' states merged likewise.
//
// The total of all blocks is merged once (pairwise float64, Chan et al.); each leave-one-out state
// is that total with block j taken out by the inverse of the same update,
//   n' = n - n_j,  mean' = (n mean - n_j mean_j) / n',  M2' = M2 - M2_j - (n_j n' / n) d d',  d = mean_j - mean',
// written over block j's own arrays: so two D x D states are held, never more, and the work is
// O(B) merges rather than the O(B^2) of merging B - 1 blocks for each j.
import type { BatchMoments } from '../../kernels/moments/contract.js';
import { emptyMoments, mergeMomentsInto } from '../../kernels/moments/merge.js';
import { momentsFromSnapshot } from '../../probe/checkpoint.js';
import type { Reducer, ReducerLayer, ReducerOutput, ReducerSnapshot } from '../../probe/reducers/types.js';
import { diskStateReader, readReducerSnapshot, type StateReader } from '../../probe/snapshot-io.js';
import { runPaths, type ProbeLayerRecord, type ProbeManifest } from '../../run-dir/layout.js';
import { readNpy } from '../../inputs/npy/npy-read.js';
// Through the platform shims: the page's align (src/study/align.ts) reaches this module for the
// chance levels, and only a --blocks run or a merge of parts reads files here.
import { existsSync } from '../../platform/node-fs.js';
import { readFile } from '../../platform/node-fs-promises.js';
import { join } from '../../platform/node-path.js';

/** One block's moments as saved by the probe, with the shift added back to the mean. */
export async function readBlockMoments(run: string, layer: string, block: number, from: StateReader = diskStateReader): Promise<BatchMoments> {
  const dir = runPaths.blockState(run, block, layer, 'moments');
  const s = momentsFromSnapshot(await readReducerSnapshot(dir, from), dir);
  const mean = Float64Array.from(s.mean);
  if (s.shift) for (let i = 0; i < s.d; i++) mean[i] += s.shift[i];
  return { n: s.n, d: s.d, mean, m2: s.m2 };
}

/** A part's final moments of a layer (moments/<layer>/: mean.npy, m2.npy, count.json). */
async function readPartMoments(part: string, layer: string): Promise<BatchMoments> {
  const dir = runPaths.momentsDir(part, layer);
  const mean = (await readNpy(join(dir, 'mean.npy'))).data;
  const m2 = (await readNpy(join(dir, 'm2.npy'))).data;
  const { samples } = JSON.parse(await readFile(join(dir, 'count.json'), 'utf8')) as { samples: number };
  return { n: samples, d: mean.length, mean: Float64Array.from(mean), m2: m2 instanceof Float64Array ? m2 : Float64Array.from(m2) };
}

/** One block of a layer: its items, its moments, and where a reducer's state of it is saved. */
export interface BlockSource {
  index: number;
  items: number;
  moments(): Promise<BatchMoments>;
  reducerState(name: string): string;
}

/**
 * The blocks of a layer: those of `probe --blocks B` that hold data (a block whose images were all
 * skipped has no files), or, for a merge of the parts of a sharded probe, its parts, when they are
 * all still where the merge read them. `note` says why there are none.
 */
export function layerBlocks(run: string, manifest: ProbeManifest, record: ProbeLayerRecord, from: StateReader = diskStateReader): { blocks: BlockSource[]; note?: string } {
  if (record.blocks) {
    const blocks = record.blocks
      .map((range, index) => ({ index, items: range.end - range.start, moments: () => readBlockMoments(run, record.name, index, from), reducerState: (name: string) => runPaths.blockState(run, index, record.name, name) }))
      .filter(({ index }) => from.exists(runPaths.blockState(run, index, record.name, 'moments')));
    return { blocks };
  }
  const parts = manifest.merged?.parts ?? [];
  if (parts.length < 2) return { blocks: [] };
  const missing = parts.filter((p) => !existsSync(runPaths.momentsDir(p.path, record.name)));
  if (missing.length > 0) return { blocks: [], note: `the merged parts are its blocks, but ${missing.map((p) => p.path).join(', ')} ${missing.length === 1 ? 'is' : 'are'} no longer there (paths as given to merge, from the directory it ran in)` };
  return {
    blocks: parts.map((p, index) => ({ index, items: p.items.end - p.items.start, moments: () => readPartMoments(p.path, record.name), reducerState: (name: string) => runPaths.reducerState(p.path, name, record.name) })),
  };
}

/** Moments with block `b` taken out of `total`, written into b's arrays (b is not used again). */
export function removeBlock(total: BatchMoments, b: BatchMoments): BatchMoments {
  const d = total.d;
  if (b.d !== d) throw new Error(`cannot take a block of ${b.d} units out of moments of ${d}`);
  const n = total.n - b.n;
  if (n <= 0) throw new Error(`a block of ${b.n} samples cannot leave the ${total.n} of the total`);
  const factor = (b.n * n) / total.n;
  const delta = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const mean = (total.n * total.mean[i] - b.n * b.mean[i]) / n;
    delta[i] = b.mean[i] - mean;
    b.mean[i] = mean;
  }
  for (let i = 0; i < d; i++) {
    const row = i * d;
    const di = delta[i] * factor;
    for (let j = 0; j < d; j++) b.m2[row + j] = total.m2[row + j] - b.m2[row + j] - di * delta[j];
  }
  b.n = n;
  return b;
}

/** A copy of a snapshot (a reducer's merge may build its result in its first argument's arrays). */
function cloneSnapshot(s: ReducerSnapshot): ReducerSnapshot {
  const arrays: ReducerSnapshot['arrays'] = {};
  for (const [k, a] of Object.entries(s.arrays)) arrays[k] = { data: a.data.slice(), shape: [...a.shape] };
  return { arrays, json: structuredClone(s.json) };
}

export interface LeaveOneOut {
  /** The block left out. */
  block: number;
  /** Its items. */
  items: number;
  moments: BatchMoments;
  /** The per-block reducers' outputs over every other block (undefined for a reducer the blocks did not keep). */
  reducerOutput(name: string): Promise<ReducerOutput | undefined>;
}

/** Each leave-one-block-out state of the layer in turn (each valid until the next is asked for). */
export async function* leaveOneBlockOut(blocks: BlockSource[], reducers: { reducer: Reducer; layer: ReducerLayer }[], from: StateReader = diskStateReader): AsyncGenerator<LeaveOneOut> {
  if (blocks.length < 2) return;
  let total: BatchMoments | undefined;
  for (const block of blocks) {
    const b = await block.moments();
    total ??= emptyMoments(b.d);
    mergeMomentsInto(total, b);
  }
  // A reducer's block states are read when a method first asks for its output, and kept: the
  // per-block reducers' states are small (sums per net), merged B - 1 at a time for each j.
  const states = new Map<string, ReducerSnapshot[] | undefined>();
  const statesOf = async (name: string) => {
    if (!states.has(name)) {
      const saved: ReducerSnapshot[] = [];
      for (const block of blocks) {
        const dir = block.reducerState(name);
        if (!from.exists(dir)) break;
        saved.push(await readReducerSnapshot(dir, from));
      }
      states.set(name, saved.length === blocks.length ? saved : undefined);
    }
    return states.get(name);
  };
  for (let j = 0; j < blocks.length; j++) {
    const moments = removeBlock(total!, await blocks[j].moments());
    yield {
      block: blocks[j].index,
      items: blocks[j].items,
      moments,
      reducerOutput: async (name) => {
        const entry = reducers.find((r) => r.reducer.name === name);
        const saved = entry ? await statesOf(name) : undefined;
        if (!saved || !entry) return undefined;
        const { reducer, layer } = entry;
        let merged: ReducerSnapshot | undefined;
        for (let k = 0; k < saved.length; k++) {
          if (k === j) continue;
          merged = merged ? reducer.merge!({ ...layer, samples: moments.n }, merged, saved[k]) : cloneSnapshot(saved[k]);
        }
        const state = reducer.restore!({ ...layer, samples: moments.n }, merged!);
        try {
          return await state.finish();
        } finally {
          await state.dispose?.();
        }
      },
    };
  }
}
