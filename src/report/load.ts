// Everything the report reads from a run directory, read once: the probe manifest, the summary,
// the tables of the latest align (those its summary.json lists, in its format) and the
// correlation matrices.
import { fromArrow, fromCSV } from 'arquero';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy } from '../inputs/npy/npy-read.js';
import { runPaths, type ProbeManifest } from '../run-dir/layout.js';
import type { TableFormat } from '../tables/write.js';
import { type Matrix, matrix } from './matrix.js';

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
  /** A table of tables/, or undefined when the run has none of that name. */
  table(name: string): Promise<Row[] | undefined>;
  /**
   * Pearson correlation of net a's units (rows) with net b's (columns), from stats/; undefined if
   * missing. Read from disk on every call (a 4096-unit block is 134 MB: callers keep what they need).
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
export async function readRunTable(run: string, name: string, listed?: SummaryJson['tables']): Promise<Row[] | undefined> {
  const base = join(runPaths.tablesDir(run), name);
  if (listed && !listed.names.includes(name)) return undefined;
  const formats: TableFormat[] = listed ? [listed.format] : ['csv', 'json', 'arrow'];
  const format = formats.find((f) => existsSync(`${base}.${f}`));
  let rows: Row[] | undefined;
  if (format === 'csv') rows = fromCSV(await readFile(`${base}.csv`, 'utf8')).objects() as Row[];
  else if (format === 'json') rows = JSON.parse(await readFile(`${base}.json`, 'utf8')) as Row[];
  else if (format === 'arrow') rows = fromArrow(new Uint8Array(await readFile(`${base}.arrow`))).objects() as Row[];
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

export async function loadRun(run: string): Promise<RunData> {
  const manifestPath = runPaths.manifest(run);
  if (!existsSync(manifestPath)) throw new Error(`${run} is not a run directory: ${manifestPath} is missing (run \`convergent probe\` first)`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ProbeManifest;
  const summaryPath = runPaths.summary(run);
  if (!existsSync(summaryPath)) throw new Error(`${run} has not been aligned: ${summaryPath} is missing (run \`convergent align ${run}\` first)`);
  const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as SummaryJson;
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
    table(name) {
      let t = tables.get(name);
      if (!t) tables.set(name, (t = readRunTable(run, name, summary.tables)));
      return t;
    },
    async correlation(layer, a, b) {
      const path = join(runPaths.statsDir(run, layer), `corr.${a}.${b}.npy`);
      if (!existsSync(path)) return undefined;
      const npy = await readNpy(path);
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
