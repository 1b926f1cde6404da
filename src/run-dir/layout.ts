// Where everything lives in a run directory. One place, so readers and writers agree.
import { join } from '../platform/node-path.js';

const KEEP = /[A-Za-z0-9_.-]/;

/**
 * A layer, reducer or net name as one path component: every byte outside [A-Za-z0-9._-] (and '%'
 * itself, and a leading '.', so no name is hidden or '.'/'..') is written %XX, as in a URL. The
 * mapping is reversible ({@link decodeName}), so two different names never share a folder:
 * `x fc` -> `x%20fc`, `x/fc` -> `x%2Ffc`, `x_fc` -> `x_fc`.
 */
export function safeName(name: string): string {
  if (name.length === 0) throw new Error('an empty name cannot name a file or folder');
  let out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const c = String.fromCharCode(byte);
    out += byte < 128 && KEEP.test(c) && !(out === '' && c === '.') ? c : percent(byte);
  }
  return out;
}

function percent(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The name a {@link safeName} component stands for. */
export function decodeName(component: string): string {
  return decodeURIComponent(component);
}

/**
 * Refuses names that cannot each have a folder of their own: one whose encoding does not decode
 * back (a broken UTF-16 string), one too long for a file name, and two that differ only in case
 * (they would share one folder on macOS and Windows, where a run directory may be copied).
 */
export function checkPathNames(kind: string, names: string[]): void {
  const byFolded = new Map<string, string>();
  for (const name of names) {
    const component = safeName(name);
    if (decodeName(component) !== name) throw new Error(`${kind} "${name}" is not valid Unicode text and cannot name a folder`);
    if (component.length > 200) throw new Error(`${kind} "${name.slice(0, 60)}..." is too long for a folder name (${component.length} characters as a file name; at most 200)`);
    const folded = component.toLowerCase();
    const other = byFolded.get(folded);
    if (other !== undefined && other !== name) {
      throw new Error(`${kind}s "${other}" and "${name}" differ only in upper/lower case: they would share one folder on case-insensitive file systems (macOS, Windows); rename one`);
    }
    byFolded.set(folded, name);
  }
}

/**
 * Whether `name` can be used as a file name as it stands (table, array and net names): letters,
 * digits, '.', '_' and '-' only, not starting with '.', so that no name reaches outside its folder
 * or is hidden. Each caller words its own refusal, naming what the name is for.
 */
export function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name);
}

/**
 * One of a net's top-k records in the top-k reducer's layer folder (the probe writes them, the
 * report reads them): per unit and slot the image's value, its index in the probe data, and the
 * position (y, x) of the strongest response; `active` is {@link activeImagesPath}.
 */
export function topkRecordPath(topkLayerDir: string, net: string, kind: 'values' | 'items' | 'y' | 'x' | 'active'): string {
  return join(topkLayerDir, `${net}.${kind}.npy`);
}

/** Where the top-k reducer writes a net's per-unit count of active images (probe and align agree on it). */
export function activeImagesPath(topkLayerDir: string, net: string): string {
  return topkRecordPath(topkLayerDir, net, 'active');
}

/** The run directory's own entries: what a probe writes, then what align and report add. */
export const PROBE_ENTRIES = ['probe.json', 'moments', 'reducers', 'blocks', 'layer-cka'];
export const ALIGN_ENTRIES = ['stats', 'tables', 'summary.json'];
export const REPORT_ENTRIES = ['report.html', 'figures', 'views'];
/** A probe's checkpoint folders (src/probe/checkpoint.ts): current, being written, being replaced. */
export const CHECKPOINT_ENTRIES = ['.checkpoint', '.checkpoint-new', '.checkpoint-old'];

export const runPaths = {
  manifest: (run: string) => join(run, 'probe.json'),
  momentsDir: (run: string, layer: string) => join(run, 'moments', safeName(layer)),
  statsDir: (run: string, layer: string) => join(run, 'stats', safeName(layer)),
  tablesDir: (run: string) => join(run, 'tables'),
  reducerDir: (run: string, reducer: string, layer: string) => join(run, 'reducers', safeName(reducer), safeName(layer)),
  /** A reducer's saved state (src/probe/snapshot-io.ts) in a part of a sharded probe, or pending its next pass in a merged run. */
  reducerState: (run: string, reducer: string, layer: string) => join(run, 'reducers', safeName(reducer), safeName(layer), 'state'),
  summary: (run: string) => join(run, 'summary.json'),
  /** `--method layer-cka`: the joint moments (mean.npy, m2.npy), norm sums (norms/) and blocks.json of every (net, layer) (src/probe/layer-cka/). */
  layerCkaDir: (run: string) => join(run, 'layer-cka'),
  /** `probe --blocks B`: block `block`'s saved state `state` (moments, or a reducer's) of `layer` (src/probe/blocks.ts). */
  blockState: (run: string, block: number, layer: string, state: string) => join(run, 'blocks', String(block), safeName(layer), safeName(state)),
  /** Fig. 2's deconvnet views (src/views/), drawn by `report` after align: the folder, replaced with the report's entries. */
  viewsDir: (run: string) => join(run, 'views'),
  /** One unit's views, its top-k images tiled as its patches are (RUN/reducers/topk/<layer>/<net>/<unit>.png). */
  viewPng: (run: string, layer: string, net: string, unit: number) => join(run, 'views', 'units', safeName(layer), safeName(net), `${unit}.png`),
  /** What the views step drew, and why any are missing (src/views/status.ts). */
  viewsStatus: (run: string) => join(run, 'views', 'status.json'),
  /** Held while a command writes into the run (lock.ts). */
  lock: (run: string) => join(run, 'convergent.lock'),
  /** Where a re-probe (--overwrite) or an align writes before its result replaces the old (replace.ts). */
  staging: (run: string, what: 'probe' | 'align') => join(run, `.staging-${what}`),
  /** Where the replaced entries wait to be deleted, once the new ones are in place. */
  replaced: (run: string, what: 'probe' | 'align') => join(run, `.replaced-${what}`),
};

/** What `probe` records about a run, read back by `align`. */
export interface ProbeManifest {
  version: 1;
  created: string;
  command: string;
  backend: string;
  /** accuracy: top-1 on the probe data, when the data has labels and the net classifies (ONNX runs). */
  nets: {
    name: string;
    path: string;
    accuracy?: number;
    /** Items the net classified correctly, of data.judged (kept so that parts can merge the accuracy). */
    correct?: number;
  }[];
  /** ONNX runs: where the items came from, and every item skipped as unreadable. */
  data?: ProbeDataRecord;
  /** Layers whose moments are complete, in probe order. */
  layers: ProbeLayerRecord[];
  /** Layers chosen but not (yet) complete, e.g. after an error. */
  pending: string[];
  reducers: string[];
  /** What fixes the moments (src/probe/provenance.ts); absent in runs probed before it was recorded. */
  provenance?: ProbeProvenance;
  /**
   * Multi-pass reducers of a sharded probe whose next pass is still to run over every shard
   * (`probe --shard K/N --next-pass RUN`): their state at the start of `pass` is in
   * RUN/reducers/<reducer>/<layer>/state/. Absent or empty when the run is complete.
   */
  pendingPasses?: { reducer: string; pass: number }[];
  /** Reducers whose state at the end of `pass` is saved in reducers/<reducer>/<layer>/state/ (parts of a sharded probe). */
  reducerStates?: { reducer: string; pass: number }[];
  /** A part that ran the next pass of the reducers pending in this merged run (`probe --next-pass RUN`). */
  nextPassOf?: string;
  /** A merge of parts: which parts, and (with --allow-partial) the items covered. */
  merged?: { parts: { path: string; items: ItemRange }[]; coverage: ItemRange[]; complete: boolean };
}

/** A file as read by the probe: its bytes and their sha256 (hex). */
export interface FileIdentity {
  path: string;
  bytes: number;
  sha256: string;
}

/** Items [start, end) in the data's order (for ONNX runs, indices within the split). */
export interface ItemRange {
  start: number;
  end: number;
}

export interface ProbeProvenance {
  /** The convergent version (package.json) that probed the run. */
  tool: { name: string; version: string };
  /** Each net's source and identity: the ONNX file, each .npy file of a net directory read, or the .npz. */
  nets: { name: string; source: string; kind: 'onnx' | 'npy-directory' | 'npz'; files: FileIdentity[] }[];
  /** ONNX runs: the data fed to the forward passes. */
  data?: ProvenanceData;
  /** Per layer, per net: the captured ONNX tensor or the activation file (`archive.npz:entry.npy`). */
  layers: { name: string; tensors: Record<string, string> }[];
  /** Every reducer with its options as resolved (defaults filled in). */
  reducers: { name: string; options: Record<string, unknown> }[];
  /** The items this run covers. */
  items: ItemRange;
  /**
   * How the probe cut its batches, as asked (--batch items or --batch-samples; absent: the
   * default, which depends on the layer's units only). The moment kernels round each batch in
   * float32 about its shift, so parts merge into the whole probe's moments exactly only when
   * they cut alike: merge refuses parts that differ here.
   */
  batch?: { items?: number; samples?: number };
  /**
   * A part of a sharded probe (`probe --shard index/count`): of the `items` the whole probe
   * covers (0 .. items - 1), this run covers provenance.items. For activation files whose layers
   * hold different numbers of items, each layer is split by its own count (ProbeLayerRecord.itemRange).
   */
  shard?: { index: number; count: number; items: number };
  /** `probe --blocks B`: the number of blocks whose states are kept (src/probe/blocks.ts). */
  blocks?: number;
}

export interface ProvenanceData {
  /** As named on the command line: 'mnist', a folder or image, an .npy file. */
  source: string;
  split?: string;
  limit?: number;
  /** The (C, H, W) of one item, and the preprocessing that made it (absent for .npy tensors, used as they are). */
  itemShape: number[];
  preprocess?: Record<string, unknown>;
  /** Image files: every item in order with its size. */
  itemList?: { path: string; bytes: number }[];
  /** An .npy tensor: the file's identity. */
  file?: FileIdentity;
}

export interface ProbeLayerRecord {
  name: string;
  /** The layer's items this run covers, when it is a part of a sharded probe (or a merge of parts). */
  itemRange?: ItemRange;
  samples: number;
  items: number;
  samplesPerItem: number;
  units: Record<string, number>;
  sources: Record<string, string>;
  /** Seconds the probe took for this layer; with `secondsShared`, for every layer at once. */
  seconds: number;
  /**
   * ONNX probes run the forward passes of every layer together: `seconds` is then the whole probe
   * loop's, the same on every layer, and the run's probe time is it once, not their sum.
   */
  secondsShared?: boolean;
  /**
   * `probe --blocks B`: the layer's items cut into B contiguous blocks (absolute item indices), each
   * block's state in RUN/blocks/<k>/<layer>/ (src/probe/blocks.ts), for align's jackknife intervals.
   */
  blocks?: ItemRange[];
}

export interface ProbeDataRecord {
  /** 'mnist (held-out 8000:10000)', a directory, or an .npy file. */
  source: string;
  items: number;
  itemShape: number[];
  skipped: { index: number; path: string; reason: string }[];
  /** Items whose class was compared with each net's prediction (the accuracy's denominator). */
  judged?: number;
  /** Per layer and net, the captured ONNX tensor. */
  tensors: Record<string, Record<string, string>>;
}
