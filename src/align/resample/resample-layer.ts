// Intervals and chance levels for one layer: the methods cheap enough to repeat (Method.repeatable)
// run again on every leave-one-block-out state (--blocks) and on the null reducer's moments, and
// their scalars come back as extra columns of their tables (scalars.ts). Methods too costly to
// repeat B times (LASSO, clustering, MI) keep their tables as they are, and summary.json says so.
import type { Method, MethodResult, LayerData, NetLayer } from '../methods/types.js';
import type { Reducer, ReducerOutput } from '../../probe/reducers/types.js';
import type { ProbeLayerRecord, ProbeManifest } from '../../run-dir/layout.js';
import { makeLayerData } from '../layer-data.js';
import { unitStats, type ActivationDtype } from '../unit-stats.js';
import { nullLayerData } from '../null-data.js';
import { NULL_PAIRS } from '../../probe/reducers/null-pairs.js';
import type { StateReader } from '../../probe/snapshot-io.js';
import { jackknifeInterval, INTERVAL_LEVEL, type Interval } from './jackknife.js';
import { layerBlocks, leaveOneBlockOut } from './leave-one-out.js';
import { methodScalars, withResampleColumns, type Scalars } from './scalars.js';
import { studentTQuantile } from './student-t.js';

/** How one method is run on a layer's data (align's context around Method.run). */
export type RunMethod = (method: Method, data: LayerData, reducerOutput: (name: string) => Promise<ReducerOutput | undefined>, quiet: boolean) => Promise<MethodResult>;

export interface ResampleOptions {
  run: string;
  manifest: ProbeManifest;
  record: ProbeLayerRecord;
  /** The layer as align loaded it (all data). */
  data: LayerData;
  dtypes: Record<string, ActivationDtype>;
  methods: Method[];
  runMethod: RunMethod;
  /** The run's reducer output for this layer by name. */
  reducerOutput(name: string): Promise<ReducerOutput | undefined>;
  /** Reducers by name (for the per-block states), when known. */
  reducer?(name: string): Reducer | undefined;
  /** Whether to compute the jackknife intervals where blocks exist (false: --no-intervals). */
  intervals: boolean;
  log(message: string): void;
  onBlock?(done: number, total: number): void;
  /** Where the block states are read (default: the disk; the web page's study: its run in memory). */
  from?: StateReader;
}

/** What summary.json records about the intervals and chance levels of a layer. */
export interface ResampleRecord {
  intervals?: { method: 'delete-one-block jackknife'; source: 'blocks' | 'parts'; blocks: number; level: number; t: number; repeated: string[] };
  chance?: { reducer: string; repeated: string[] };
  /** Methods with no interval or chance level, and why. */
  notRepeated?: { method: string; reason: string }[];
}


/** The layer's units with the stats of `moments` (the mask: the whole layer's, plus units constant in this subset). */
function subsetNets(data: LayerData, moments: LayerData['moments'], dtypes: Record<string, ActivationDtype>): NetLayer[] {
  return data.nets.map((net) => {
    const own = unitStats(moments, net.offset, net.units, dtypes[net.name]);
    const dead = new Uint8Array(net.units);
    for (let u = 0; u < net.units; u++) dead[u] = net.stats.dead[u] | own.dead[u];
    return { ...net, stats: { ...net.stats, mean: own.mean, std: own.std, dead } };
  });
}

/** `results` (each method's on all the data, in method order) with interval and chance columns added. */
export async function resampleLayer(options: ResampleOptions, results: MethodResult[]): Promise<{ results: MethodResult[]; record: ResampleRecord }> {
  const { data, record: layer } = options;
  const { blocks: sources, note } = options.intervals ? layerBlocks(options.run, options.manifest, layer, options.from) : { blocks: [] };
  if (note) options.log(`layer ${layer.name}: no intervals: ${note}`);
  const blocks = sources.length;
  const chance = options.manifest.reducers.includes(NULL_PAIRS);
  const record: ResampleRecord = {};
  if (blocks < 2 && !chance) return { results, record };
  const repeated = options.methods.map((m) => m.repeatable === true);
  const notRepeated = options.methods.filter((m) => !m.repeatable).map((m) => ({ method: m.name, reason: 'too costly to repeat for every block and on the null moments (or a plugin method that does not declare `repeatable`)' }));
  if (notRepeated.length > 0) record.notRepeated = notRepeated;
  const full = results.map((r) => methodScalars(r));

  let intervals: Map<string, Interval>[] | undefined;
  if (blocks >= 2) {
    const perBlock = [...new Set(options.manifest.reducers)]
      .map((name) => options.reducer?.(name))
      .filter((r): r is Reducer => r !== undefined && typeof r.merge === 'function' && typeof r.restore === 'function' && (r.perBlock === true || !layer.blocks))
      .map((reducer) => ({ reducer, layer: { layer: layer.name, nets: data.nets.map((n) => ({ name: n.name, units: n.units })), samples: layer.samples, samplesPerItem: layer.samplesPerItem, options: options.manifest.provenance?.reducers.find((r) => r.name === reducer.name)?.options ?? {} } }));
    const values = full.map((scalars) => new Map([...scalars.keys()].map((k) => [k, [] as (number | null)[]])));
    let done = 0;
    for await (const loo of leaveOneBlockOut(sources, perBlock, options.from)) {
      const subset = makeLayerData(layer.name, loo.moments.n, subsetNets(data, loo.moments, options.dtypes), loo.moments, layer.items - loo.items);
      for (let m = 0; m < options.methods.length; m++) {
        if (!repeated[m]) continue;
        const scalars = methodScalars(await options.runMethod(options.methods[m], subset, loo.reducerOutput, true));
        for (const [key, list] of values[m]) list.push(scalars.has(key) ? scalars.get(key)! : null);
      }
      options.onBlock?.(++done, blocks);
    }
    intervals = values.map((byKey, m) => new Map([...byKey].map(([key, list]) => [key, repeated[m] ? jackknifeInterval(full[m].get(key) ?? null, list) : { se: null, lo: null, hi: null, reason: 'not repeated' }])));
    record.intervals = { method: 'delete-one-block jackknife', source: layer.blocks ? 'blocks' : 'parts', blocks, level: INTERVAL_LEVEL, t: studentTQuantile(0.5 + INTERVAL_LEVEL / 2, blocks - 1), repeated: options.methods.filter((_, m) => repeated[m]).map((m) => m.name) };
  }

  let chanceLevels: Scalars[] | undefined;
  if (chance) {
    const output = await options.reducerOutput(NULL_PAIRS);
    if (!output) options.log(`layer ${layer.name}: no output of reducer ${NULL_PAIRS}; no chance levels`);
    else {
      const nullData = nullLayerData(data, output);
      chanceLevels = [];
      for (let m = 0; m < options.methods.length; m++) {
        chanceLevels.push(repeated[m] ? methodScalars(await options.runMethod(options.methods[m], nullData, async () => undefined, true)) : new Map());
      }
      record.chance = { reducer: NULL_PAIRS, repeated: options.methods.filter((_, m) => repeated[m]).map((m) => m.name) };
    }
  }
  const out = results.map((result, m) =>
    withResampleColumns(result, { intervals: intervals?.[m], chance: chanceLevels?.[m] }, repeated[m] ? undefined : { onlyMetrics: true }),
  );
  return { results: out, record };
}
