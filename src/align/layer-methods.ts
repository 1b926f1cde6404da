// Align's work on one layer, without files: the LayerData from joint moments and unit stats, the
// methods run on it (options resolved, table names checked), and the tables and arrays it gives.
// `convergent align` (src/align/align.ts) reads the moments from a run directory and writes what
// this returns; the web page's study (src/study/align.ts) does the same with a run held in memory.
import { table } from 'arquero';
import type { Backend } from '../backend/types.js';
import type { BatchMoments } from '../kernels/moments/contract.js';
import { join } from '../platform/node-path.js';
import type { ReducerOutput } from '../probe/reducers/types.js';
import type { NpyWritable } from '../run-dir/npy-write.js';
import { isPlainFileName, type ProbeLayerRecord } from '../run-dir/layout.js';
import { tableFromColumns } from '../tables/arquero.js';
import type { Table } from '../tables/types.js';
import { tableNameProblem } from '../tables/write.js';
import { resolveOptions } from '../util/option-spec.js';
import { checkFiniteMoments } from './finite-moments.js';
import { makeLayerData } from './layer-data.js';
import type { MethodRegistry } from './methods/registry.js';
import type { LayerData, Method, MethodResult, NetLayer } from './methods/types.js';
import { countFlags, rareCount, unitFlags, type RareRuleStats } from './rare-units.js';
import type { RunMethod } from './resample/resample-layer.js';
import { unitStats, type ActivationDtype, type UnitStats } from './unit-stats.js';

/**
 * A layer's LayerData from its joint moments (loaded by loadLayerData, or held in memory by the
 * browser's study, src/study/): per-net unit stats, then `rareRule` (the rare-unit rule: units
 * firing on too few images join the dead ones in stats.dead, the mask every method leaves out).
 * `where` names the moments in errors.
 */
export async function layerDataFrom(
  record: ProbeLayerRecord,
  netsInOrder: { name: string }[],
  moments: BatchMoments,
  dtypes: Record<string, ActivationDtype | undefined>,
  rareRule: (stats: UnitStats, net: string) => Promise<RareRuleStats>,
  where: string,
): Promise<LayerData> {
  const nets: NetLayer[] = [];
  let offset = 0;
  for (const net of netsInOrder) {
    const units = record.units[net.name];
    const stats = await rareRule(unitStats(moments, offset, units, dtypes[net.name]), net.name);
    nets.push({ name: net.name, units, offset, stats });
    offset += units;
  }
  if (offset !== moments.d) throw new Error(`${where}: moments cover ${moments.d} units but the nets have ${offset}`);
  checkFiniteMoments(moments, nets, where);
  return makeLayerData(record.name, record.samples, nets, moments, record.items);
}

export function methodOptions(method: Method, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  return resolveOptions(`method ${method.name}`, method.options, overrides);
}

/**
 * Refuses, before any work, option values the methods would refuse once running: undeclared
 * options and non-numbers (resolveOptions), and out-of-range values (each method's checkOptions,
 * where it has one). `convergent run` calls it before probing; align calls it itself.
 */
export function checkMethodOptions(registry: MethodRegistry, methods: string[], overrides: Record<string, Record<string, unknown>> | undefined): void {
  for (const name of methods) {
    const method = registry.get(name);
    method.checkOptions?.(methodOptions(method, overrides?.[name]));
  }
}

/** The units table and the base summary (unit and dead counts) of one layer. */
export function layerBaseTables(data: LayerData): { units: Table; summary: Table } {
  const units = { layer: [] as string[], net: [] as string[], unit: [] as number[], mean: [] as number[], std: [] as number[], dead: [] as boolean[], rare: [] as boolean[], active_images: [] as (number | null)[] };
  for (const net of data.nets) {
    for (let u = 0; u < net.units; u++) {
      units.layer.push(data.layer);
      units.net.push(net.name);
      units.unit.push(u);
      units.mean.push(net.stats.mean[u]);
      units.std.push(net.stats.std[u]);
      const flags = unitFlags(net.stats, u);
      units.dead.push(flags.dead);
      units.rare.push(flags.rare);
      units.active_images.push(flags.activeImages);
    }
  }
  const summary = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], samples: [] as number[], units_a: [] as number[], units_b: [] as number[], dead_a: [] as number[], dead_b: [] as number[], rare_a: [] as (number | null)[], rare_b: [] as (number | null)[] };
  for (const [a, b] of data.pairs) {
    summary.layer.push(data.layer);
    summary.net_a.push(data.nets[a].name);
    summary.net_b.push(data.nets[b].name);
    summary.samples.push(data.samples);
    summary.units_a.push(data.nets[a].units);
    summary.units_b.push(data.nets[b].units);
    summary.dead_a.push(countFlags(data.nets[a].stats).dead);
    summary.dead_b.push(countFlags(data.nets[b].stats).dead);
    // Null, not 0, where the rare-unit rule did not apply (no per-image counts: runs from activation files).
    summary.rare_a.push(rareCount(data.nets[a].stats));
    summary.rare_b.push(rareCount(data.nets[b].stats));
  }
  return { units: table(units), summary: table(summary) };
}

/** The arrays align writes to RUN/stats/<layer>/ (in `dir`): each net's unit means and stds, and every correlation block. */
export function layerStatsArrays(dir: string, data: LayerData): { path: string; data: Float64Array; shape: number[] }[] {
  const arrays: { path: string; data: Float64Array; shape: number[] }[] = [];
  for (const net of data.nets) {
    arrays.push({ path: join(dir, `${net.name}.mean.npy`), data: net.stats.mean, shape: [net.units] });
    arrays.push({ path: join(dir, `${net.name}.std.npy`), data: net.stats.std, shape: [net.units] });
  }
  for (let a = 0; a < data.nets.length; a++) {
    for (let b = 0; b < data.nets.length; b++) {
      arrays.push({ path: join(dir, `corr.${data.nets[a].name}.${data.nets[b].name}.npy`), data: data.correlation(a, b), shape: [data.nets[a].units, data.nets[b].units] });
    }
  }
  return arrays;
}

/** A method's arrays as RUN/stats/<layer>/<key>.npy (in `dir`), checked: plain names, shapes that fit, never over a file of `taken` (extended here). */
export function methodArrays(dir: string, method: Method, arrays: MethodResult['arrays'], taken: string[]): { path: string; data: NpyWritable; shape: number[] }[] {
  const out: { path: string; data: NpyWritable; shape: number[] }[] = [];
  for (const [key, array] of Object.entries(arrays ?? {})) {
    if (!isPlainFileName(key)) throw new Error(`method ${method.name}: array name "${key}" may use letters, digits, '.', '_' and '-' only`);
    const path = join(dir, `${key}.npy`);
    if (taken.includes(path)) throw new Error(`method ${method.name}: array "${key}" would overwrite ${path}, written already by align or another method`);
    const size = array.shape.reduce((a, b) => a * b, 1);
    if (size !== array.data.length) throw new Error(`method ${method.name}: array "${key}" has ${array.data.length} values but shape ${JSON.stringify(array.shape)}`);
    out.push({ path, data: array.data, shape: array.shape });
    taken.push(path);
  }
  return out;
}

/** How align runs a method on a layer's data: its context (options resolved, log prefixed); quiet for the resampling's repeats. */
export function methodRunner(context: {
  backend: Backend;
  methodOptions?: Record<string, Record<string, unknown>>;
  runDir: string;
  log: (message: string) => void;
  onMethodProgress?: (done: number, total: number, unit: string) => void;
}): RunMethod {
  return (method, layerData, reducerOutput, quiet) =>
    Promise.resolve(
      method.run({
        ...layerData,
        progress: quiet ? undefined : context.onMethodProgress,
        backend: context.backend,
        options: methodOptions(method, context.methodOptions?.[method.name]),
        runDir: context.runDir,
        table: tableFromColumns,
        log: quiet ? () => {} : (m) => context.log(`[${method.name}] ${m}`),
        reducerOutput,
      }),
    );
}

/** Each method on one layer, in order, its table names checked (they name files). */
export async function runLayerMethods(methods: Method[], data: LayerData, runMethod: RunMethod, reducerOutput: (name: string) => Promise<ReducerOutput | undefined>, onMethod?: (method: Method, index: number) => void): Promise<MethodResult[]> {
  const results: MethodResult[] = [];
  for (const [mi, method] of methods.entries()) {
    onMethod?.(method, mi);
    const result = await runMethod(method, data, reducerOutput, false);
    for (const name of Object.keys(result.tables ?? {})) {
      const problem = tableNameProblem(name);
      if (problem) throw new Error(`method ${method.name}: table name "${name}" ${problem} (it names the file tables/<name>.<format>)`);
    }
    results.push(result);
  }
  return results;
}
