// A run directory held in memory: the files the probe and align of the page write, by the same
// paths runPaths builds (so `convergent align` and `report` take the run once it is saved), read
// back by the report (RunFiles) and saved as a .zip or file by file. Browser-safe.
import { encodeNpy, type NpyWritable } from '../run-dir/npy-write.js';
import type { RunFiles } from '../report/run-files.js';

export class MemoryRun implements RunFiles {
  private readonly files = new Map<string, Uint8Array>();

  /** `root`: the run's name, the first component of every path (runPaths(root, ...)). */
  constructor(readonly root: string) {}

  write(path: string, content: Uint8Array | string): void {
    if (path !== this.root && !path.startsWith(`${this.root}/`)) throw new Error(`${path} is outside the run ${this.root}`);
    this.files.set(path, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }

  writeJson(path: string, value: unknown): void {
    // As the CLI writes JSON (src/run-dir/atomic-write.ts writeJsonAtomic): two-space indent and a newline.
    this.write(path, JSON.stringify(value, null, 2) + '\n');
  }

  writeNpy(path: string, data: NpyWritable, shape: readonly number[]): void {
    this.write(path, encodeNpy(data, shape));
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    return this.files.get(path);
  }

  async has(path: string): Promise<boolean> {
    return this.contains(path);
  }

  /** Whether a file, or a folder holding files, is at `path`. */
  contains(path: string): boolean {
    if (this.files.has(path)) return true;
    for (const key of this.files.keys()) if (key.startsWith(`${path}/`)) return true;
    return false;
  }

  /** The files directly in folder `dir` (not in its subfolders), path sorted. */
  filesIn(dir: string): [string, Uint8Array][] {
    return this.entries().filter(([path]) => path.startsWith(`${dir}/`) && !path.slice(dir.length + 1).includes('/'));
  }

  /** Every file, path sorted. */
  entries(): [string, Uint8Array][] {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
