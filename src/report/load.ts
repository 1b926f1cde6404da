// A run directory on disk as the report's RunData (src/report/run-data.ts): the files read with
// node:fs. Node-only; the browser hands the report a run held in memory instead.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { RunFiles } from './run-files.js';
import { type Row, type RunData, type SummaryJson, readRunTableFrom, runDataFrom } from './run-data.js';

export type { NetInfo, Row, RunData, SummaryJson } from './run-data.js';
export { pairRows, pairsOf } from './run-data.js';

/** The run directory's files; an absent file (or folder) reads as undefined. */
export const diskRunFiles: RunFiles = {
  async read(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw error;
    }
  },
  async has(path) {
    return existsSync(path);
  },
};

/** Table `name` of the run's latest align (see readRunTableFrom). */
export function readRunTable(run: string, name: string, listed?: SummaryJson['tables']): Promise<Row[] | undefined> {
  return readRunTableFrom(diskRunFiles, run, name, listed);
}

export function loadRun(run: string): Promise<RunData> {
  return runDataFrom(run, diskRunFiles);
}
