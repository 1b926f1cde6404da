// Counting a layer from binned columns, for the `mi-histograms` reducer when the layer's joint
// counters do not fit max-memory-mb but one byte per unit and sample does (mi-tiles.ts): the
// counting pass (pass 1) only bins every sample of every unit and keeps the bins
// (src/kernels/joint-histogram/binned-columns.ts); finish() counts every between-net unit pair
// from them in a small reused histogram and reduces it to the plug-in MI and the Miller-Madow
// correction (assembly/mi-pairs.ts), the values the tiled and whole paths give, bit for bit. One
// pass over the layer however many unit pairs there are, where tiles take one per tile (in an
// ONNX probe, every pass re-runs every net's forward passes).
import { BinnedColumns, type PairInformationArrays } from '../../kernels/joint-histogram/binned-columns.js';
import { columnsInformationOnThreads } from '../../kernels/joint-histogram/parallel-columns.js';
import { usefulThreads } from '../../kernels/joint-histogram/parallel.js';
import type { JointHistogramSpec } from '../../kernels/joint-histogram/index.js';
import type { MiResults } from './mi-tiled-counts.js';

/** The bins kept so far: per net [units, filled] unit-major, as a snapshot saves them. */
export interface SavedColumns {
  bins: Uint8Array[];
  filled: number;
}

/** How result.json and the `mi` method name this counter (on one thread). */
export const COLUMNS_KERNEL = 'wasm-simd binned columns (1 thread)';

/** One layer's binned columns: created at the first batch (or from saved bins), counted at the end. */
export class MiColumnsCounter {
  private store: BinnedColumns | null = null;
  /** The samples counted, once information() has let the columns go. */
  private counted = 0;

  /** The threads that count the pairs at the end (kernels/joint-histogram/parallel-columns.ts: 1 where more would not help). */
  readonly threads: number;

  /** `spec`: the nets' kernel edges and pairs; `capacity`: the layer's samples; `saved`: bins restored from a snapshot; `threads`: the backend's CPU threads. */
  constructor(
    private readonly spec: JointHistogramSpec,
    private readonly capacity: number,
    private saved: SavedColumns | null,
    threads = 1,
  ) {
    this.threads = usefulThreads(spec, threads);
  }

  /** How result.json names this counter. */
  get name(): string {
    return this.threads > 1 ? `wasm-simd binned columns (${this.threads} threads)` : COLUMNS_KERNEL;
  }

  private async columns(): Promise<BinnedColumns> {
    if (!this.store) {
      this.store = await BinnedColumns.create(this.spec, this.capacity);
      if (this.saved) this.store.addBins(this.saved.bins, this.saved.filled);
      this.saved = null;
    }
    return this.store;
  }

  async add(nets: (Float32Array | Float64Array)[], samples: number): Promise<void> {
    (await this.columns()).add(nets, samples);
  }

  /** The samples binned so far. */
  get filled(): number {
    return this.store?.filled ?? this.saved?.filled ?? this.counted;
  }

  /** The bins so far for a snapshot (views where the columns are full); null before the first sample. */
  bins(): SavedColumns | null {
    if (this.store) return { bins: this.spec.units.map((_, k) => this.store!.bins(k)), filled: this.store.filled };
    return this.saved;
  }

  /** Every pair counted over the samples binned and reduced to MI (the columns are let go after); `progress(pair, rows)` after each block of rows (on one thread). */
  async information(progress?: (pair: number, rows: number) => void): Promise<MiResults> {
    const store = await this.columns();
    this.counted = store.filled;
    // On threads the workers take copies of the bins at once (before countOnThreads returns), so
    // this thread's columns go before they count; on one thread they are counted here first.
    const counting = this.threads > 1 ? this.countOnThreads(store) : Promise.resolve(store.information(progress));
    this.dispose();
    const pairs = await counting;
    return { mi: pairs.map((p) => p.mi), millerMadow: pairs.map((p) => p.millerMadow) };
  }

  /** The pairs counted on the workers from copies of `store`'s bins (made before this returns, so no reference to `store` is kept). */
  private countOnThreads(store: BinnedColumns): Promise<PairInformationArrays[]> {
    return columnsInformationOnThreads(this.spec, this.spec.units.map((_, k) => store.bins(k)), store.filled, this.threads);
  }

  dispose(): void {
    this.store?.dispose();
    this.store = null;
    this.saved = null;
  }
}
