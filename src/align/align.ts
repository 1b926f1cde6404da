// `align`: reads the moments a probe left, derives per-unit statistics and correlations, runs the
// chosen methods on every layer, and writes stats (.npy), tables and the headline summary.
import { table } from 'arquero';
import type { Table } from '../tables/types.js';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import type { Backend } from '../backend/types.js';
import { readNpy } from '../inputs/npy/npy-read.js';
import { writeNpy } from '../run-dir/npy-write.js';
import type { BatchMoments } from '../kernels/moments/contract.js';
import { methodPlace, type MethodRegistry } from './methods/registry.js';
import type { LayerData, Method, MethodResult } from './methods/types.js';
import type { Reducer, ReducerOutput } from '../probe/reducers/types.js';
import { resampleLayer, type ResampleRecord } from './resample/resample-layer.js';
import { readActivationDtypes } from './activation-dtype.js';
import { checkCorrelationSamples } from './undetermined.js';
import { DEFAULT_MIN_ACTIVE_IMAGES, applyRareUnitRule, checkMinActiveImages, rareUnitsMessage } from './rare-units.js';
import { TableCollector, mergeMethodTables } from '../tables/combine.js';
import { writeTable, type TableFormat } from '../tables/write.js';
import { runPaths, type ProbeLayerRecord, type ProbeManifest } from '../run-dir/layout.js';
import { writeAlignRun } from '../run-dir/replace.js';
import { readManifest } from '../run-dir/manifest.js';
import { LAYER_CKA_TABLE, layerCkaTable } from './layer-cka.js';
import { LAYER_CKA } from '../probe/layer-cka/reducer.js';
import { checkMethodOptions, layerBaseTables, layerDataFrom, layerStatsArrays, methodArrays, methodRunner, runLayerMethods } from './layer-methods.js';

export { readManifest };
export { checkMethodOptions, layerBaseTables, layerDataFrom, layerStatsArrays, methodArrays, methodOptions, methodRunner, runLayerMethods } from './layer-methods.js';

export interface AlignOptions {
  run: string;
  backend: Backend;
  registry: MethodRegistry;
  methods: string[];
  /** Per-method option overrides, keyed by method name. */
  methodOptions?: Record<string, Record<string, unknown>>;
  /** The run's probe.json when the caller has read it already (checking the run before a device opens); read here otherwise. */
  manifest?: ProbeManifest;
  layers?: string[];
  /** Jackknife intervals where the run has blocks or merged parts (default true; src/align/resample/). */
  intervals?: boolean;
  /** Units firing on fewer probe images are left out like dead ones (src/align/rare-units.ts; 0: off). */
  minActiveImages?: number;
  format?: TableFormat;
  log?: (message: string) => void;
  onLayer?: (layer: string, index: number, count: number) => void;
  /** Before each method of each layer: `step` of `steps` (layers x methods) done so far. */
  onMethod?: (layer: string, method: string, step: number, steps: number) => void;
  /** Reducers by name (the registry's): the per-block states of a --blocks run are merged by their own merge. */
  reducer?: (name: string) => Reducer | undefined;
  /** A long method's own progress (MethodContext.progress), e.g. sparse-prediction's units. */
  onMethodProgress?: (done: number, total: number, unit: string) => void;
}

export interface AlignResult {
  tables: TableCollector;
  summary: Table;
  files: string[];
}

export async function loadLayerData(run: string, manifest: ProbeManifest, record: ProbeLayerRecord, minActiveImages = DEFAULT_MIN_ACTIVE_IMAGES): Promise<LayerData> {
  const dir = runPaths.momentsDir(run, record.name);
  const mean = await readNpy(join(dir, 'mean.npy'));
  const m2 = await readNpy(join(dir, 'm2.npy'));
  const d = mean.shape[0];
  if (m2.shape[0] !== d || m2.shape[1] !== d) throw new Error(`${dir}: m2.npy has shape ${JSON.stringify(m2.shape)}, expected [${d}, ${d}]`);
  const moments: BatchMoments = { n: record.samples, d, mean: Float64Array.from(mean.data), m2: Float64Array.from(m2.data) };
  checkCorrelationSamples(record.name, record.samples);
  // The dead-unit rule follows the precision of the activations the probe read.
  const dtypes = await readActivationDtypes(dir);
  const topkDir = runPaths.reducerDir(run, 'topk', record.name);
  return layerDataFrom(record, manifest.nets, moments, dtypes, (stats, net) => applyRareUnitRule(stats, { topkDir, layer: record.name, net }, minActiveImages), dir);
}

async function writeLayerStats(run: string, data: LayerData): Promise<string[]> {
  const dir = runPaths.statsDir(run, data.layer);
  await ensureDir(dir);
  const files: string[] = [];
  // One at a time: a correlation block is computed when its array is reached.
  for (const array of layerStatsArrays(dir, data)) {
    await writeNpy(array.path, array.data, array.shape);
    files.push(array.path);
  }
  return files;
}

/** Refuses, before any work, methods that need a reducer the run was not probed with. */
function checkRequirements(run: string, manifest: ProbeManifest, methods: Method[]): void {
  for (const method of methods) {
    for (const reducer of method.requires?.reducers ?? []) {
      if (manifest.reducers.includes(reducer)) continue;
      throw new Error(
        `method ${method.name} needs the reducer "${reducer}", which run ${run} was not probed with (its reducers: ${manifest.reducers.join(', ')}); ` +
          `re-probe with \`convergent probe ... --reducer ${reducer}\`, or use \`convergent run ... --method ${method.name}\`, which adds it`,
      );
    }
  }
}

/** RUN/reducers/<name>/<layer>/: its .npy arrays and result.json, or undefined if absent. */
export async function readReducerOutput(run: string, name: string, layer: string): Promise<ReducerOutput | undefined> {
  const dir = runPaths.reducerDir(run, name, layer);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return undefined;
  }
  const output: ReducerOutput = { arrays: {} };
  for (const file of entries.sort()) {
    if (file.endsWith('.npy')) output.arrays![file.slice(0, -4)] = await readNpy(join(dir, file));
    else if (file === 'result.json') output.json = JSON.parse(await readFile(join(dir, file), 'utf8'));
  }
  return output;
}

/** A method's arrays, as RUN/stats/<layer>/<key>.npy; never over a file this align wrote for the layer (`taken`, extended here). */
async function writeMethodArrays(run: string, layer: string, method: Method, arrays: MethodResult['arrays'], taken: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const array of methodArrays(runPaths.statsDir(run, layer), method, arrays, taken)) {
    await writeNpy(array.path, array.data, array.shape);
    files.push(array.path);
  }
  return files;
}

export async function align(options: AlignOptions): Promise<AlignResult> {
  const log = options.log ?? (() => {});
  const manifest = options.manifest ?? (await readManifest(options.run));
  if (manifest.pending.length > 0) log(`layers not probed completely (skipped): ${manifest.pending.join(', ')}`);
  let records = manifest.layers;
  if (options.layers && options.layers.length > 0) {
    records = options.layers.map((name) => {
      const r = manifest.layers.find((l) => l.name === name);
      if (!r) throw new Error(`layer "${name}" is not in run ${options.run}; it has: ${manifest.layers.map((l) => l.name).join(', ')}`);
      return r;
    });
  }
  const minActiveImages = checkMinActiveImages(options.minActiveImages ?? DEFAULT_MIN_ACTIVE_IMAGES);
  const methods = options.methods.map((name) => options.registry.get(name));
  checkMethodOptions(options.registry, options.methods, options.methodOptions);
  checkRequirements(options.run, manifest, methods);
  // Inputs checked: the outputs go to a staging folder and replace the previous align's as a whole (replace.ts).
  return writeAlignRun(options.run, { log }, (out) => alignInto(options, manifest, records, methods, minActiveImages, out));
}

/** The align proper: reads the run's moments, writes stats/, tables/ and summary.json into `out`. */
async function alignInto(options: AlignOptions, manifest: ProbeManifest, records: ProbeLayerRecord[], methods: Method[], minActiveImages: number, out: string): Promise<AlignResult> {
  const log = options.log ?? (() => {});
  const collector = new TableCollector();
  const files: string[] = [];
  const resampling: Record<string, ResampleRecord> = {};
  for (let li = 0; li < records.length; li++) {
    const record = records[li];
    options.onLayer?.(record.name, li, records.length);
    const data = await loadLayerData(options.run, manifest, record, minActiveImages);
    const rare = rareUnitsMessage(record.name, record.items, data.nets);
    if (rare) log(rare);
    const statsFiles = await writeLayerStats(out, data);
    files.push(...statsFiles);
    const base = layerBaseTables(data);
    const layerTables = new Map<string, Table>([
      ['units', base.units],
      ['summary', base.summary],
    ]);
    const runMethod = methodRunner({ backend: options.backend, methodOptions: options.methodOptions, runDir: options.run, log, onMethodProgress: options.onMethodProgress });
    const reducerOutput = (name: string) => readReducerOutput(options.run, name, record.name);
    let results = await runLayerMethods(methods, data, runMethod, reducerOutput, (method, mi) => options.onMethod?.(record.name, method.name, li * methods.length + mi, records.length * methods.length));
    // --blocks and the null reducer: intervals and chance levels of the methods cheap enough to repeat.
    const resampled = await resampleLayer(
      {
        run: options.run,
        manifest,
        record,
        data,
        dtypes: await readActivationDtypes(runPaths.momentsDir(options.run, record.name)),
        methods,
        runMethod,
        reducerOutput,
        reducer: options.reducer,
        intervals: options.intervals ?? true,
        log,
        onBlock: (done, total) => options.onMethodProgress?.(done, total, 'jackknife blocks'),
      },
      results,
    );
    results = resampled.results;
    if (Object.keys(resampled.record).length > 0) resampling[record.name] = resampled.record;
    for (const [mi, method] of methods.entries()) {
      mergeMethodTables(layerTables, results[mi].tables, methodPlace(method.name, options.registry.origin(method.name), record.name));
      files.push(...(await writeMethodArrays(out, record.name, method, results[mi].arrays, statsFiles)));
    }
    collector.addLayer(layerTables);
  }
  // Run-level: layer-cka compares every layer with every other, once (src/align/layer-cka.ts).
  if (options.methods.includes(LAYER_CKA)) {
    const t = await layerCkaTable(options.run, { pool: options.methodOptions?.[LAYER_CKA]?.pool, log: (m) => log(`[${LAYER_CKA}] ${m}`) });
    collector.addLayer(new Map([[LAYER_CKA_TABLE, t]]));
  }
  const tablesDir = runPaths.tablesDir(out);
  await ensureDir(tablesDir);
  const format = options.format ?? 'csv';
  for (const [name, t] of collector.entries()) {
    if (name === 'summary') continue;
    files.push(await writeTable(t, join(tablesDir, name), format));
  }
  const summary = collector.get('summary') ?? table({});
  files.push(await writeTable(summary, join(tablesDir, 'summary'), format));
  // `tables` lists this align's tables: the report reads these and nothing else.
  const tables = { format, names: [...collector.entries()].map(([name]) => name) };
  await writeJsonAtomic(runPaths.summary(out), { run: options.run, backend: options.backend.description, probedWith: manifest.backend, nets: manifest.nets, methods: options.methods, tables, layers: summary.objects(), ...(Object.keys(resampling).length > 0 ? { resampling } : {}) });
  files.push(runPaths.summary(out));
  return { tables: collector, summary, files: files.map((f) => join(options.run, relative(out, f))) };
}
