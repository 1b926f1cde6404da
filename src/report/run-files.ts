// How the report reads a run's files: by path (as runPaths builds it), the bytes or undefined when
// the file is absent. On disk in Node (src/report/load.ts), from memory in the browser
// (src/study/memory-run.ts): the sections never touch a file system themselves.
export interface RunFiles {
  read(path: string): Promise<Uint8Array | undefined>;
  /** Whether a file or a folder is at `path`. */
  has(path: string): Promise<boolean>;
}

/** A file's bytes as UTF-8 text, or undefined when it is absent. */
export async function readText(files: RunFiles, path: string): Promise<string | undefined> {
  const bytes = await files.read(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
