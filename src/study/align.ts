// The align of the web page: the methods on each layer of a run held in memory (src/study/
// memory-run.ts), from the probe's moments and active-image counts, with align's own pieces
// (src/align/layer-methods.ts: layerDataFrom, runLayerMethods, layerBaseTables, layerStatsArrays), and
// stats/, tables/ (CSV) and summary.json written into the run as `convergent align` writes them.
// Methods that need a plugin reducer's output, or every layer at once (layer-cka), are refused:
// the page's probe runs no plugin reducer.
import { table, toCSV } from 'arquero';
import type { Backend } from '../backend/types.js';
import { checkMethodOptions, layerBaseTables, layerDataFrom, layerStatsArrays, methodArrays, methodRunner, runLayerMethods } from '../align/layer-methods.js';
import { methodPlace, type MethodRegistry } from '../align/methods/registry.js';
import type { Method } from '../align/methods/types.js';
import { DEFAULT_MIN_ACTIVE_IMAGES, rareRuleFrom, rareUnitsMessage } from '../align/rare-units.js';
import { checkCorrelationSamples } from '../align/undetermined.js';
import type { ActivationDtype } from '../align/unit-stats.js';
import { decodeNpyBytes } from '../report/npy-bytes.js';
import { activeImagesPath, runPaths, type ProbeManifest } from '../run-dir/layout.js';
import { TableCollector, mergeMethodTables } from '../tables/combine.js';
import { asColumnTable } from '../tables/arquero.js';
import type { Table } from '../tables/types.js';
import { tableNameProblem } from '../tables/write.js';
import type { MemoryRun } from './memory-run.js';

export interface MemoryAlignOptions {
  run: MemoryRun;
  manifest: ProbeManifest;
  backend: Backend;
  registry: MethodRegistry;
  methods: string[];
  methodOptions?: Record<string, Record<string, unknown>>;
  minActiveImages?: number;
  onMethod?: (layer: string, method: string, step: number, steps: number) => void;
  log?: (message: string) => void;
}

/** Why the page cannot run `method`, or undefined when it can. */
export function pageMethodProblem(method: Method): string | undefined {
  if (method.requires?.reducers?.length) return `it needs the probe reducer ${method.requires.reducers.join(', ')}, which the page does not run`;
  if (method.name === 'layer-cka') return 'it compares every layer from its own probe state, which the page does not keep';
  return undefined;
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
    const results = await runLayerMethods(methods, data, runMethod, async () => undefined, (method, mi) => options.onMethod?.(record.name, method.name, li * methods.length + mi, records.length * methods.length));
    for (const [mi, method] of methods.entries()) {
      mergeMethodTables(layerTables, results[mi].tables, methodPlace(method.name, options.registry.origin(method.name), record.name));
      for (const array of methodArrays(statsDir, method, results[mi].arrays, written)) run.writeNpy(array.path, array.data, array.shape);
    }
    collector.addLayer(layerTables);
  }
  for (const [name, t] of collector.entries()) {
    const problem = tableNameProblem(name);
    if (problem) throw new Error(`table name "${name}" ${problem}`);
    run.write(`${runPaths.tablesDir(run.root)}/${name}.csv`, toCSV(asColumnTable(t)));
  }
  const summary = collector.get('summary') ?? table({});
  const tables = { format: 'csv', names: [...collector.entries()].map(([name]) => name) };
  run.writeJson(runPaths.summary(run.root), { run: run.root, backend: options.backend.description, probedWith: manifest.backend, nets: manifest.nets, methods: options.methods, tables, layers: summary.objects() });
  return { summary, tables: collector };
}
