// A probe's checkpoint: its whole state at a batch boundary (every layer's moments, every
// reducer's state, the position in the data, the counters), in RUN/.checkpoint/, so that
// `probe --resume` continues after SIGINT, SIGKILL or a power cut as if never stopped: the same
// batches meet the same state, so the result is the uninterrupted run's, bit for bit.
//
// Atomic as a whole: a new checkpoint is written into RUN/.checkpoint-new/ (every file flushed,
// meta.json last, so a complete folder is one with meta.json), then it replaces the old one by two
// renames (old -> .checkpoint-old, new -> .checkpoint). A hard kill at any moment leaves one
// complete checkpoint findable: .checkpoint, else a complete .checkpoint-new, else .checkpoint-old.
//
// Each state is a ReducerSnapshot (src/probe/snapshot-io.ts) in <layer>/<state>/: the moments
// (`moments`), the top-k of each net (`topk.<net>`), each reducer (its name).
import { existsSync, renameSync, rmSync } from '../platform/node-fs.js';
import { readFile } from '../platform/node-fs-promises.js';
import { join } from '../platform/node-path.js';
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { fsError } from '../run-dir/fs-error.js';
import { CHECKPOINT_ENTRIES, safeName, type ProbeProvenance } from '../run-dir/layout.js';
import type { MomentsSnapshot } from './layer-accumulator.js';
import type { ReducerSnapshot } from './reducers/types.js';
import type { TopKRecord } from './reducers/topk.js';
import { readReducerSnapshot, writeReducerSnapshot } from './snapshot-io.js';

const [CURRENT, NEW, OLD] = CHECKPOINT_ENTRIES;
const META = 'meta.json';

export interface CheckpointMeta {
  version: 1;
  /** When it was written (ISO time). */
  written: string;
  /** The probe's provenance, its batch size included: a resume must have the same (src/probe/provenance-diff.ts). */
  provenance: ProbeProvenance;
  /** Where the probe was: its own fields (items done, pass, layer, counters). */
  position: Record<string, unknown>;
  /** Per layer, the names of the states saved for it. */
  layers: { name: string; states: string[] }[];
}

export interface CheckpointLayer {
  name: string;
  states: { name: string; snapshot: ReducerSnapshot }[];
}

/** Writes a checkpoint of `layers` and replaces the previous one; see the top of this file. */
export async function writeCheckpoint(run: string, meta: Omit<CheckpointMeta, 'version' | 'written' | 'layers'>, layers: CheckpointLayer[]): Promise<void> {
  const dir = join(run, NEW);
  rmSync(dir, { recursive: true, force: true });
  await ensureDir(dir);
  for (const layer of layers) {
    for (const state of layer.states) {
      await writeReducerSnapshot(join(dir, safeName(layer.name), safeName(state.name)), state.snapshot, `checkpoint of layer ${layer.name}, ${state.name}`);
    }
  }
  const full: CheckpointMeta = { version: 1, written: new Date().toISOString(), ...meta, layers: layers.map((l) => ({ name: l.name, states: l.states.map((s) => s.name) })) };
  await writeJsonAtomic(join(dir, META), full);
  const current = join(run, CURRENT);
  const old = join(run, OLD);
  rmSync(old, { recursive: true, force: true });
  try {
    if (existsSync(current)) renameSync(current, old);
    renameSync(dir, current);
  } catch (e) {
    throw fsError('replace the checkpoint', current, e);
  }
  rmSync(old, { recursive: true, force: true });
}

/** The folder of the newest complete checkpoint in `run`, if any. */
function findCheckpoint(run: string): string | undefined {
  for (const name of [CURRENT, NEW, OLD]) {
    const dir = join(run, name);
    if (existsSync(join(dir, META))) return dir;
  }
  return undefined;
}

export function hasCheckpoint(run: string): boolean {
  return findCheckpoint(run) !== undefined;
}

/** Reads the newest complete checkpoint (meta and every state), or undefined when there is none. */
export async function readCheckpoint(run: string): Promise<{ meta: CheckpointMeta; layers: CheckpointLayer[] } | undefined> {
  const dir = findCheckpoint(run);
  if (!dir) return undefined;
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as CheckpointMeta;
  } catch (e) {
    throw new Error(`${join(dir, META)}: cannot read the checkpoint (${(e as Error).message}); delete ${dir} to start the probe again`);
  }
  if (meta.version !== 1) throw new Error(`${join(dir, META)}: checkpoint version ${meta.version} is not one this convergent reads`);
  const layers: CheckpointLayer[] = [];
  for (const layer of meta.layers) {
    const states = [];
    for (const name of layer.states) states.push({ name, snapshot: await readReducerSnapshot(join(dir, safeName(layer.name), safeName(name))) });
    layers.push({ name: layer.name, states });
  }
  return { meta, layers };
}

/** Removes every checkpoint folder (the probe is complete). */
export function removeCheckpoint(run: string): void {
  for (const name of CHECKPOINT_ENTRIES) rmSync(join(run, name), { recursive: true, force: true });
}

/** A LayerAccumulator's snapshot as a saved state (arrays are the accumulator's own, not copied). */
export function momentsToSnapshot(m: MomentsSnapshot): ReducerSnapshot {
  return {
    arrays: { mean: { data: m.mean, shape: [m.d] }, m2: { data: m.m2, shape: [m.d, m.d] }, ...(m.shift ? { shift: { data: m.shift, shape: [m.d] } } : {}) },
    json: { n: m.n, d: m.d, feed: m.feed, dtypes: m.dtypes },
  };
}

export function momentsFromSnapshot(s: ReducerSnapshot, what: string): MomentsSnapshot {
  const f64 = (key: string) => {
    const a = s.arrays[key]?.data;
    if (!(a instanceof Float64Array)) throw new Error(`${what}: the saved moments lack ${key} in float64`);
    return a;
  };
  const json = s.json as { n: number; d: number; feed: MomentsSnapshot['feed']; dtypes: MomentsSnapshot['dtypes'] };
  return { n: json.n, d: json.d, mean: f64('mean'), m2: f64('m2'), shift: s.arrays.shift ? f64('shift') : null, feed: json.feed, dtypes: json.dtypes };
}

/** How often a probe checkpoints: after so many seconds (the default, 5 minutes) or batches. */
export type CheckpointEvery = { seconds: number } | { batches: number };

export const DEFAULT_CHECKPOINT_EVERY: CheckpointEvery = { seconds: 300 };

/**
 * `--checkpoint-every`: `90s`, `5m`, `1h`, a bare number of seconds, `N batches` (`1batch`, `20batches`:
 * for tests and for batches that take minutes each), or `0` / `off` for none.
 */
export function parseCheckpointEvery(text: string): CheckpointEvery | undefined {
  const t = text.trim().toLowerCase();
  if (t === '0' || t === 'off' || t === 'no' || t === 'none') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|batch|batches)?$/.exec(t);
  const value = m ? Number(m[1]) : NaN;
  if (!m || !(value > 0)) throw new Error(`--checkpoint-every takes a duration (90s, 5m, 1h, or seconds), a number of batches (20batches), or 0 for none; got "${text}"`);
  const unit = m[2] ?? 's';
  if (unit.startsWith('batch')) {
    if (!Number.isInteger(value)) throw new Error(`--checkpoint-every: a whole number of batches, got "${text}"`);
    return { batches: value };
  }
  return { seconds: value * (unit.startsWith('h') ? 3600 : unit.startsWith('m') ? 60 : 1) };
}

/** Says after each batch whether a checkpoint is due. */
export class CheckpointClock {
  private lastTime = Date.now();
  private batches = 0;
  constructor(private readonly every: CheckpointEvery | undefined) {}
  /** A batch was reduced: true when a checkpoint is due now (the clock then restarts). */
  batchDone(): boolean {
    if (!this.every) return false;
    this.batches++;
    const due = 'batches' in this.every ? this.batches >= this.every.batches : Date.now() - this.lastTime >= this.every.seconds * 1000;
    if (due) {
      this.batches = 0;
      this.lastTime = Date.now();
    }
    return due;
  }
}

/** A net's top-k record (src/probe/reducers/topk.ts) as a saved state. */
export function topkToSnapshot(r: TopKRecord): ReducerSnapshot {
  const shape = [r.values.length];
  return {
    arrays: { values: { data: r.values, shape }, items: { data: r.items, shape }, ys: { data: r.ys, shape }, xs: { data: r.xs, shape }, active: { data: r.activeItems, shape: [r.activeItems.length] } },
    json: { itemsSeen: r.itemsSeen },
  };
}

export function topkFromSnapshot(s: ReducerSnapshot, what: string): TopKRecord {
  const get = <T>(key: string, type: new (...args: never[]) => T): T => {
    const a = s.arrays[key]?.data;
    if (!(a instanceof type)) throw new Error(`${what}: the saved top-k lacks ${key}`);
    return a;
  };
  return { values: get('values', Float32Array), items: get('items', Int32Array), ys: get('ys', Int32Array), xs: get('xs', Int32Array), activeItems: get('active', Int32Array), itemsSeen: Number(s.json.itemsSeen) };
}
