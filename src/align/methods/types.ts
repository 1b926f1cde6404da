// What a method (built-in or from a plugin) receives and returns.
import type { Backend } from '../../backend/types.js';
import type { BatchMoments } from '../../kernels/moments/contract.js';
import type { ReducerOutput } from '../../probe/reducers/types.js';
import type { UnitStats } from '../unit-stats.js';
import type { Table, TableColumns } from '../../tables/types.js';
import type { OptionSpec } from '../../util/option-spec.js';

export interface NetLayer {
  name: string;
  units: number;
  /** Offset of this net's units in the joint moment matrices. */
  offset: number;
  /** Mean, std and `dead`: the mask of units every method leaves out, dead (constant) or rare (src/align/rare-units.ts). */
  stats: UnitStats;
}

/** One layer of every net, as the probe left it: joint moments and what follows from them. */
export interface LayerData {
  layer: string;
  /** Samples the moments were computed over (images x positions for conv layers). */
  samples: number;
  /** Images (items) behind the samples: the independent observations (absent in contexts built by hand). */
  items?: number;
  nets: NetLayer[];
  /** Joint moments over the stacked units of all nets. */
  moments: BatchMoments;
  /** Unordered pairs of net indices to compare, a < b in the order the nets were given. */
  pairs: [number, number][];
  /** Pearson correlation of net a's units (rows) with net b's (columns); NaN where a unit is dead. */
  correlation(a: number, b: number): Float64Array;
}

export interface MethodContext extends LayerData {
  backend: Backend;
  /** This method's options: its declared defaults overridden by `--<method>.<option>` flags. */
  options: Record<string, unknown>;
  runDir: string;
  log(message: string): void;
  /**
   * Reports a long method's progress (`done` of `total` `unit`s, e.g. units fitted), for the
   * command line's bar. Optional: absent in contexts built by hand; cheap enough to call often.
   */
  progress?(done: number, total: number, unit: string): void;
  /** Builds a result table from columns of one length (arquero inside; no dependency for you). */
  table(columns: TableColumns): Table;
  /**
   * What a probe reducer left for this layer (RUN/reducers/<name>/<layer>/: its .npy arrays by
   * file name without `.npy`, and result.json), or undefined when the run has none. Provided by
   * align (optional only so that contexts built by hand, e.g. in tests, stay valid).
   */
  reducerOutput?(name: string): Promise<ReducerOutput | undefined>;
}

/** A declared option (the same shape as a reducer's: src/util/option-spec.ts). */
export type MethodOption = OptionSpec;

export interface MethodResult {
  /**
   * Tables by name, written as RUN/tables/<name>.<format>. Tables of the same name from several
   * methods are stacked when their columns are the same (long tables such as `metrics`), else
   * joined on the columns they share (so `semi` and `bipartite` fill one `matches` table); tables
   * of the same name from several layers are stacked.
   */
  tables?: Record<string, Table>;
  /** Arrays by name, written as RUN/stats/<layer>/<key>.npy (keys: letters, digits, '.', '_', '-'). */
  arrays?: Record<string, { data: Float64Array | Float32Array | Int32Array; shape: number[] }>;
}

export interface Method {
  name: string;
  description: string;
  options?: Record<string, MethodOption>;
  /**
   * Probe reducers whose output the method reads (ctx.reducerOutput). `convergent run` adds them
   * to the probe (passing on the method's options that a reducer declares too); `align` on a run
   * probed without them refuses before any work.
   */
  requires?: { reducers?: string[] };
  /**
   * Cheap enough to run again for every block of a `--blocks` probe (jackknife intervals) and on
   * the null reducer's moments (chance levels): align then adds `<column>_se/_lo/_hi/_chance` to
   * the scalars of its summary and metrics tables (src/align/resample/). Leave it out for methods
   * that take minutes per layer; they get no interval, and summary.json says so.
   */
  repeatable?: boolean;
  /**
   * Optional: refuses option values run() would refuse (out of range, not a choice), given the
   * options as run() receives them (declared defaults filled in). align and `convergent run` call
   * it before any work, so a bad value is refused before a probe or a file is written; a method
   * without it has its values checked only when run() reads them.
   */
  checkOptions?(options: Record<string, unknown>): void;
  run(ctx: MethodContext): MethodResult | Promise<MethodResult>;
}
