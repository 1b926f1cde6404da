// Everything the report reads from a run, read once: the probe manifest, the summary, the tables
// of the latest align (those its summary.json lists, in its format) and the correlation matrices.
// Pure: the files come through a RunFiles (src/report/run-files.ts), from disk in Node
// (src/report/load.ts) or from memory in the browser (src/study/).
import { fromArrow, fromCSV } from 'arquero';
import { runPaths, type ProbeManifest } from '../run-dir/layout.js';
import type { TableFormat } from '../tables/write.js';
import { type Matrix, matrix } from './matrix.js';
import { decodeNpyBytes } from './npy-bytes.js';
import { readText, type RunFiles } from './run-files.js';

export type Row = Record<string, unknown>;

export interface SummaryJson {
  run: string;
  backend: string;
  probedWith: string;
  nets: { name: string; path: string; accuracy?: number }[];
  methods: string[];
  /** The tables the align wrote, and their format (runs aligned before this record: absent). */
  tables?: { format: TableFormat; names: string[] };
  layers: Row[];
}

export interface NetInfo {
  name: string;
  path: string;
  /** Known accuracy (probe.json nets[].accuracy), as a fraction or percent as written there. */
  accuracy?: number;
}

export interface RunData {
  run: string;
  manifest: ProbeManifest;
  summary: SummaryJson;
  nets: NetInfo[];
  /** Aligned layers, in probe order. */
  layers: string[];
  /** Headline rows (summary.json layers). */
  headline: Row[];
  /** The run's files (top-k records, patches), by the paths runPaths builds. */
  files: RunFiles;
  /** A table of tables/, or undefined when the run has none of that name. */
  table(name: string): Promise<Row[] | undefined>;
  /**
   * Pearson correlation of net a's units (rows) with net b's (columns), from stats/; undefined if
   * missing. Read on every call (a 4096-unit block is 134 MB: callers keep what they need).
   */
  correlation(layer: string, a: string, b: string): Promise<Matrix | undefined>;
  /** Unit counts per net of a layer. */
  units(layer: string): Record<string, number>;
}

const TEXT_COLUMNS = new Set(['layer', 'net', 'net_a', 'net_b', 'net_from', 'net_to', 'metric', 'method']);

/**
 * Reads table `name` of the latest align as row objects: tables/<name>.<format> when `listed` (the
 * align's record in summary.json) names it, undefined when it does not (or the file is gone).
 * Without a record (a run aligned by an older version), the first of .csv, .json, .arrow that exists.
 */
export async function readRunTableFrom(files: RunFiles, run: string, name: string, listed?: SummaryJson['tables']): Promise<Row[] | undefined> {
  const base = `${runPaths.tablesDir(run)}/${name}`;
  if (listed && !listed.names.includes(name)) return undefined;
  const formats: TableFormat[] = listed ? [listed.format] : ['csv', 'json', 'arrow'];
  let rows: Row[] | undefined;
  for (const format of formats) {
    const bytes = await files.read(`${base}.${format}`);
    if (bytes === undefined) continue;
    if (format === 'csv') rows = fromCSV(new TextDecoder().decode(bytes)).objects() as Row[];
    else if (format === 'json') rows = JSON.parse(new TextDecoder().decode(bytes)) as Row[];
    else rows = fromArrow(bytes).objects() as Row[];
    break;
  }
  if (!rows) return undefined;
  if (!Array.isArray(rows)) throw new Error(`${base}: expected a table (an array of rows)`);
  // Names stay names even when they look like numbers ("1"); Arrow may hand back BigInts.
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (TEXT_COLUMNS.has(k) && v !== null && v !== undefined) row[k] = String(v);
      else if (typeof v === 'bigint') row[k] = Number(v);
      else if (v === '') row[k] = null;
    }
  }
  return rows;
}

/** The run `run` whose files `files` reads: probe.json and summary.json must be there. */
export async function runDataFrom(run: string, files: RunFiles): Promise<RunData> {
  const manifestPath = runPaths.manifest(run);
  const manifestText = await readText(files, manifestPath);
  if (manifestText === undefined) throw new Error(`${run} is not a run directory: ${manifestPath} is missing (run \`convergent probe\` first)`);
  const manifest = JSON.parse(manifestText) as ProbeManifest;
  const summaryPath = runPaths.summary(run);
  const summaryText = await readText(files, summaryPath);
  if (summaryText === undefined) throw new Error(`${run} has not been aligned: ${summaryPath} is missing (run \`convergent align ${run}\` first)`);
  const summary = JSON.parse(summaryText) as SummaryJson;
  const headline = (summary.layers ?? []).map((r) => ({ ...r, layer: String(r.layer), net_a: String(r.net_a), net_b: String(r.net_b) }));
  const aligned = new Set(headline.map((r) => r.layer));
  const layers = manifest.layers.map((l) => l.name).filter((name) => aligned.has(name));
  const nets: NetInfo[] = manifest.nets.map((n) => {
    const accuracy = (n as { accuracy?: unknown }).accuracy;
    return { name: n.name, path: n.path, ...(typeof accuracy === 'number' ? { accuracy } : {}) };
  });
  const tables = new Map<string, Promise<Row[] | undefined>>();
  return {
    run,
    manifest,
    summary,
    nets,
    layers,
    headline,
    files,
    table(name) {
      let t = tables.get(name);
      if (!t) tables.set(name, (t = readRunTableFrom(files, run, name, summary.tables)));
      return t;
    },
    async correlation(layer, a, b) {
      const path = `${runPaths.statsDir(run, layer)}/corr.${a}.${b}.npy`;
      const bytes = await files.read(path);
      if (bytes === undefined) return undefined;
      const npy = decodeNpyBytes(bytes, path);
      if (npy.shape.length !== 2) throw new Error(`${path}: expected a matrix, got shape ${JSON.stringify(npy.shape)}`);
      return matrix(npy.shape[0], npy.shape[1], npy.data);
    },
    units(layer) {
      return manifest.layers.find((l) => l.name === layer)?.units ?? {};
    },
  };
}

/** Rows of `rows` for one layer and ordered pair. */
export function pairRows(rows: Row[], layer: string, a: string, b: string, keys: [string, string] = ['net_a', 'net_b']): Row[] {
  return rows.filter((r) => r.layer === layer && r[keys[0]] === a && r[keys[1]] === b);
}

/** The pairs of nets of the headline (net_a, net_b), in order of first appearance. */
export function pairsOf(headline: Row[]): [string, string][] {
  const pairs = new Map<string, [string, string]>();
  for (const r of headline) pairs.set(`${r.net_a}\u0000${r.net_b}`, [String(r.net_a), String(r.net_b)]);
  return [...pairs.values()];
}
