// The saved-state file layer (src/probe/snapshot-io.ts StateWriter, StateReader) over a run held in
// memory: layer-cka's state (RUN/layer-cka/) is written by the page's probe and read by its align
// through the same code as on disk. Browser-safe.
import type { StateReader, StateWriter } from '../probe/snapshot-io.js';
import type { RunFileSink } from '../probe/topk-files.js';
import { decodeNpyBytes } from '../report/npy-bytes.js';
import type { MemoryRun } from './memory-run.js';

export function memoryStateWriter(run: MemoryRun): StateWriter {
  return {
    ensureDir: async () => {}, // a run in memory has no folders to make
    npy: async (path, data, shape) => run.writeNpy(path, data, shape),
    json: async (path, value) => run.writeJson(path, value),
  };
}

/** The same, with raw bytes (the top-k patch pictures, src/probe/topk-files.ts). */
export function memoryRunFiles(run: MemoryRun): RunFileSink {
  return { ...memoryStateWriter(run), bytes: async (path, data) => run.write(path, data) };
}

export function memoryStateReader(run: MemoryRun): StateReader {
  const bytes = async (path: string) => {
    const found = await run.read(path);
    if (!found) throw new Error(`${path} is missing from the run`);
    return found;
  };
  return {
    text: async (path) => new TextDecoder().decode(await bytes(path)),
    names: async (dir) => run.filesIn(dir).map(([path]) => path.slice(dir.length + 1)),
    npy: async (path) => decodeNpyBytes(await bytes(path), path),
    exists: (path) => run.contains(path),
  };
}
