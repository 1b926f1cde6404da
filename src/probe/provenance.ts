// What fixes a run's moments, recorded under probe.json's `provenance`: each net's files and their
// sha256, the data (ONNX runs), the layers and their tensors, the reducers with their resolved
// options, the items covered and the tool version. Two runs with equal provenance read the same
// bytes the same way, so their moments agree; `convergent info RUN` prints it.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shardRange, type Shard } from './shard.js';
import type { ImageSource } from '../inputs/data/source.js';
import { resolvePreprocess } from '../inputs/data/preprocess.js';
import type { FileIdentity, ItemRange, ProbeProvenance, ProvenanceData } from '../run-dir/layout.js';
import type { ProbeDataOptions } from './probe-data.js';
import type { Reducer } from './reducers/types.js';

/** sha256 of a file, streamed in 4 MiB reads so a file of any size is never held in memory. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fileIdentity(path: string): Promise<FileIdentity> {
  const { size } = await stat(path);
  return { path, bytes: size, sha256: await sha256File(path) };
}

/** The convergent package's name and version, from the package.json above this file (src/ or dist/src/). */
export function toolVersion(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'convergent' && pkg.version) return { name: pkg.name, version: pkg.version };
    } catch {
      // no package.json here: look one folder up
    }
    const up = dirname(dir);
    if (up === dir) return { name: 'convergent', version: 'unknown' };
    dir = up;
  }
}

/**
 * The record both probes write: the tool version, then the nets, the data (ONNX runs), the layers,
 * the reducers after the built-in 'moments', and the items from 0 (keys in this order in probe.json).
 */
export function probeProvenance(parts: {
  nets: ProbeProvenance['nets'];
  data?: ProvenanceData;
  layers: ProbeProvenance['layers'];
  reducers: ProbeProvenance['reducers'];
  items: number;
  /** The batch as asked (--batch, --batch-samples), when not the default. */
  batch?: ProbeProvenance['batch'];
  /** A part of a sharded probe covers `range` of the `items`, or whole batches of `itemsPerBatch`. */
  shard?: Shard;
  itemsPerBatch?: number;
  range?: ItemRange;
  /** `--blocks B`. */
  blocks?: number;
}): ProbeProvenance {
  return {
    tool: toolVersion(),
    nets: parts.nets,
    ...(parts.data ? { data: parts.data } : {}),
    layers: parts.layers,
    reducers: [{ name: 'moments', options: {} }, ...parts.reducers],
    items: parts.range ?? shardRange(parts.items, parts.shard, parts.itemsPerBatch ?? 1),
    ...(parts.batch && Object.keys(parts.batch).length > 0 ? { batch: parts.batch } : {}),
    ...(parts.shard ? { shard: { index: parts.shard.index, count: parts.shard.count, items: parts.items } } : {}),
    ...(parts.blocks !== undefined ? { blocks: parts.blocks } : {}),
  };
}

/** Plugin reducers with their options as resolved. */
export function pluginReducerRecords(reducers: Reducer[], options: Map<Reducer, Record<string, unknown>>): ProbeProvenance['reducers'] {
  return reducers.map((r) => ({ name: r.name, options: options.get(r) ?? {} }));
}

/** An ONNX net: the model file, from the bytes the probe read (so the file is read once). */
export function onnxNetProvenance(net: { name: string; path: string }, bytes: Uint8Array): ProbeProvenance['nets'][number] {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { name: net.name, source: net.path, kind: 'onnx', files: [{ path: net.path, bytes: bytes.length, sha256 }] };
}

/**
 * A net given as activation files: the .npz archive, or each .npy file of its directory that the
 * probe reads (`layerFiles`, the layers' sources in probe order).
 */
export async function activationNetProvenance(net: { name: string; path: string }, layerFiles: string[]): Promise<ProbeProvenance['nets'][number]> {
  if ((await stat(net.path)).isFile()) return { name: net.name, source: net.path, kind: 'npz', files: [await fileIdentity(net.path)] };
  const files: FileIdentity[] = [];
  for (const file of new Set(layerFiles)) files.push(await fileIdentity(file));
  return { name: net.name, source: net.path, kind: 'npy-directory', files };
}

/**
 * The data of an ONNX run: an .npy tensor by its identity; image files as the ordered list of the
 * first `items` with their sizes; MNIST by its split (its order is fixed by the package). Without
 * `spec` (a library caller that opened the source itself) only the label and the shape are known.
 */
export async function dataProvenance(source: ImageSource, items: number, label: string, spec?: ProbeDataOptions, limit?: number): Promise<ProvenanceData> {
  const record: ProvenanceData = { source: spec?.data ?? label, itemShape: [...source.itemShape] };
  if (spec?.split !== undefined) record.split = spec.split;
  if (limit !== undefined) record.limit = limit;
  if (!spec) return record;
  if (/\.npy$/i.test(spec.data)) {
    record.file = await fileIdentity(spec.data);
    return record;
  }
  record.preprocess = { ...resolvePreprocess(source.itemShape, spec.preprocess) };
  if (spec.data.toLowerCase() !== 'mnist') record.itemList = await itemSizes(source, items);
  return record;
}

/** Each item's file and size, in item order (stat calls 64 at a time). */
async function itemSizes(source: ImageSource, items: number): Promise<{ path: string; bytes: number }[]> {
  const list: { path: string; bytes: number }[] = [];
  for (let start = 0; start < items; start += 64) {
    const paths = Array.from({ length: Math.min(64, items - start) }, (_, k) => source.describe(start + k));
    const sizes = await Promise.all(paths.map((path) => stat(path).then((s) => s.size)));
    paths.forEach((path, k) => list.push({ path, bytes: sizes[k] }));
  }
  return list;
}
