// The align of the web page: the methods on each layer of a run held in memory (src/study/
// memory-run.ts), from the probe's moments and active-image counts, with align's own pieces
// (src/align/layer-methods.ts: layerDataFrom, runLayerMethods, layerBaseTables, layerStatsArrays), and
// stats/, tables/ (CSV) and summary.json written into the run as `convergent align` writes them.
// Methods read the probe reducers' outputs (RUN/reducers/<name>/<layer>/, written by the page's
// probe: src/study/reducers.ts) as in `convergent align`, and the chance levels of the `null`
// reducer come from align's own resampling (src/align/resample/resample-layer.ts); layer-cka's
// table comes once after the layers from RUN/layer-cka/ in memory (src/align/layer-cka.ts).
import { table, toCSV } from 'arquero';
import type { Backend } from '../backend/types.js';
import { checkMethodOptions, layerBaseTables, layerDataFrom, layerStatsArrays, methodArrays, methodRunner, runLayerMethods } from '../align/layer-methods.js';
import { methodPlace, type MethodRegistry } from '../align/methods/registry.js';
import type { Method } from '../align/methods/types.js';
import { DEFAULT_MIN_ACTIVE_IMAGES, rareRuleFrom, rareUnitsMessage } from '../align/rare-units.js';
import { checkCorrelationSamples } from '../align/undetermined.js';
import type { ActivationDtype } from '../align/unit-stats.js';
import { resampleLayer, type ResampleRecord } from '../align/resample/resample-layer.js';
import type { Reducer, ReducerOutput } from '../probe/reducers/types.js';
import { decodeNpyBytes } from '../report/npy-bytes.js';
import { activeImagesPath, runPaths, type ProbeManifest } from '../run-dir/layout.js';
import { TableCollector, mergeMethodTables } from '../tables/combine.js';
import { asColumnTable } from '../tables/arquero.js';
import type { Table } from '../tables/types.js';
import { tableNameProblem } from '../tables/write.js';
import type { MemoryRun } from './memory-run.js';
import { memoryStateReader } from './memory-files.js';
import { LAYER_CKA_TABLE, layerCkaTable } from '../align/layer-cka.js';
import { LAYER_CKA } from '../probe/layer-cka/reducer.js';

export interface MemoryAlignOptions {
  run: MemoryRun;
  manifest: ProbeManifest;
  backend: Backend;
  registry: MethodRegistry;
  methods: string[];
  methodOptions?: Record<string, Record<string, unknown>>;
  minActiveImages?: number;
  /** Reducers by name: the per-block states of a run with blocks are merged by their own merge (as `convergent align`). */
  reducer?: (name: string) => Reducer | undefined;
  onMethod?: (layer: string, method: string, step: number, steps: number) => void;
  log?: (message: string) => void;
}

/** Why the page cannot run `method`, or undefined when it can (every built-in runs today; kept for methods that cannot). */
export function pageMethodProblem(_method: Method): string | undefined {
  return undefined;
}

/** RUN/reducers/<name>/<layer>/ of a run in memory, as align reads it from disk (src/align/align.ts readReducerOutput), or undefined if absent. */
export async function memoryReducerOutput(run: MemoryRun, name: string, layer: string): Promise<ReducerOutput | undefined> {
  const dir = runPaths.reducerDir(run.root, name, layer);
  const files = run.filesIn(dir);
  if (files.length === 0) return undefined;
  const output: ReducerOutput = { arrays: {} };
  for (const [path, bytes] of files) {
    const file = path.slice(dir.length + 1);
    if (file.endsWith('.npy')) {
      const array = decodeNpyBytes(bytes, path);
      output.arrays![file.slice(0, -4)] = array as NonNullable<ReducerOutput['arrays']>[string];
    } else if (file === 'result.json') output.json = JSON.parse(new TextDecoder().decode(bytes));
  }
  return output;
}

async function readFile(run: MemoryRun, path: string): Promise<Uint8Array> {
  const bytes = await run.read(path);
  if (!bytes) throw new Error(`${path} is missing from the run`);
  return bytes;
}

export async function alignInMemory(options: MemoryAlignOptions): Promise<{ summary: Table; tables: TableCollector }> {
  const { run, manifest } = options;
  const log = options.log ?? (() => {});
  const methods = options.methods.map((name) => options.registry.get(name));
  for (const method of methods) {
    const problem = pageMethodProblem(method);
    if (problem) throw new Error(`method ${method.name} cannot run in the page: ${problem}; use \`convergent run\``);
  }
  checkMethodOptions(options.registry, options.methods, options.methodOptions);
  const minActiveImages = options.minActiveImages ?? DEFAULT_MIN_ACTIVE_IMAGES;
  const collector = new TableCollector();
  const resampling: Record<string, ResampleRecord> = {};
  const records = manifest.layers;
  for (const [li, record] of records.entries()) {
    const dir = runPaths.momentsDir(run.root, record.name);
    const mean = decodeNpyBytes(await readFile(run, `${dir}/mean.npy`), `${dir}/mean.npy`);
    const m2 = decodeNpyBytes(await readFile(run, `${dir}/m2.npy`), `${dir}/m2.npy`);
    const count = JSON.parse(new TextDecoder().decode(await readFile(run, `${dir}/count.json`))) as { dtype?: Record<string, ActivationDtype> };
    const moments = { n: record.samples, d: mean.shape[0], mean: Float64Array.from(mean.data), m2: Float64Array.from(m2.data) };
    checkCorrelationSamples(record.name, record.samples);
    const topkDir = runPaths.reducerDir(run.root, 'topk', record.name);
    const data = await layerDataFrom(record, manifest.nets, moments, count.dtype ?? {}, async (stats, net) => {
      const bytes = await run.read(activeImagesPath(topkDir, net));
      return bytes ? rareRuleFrom(stats, Int32Array.from(decodeNpyBytes(bytes, activeImagesPath(topkDir, net)).data), minActiveImages) : stats;
    }, dir);
    const rare = rareUnitsMessage(record.name, record.items, data.nets);
    if (rare) log(rare);
    const statsDir = runPaths.statsDir(run.root, record.name);
    const written = layerStatsArrays(statsDir, data).map((array) => {
      run.writeNpy(array.path, array.data, array.shape);
      return array.path;
    });
    const base = layerBaseTables(data);
    const layerTables = new Map<string, Table>([
      ['units', base.units],
      ['summary', base.summary],
    ]);
    const runMethod = methodRunner({ backend: options.backend, methodOptions: options.methodOptions, runDir: run.root, log });
    const reducerOutput = (name: string) => memoryReducerOutput(run, name, record.name);
    const found = await runLayerMethods(methods, data, runMethod, reducerOutput, (method, mi) => options.onMethod?.(record.name, method.name, li * methods.length + mi, records.length * methods.length));
    // Jackknife intervals (blocks) and the null reducer's chance levels, as `convergent align`.
    const resampled = await resampleLayer(
      {
        run: run.root,
        manifest,
        record,
        data,
        dtypes: (count.dtype ?? {}) as Record<string, ActivationDtype>,
        methods,
        runMethod,
        reducerOutput,
        reducer: options.reducer,
        intervals: true,
        log,
        from: memoryStateReader(run),
      },
      found,
    );
    const results = resampled.results;
    if (Object.keys(resampled.record).length > 0) resampling[record.name] = resampled.record;
    for (const [mi, method] of methods.entries()) {
      mergeMethodTables(layerTables, results[mi].tables, methodPlace(method.name, options.registry.origin(method.name), record.name));
      for (const array of methodArrays(statsDir, method, results[mi].arrays, written)) run.writeNpy(array.path, array.data, array.shape);
    }
    collector.addLayer(layerTables);
  }
  // Run-level: layer-cka compares every layer with every other, once (as src/align/align.ts).
  if (options.methods.includes(LAYER_CKA)) {
    const t = await layerCkaTable(run.root, { pool: options.methodOptions?.[LAYER_CKA]?.pool, log: (m) => log(`[${LAYER_CKA}] ${m}`), from: memoryStateReader(run) });
    collector.addLayer(new Map([[LAYER_CKA_TABLE, t]]));
  }
  for (const [name, t] of collector.entries()) {
    const problem = tableNameProblem(name);
    if (problem) throw new Error(`table name "${name}" ${problem}`);
    run.write(`${runPaths.tablesDir(run.root)}/${name}.csv`, toCSV(asColumnTable(t)));
  }
  const summary = collector.get('summary') ?? table({});
  const tables = { format: 'csv', names: [...collector.entries()].map(([name]) => name) };
  run.writeJson(runPaths.summary(run.root), { run: run.root, backend: options.backend.description, probedWith: manifest.backend, nets: manifest.nets, methods: options.methods, tables, layers: summary.objects(), ...(Object.keys(resampling).length > 0 ? { resampling } : {}) });
  return { summary, tables: collector };
}
