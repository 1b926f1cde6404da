// A reducer's saved state on disk: one folder with snapshot.json and one <key>.npy per array.
// Checkpoints (src/probe/checkpoint.ts) and the parts of a sharded probe (read by `merge`) both
// keep reducer states this way. Uint32 arrays (generator states) go to .npy as their int32 bit
// pattern, and snapshot.json says which arrays to read back as Uint32Array.
import { readdir } from '../platform/node-fs-promises.js';
import { join } from '../platform/node-path.js';
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { writeNpy } from '../run-dir/npy-write.js';
import { readNpy, type NpyArray } from '../inputs/npy/npy-read.js';
import type { NpyWritable } from '../run-dir/npy-write.js';
import { isPlainFileName } from '../run-dir/layout.js';
import { readFile } from '../platform/node-fs-promises.js';
import { existsSync } from '../platform/node-fs.js';
import type { ReducerSnapshot } from './reducers/types.js';

const SNAPSHOT_JSON = 'snapshot.json';

/** Where saved states are written: the disk, or a run held in memory (the web page's study, src/study/memory-files.ts). */
export interface StateWriter {
  ensureDir(dir: string): Promise<void>;
  npy(path: string, data: NpyWritable, shape: readonly number[]): Promise<void>;
  json(path: string, value: unknown): Promise<void>;
}

/** Where saved states are read from (as StateWriter). */
export interface StateReader {
  text(path: string): Promise<string>;
  /** The file names in `dir`. */
  names(dir: string): Promise<string[]>;
  npy(path: string): Promise<NpyArray>;
  /** Whether a file or folder is at `path`. */
  exists(path: string): boolean;
}

export const diskStateWriter: StateWriter = { ensureDir: async (dir) => void (await ensureDir(dir)), npy: (path, data, shape) => writeNpy(path, data, shape), json: writeJsonAtomic };
export const diskStateReader: StateReader = { text: (path) => readFile(path, 'utf8'), names: (dir) => readdir(dir), npy: (path) => readNpy(path), exists: (path) => existsSync(path) };

/** Writes `snapshot` into `dir` (created), each file atomically. */
export async function writeReducerSnapshot(dir: string, snapshot: ReducerSnapshot, what: string, to: StateWriter = diskStateWriter): Promise<void> {
  await to.ensureDir(dir);
  const uint32: string[] = [];
  for (const [key, array] of Object.entries(snapshot.arrays)) {
    if (!isPlainFileName(key)) throw new Error(`${what}: array name "${key}" may use letters, digits, '.', '_' and '-' only, not starting with '.'`);
    let data = array.data;
    if (data instanceof Uint32Array) {
      uint32.push(key);
      data = new Int32Array(data.buffer, data.byteOffset, data.length);
    }
    await to.npy(join(dir, `${key}.npy`), data, array.shape);
  }
  await to.json(join(dir, SNAPSHOT_JSON), { json: snapshot.json, arrays: Object.keys(snapshot.arrays), uint32 });
}

/** Reads a snapshot written by writeReducerSnapshot; a missing or damaged file is named. */
export async function readReducerSnapshot(dir: string, from: StateReader = diskStateReader): Promise<ReducerSnapshot> {
  let meta: { json: Record<string, unknown>; arrays: string[]; uint32: string[] };
  const path = join(dir, SNAPSHOT_JSON);
  try {
    meta = JSON.parse(await from.text(path));
  } catch (e) {
    throw new Error(`${path}: cannot read the saved reducer state (${(e as Error).message})`);
  }
  if (!meta || typeof meta !== 'object' || !Array.isArray(meta.arrays) || typeof meta.json !== 'object') throw new Error(`${path}: not a saved reducer state`);
  const present = new Set(await from.names(dir));
  const arrays: ReducerSnapshot['arrays'] = {};
  for (const key of meta.arrays) {
    if (!isPlainFileName(key) || !present.has(`${key}.npy`)) throw new Error(`${dir}: the saved reducer state lists ${key}.npy, which is missing`);
    const { data, shape } = await from.npy(join(dir, `${key}.npy`));
    arrays[key] = { data: (meta.uint32 ?? []).includes(key) ? new Uint32Array(data.buffer, data.byteOffset, data.length) : data, shape };
  }
  return { arrays, json: meta.json };
}
