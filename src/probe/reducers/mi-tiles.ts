// How the `mi-histograms` reducer fits a layer into `max-memory-mb`, one of three ways, the first
// that fits:
//  whole    every between-net pair of units counted in one pass, the joint histograms written out;
//  columns  one pass that keeps every unit's bin of every sample (one byte each), then at the end
//           every unit pair counted from them in a reused bins^2 histogram and reduced to its MI
//           (src/probe/reducers/mi-columns.ts, assembly/mi-pairs.ts);
//  tiles    the unit pairs cut into blocks whose counters fit, one block counted per extra pass
//           over the layer, each block's counts reduced to the pairs' MI and dropped
//           (mi-tiled-counts.ts).
// Columns and tiles write the same per-pair MI bit for bit (the counts are exact either way, and
// reduced by the same arithmetic), so the choice changes only the time and the memory.
//
// Memory, in bytes (the figures the plan and its messages use):
//  - a counter (one cell of one unit pair's bins x bins histogram), as the backend's joint
//    histogram kernel holds it (counterBytes): WASM 4 (its u32) and, counting whole, 8 more for the
//    float64 copy the joint histograms are written from; WebGPU 20 (the device's u32, the host's
//    float64 totals and the float64 copy counts() hands over); the reference 16. Besides: 8 more
//    in a state resumed from a checkpoint in the middle of a counting pass (its saved counts, kept
//    as a base), 8 more on WASM past 2^32 samples (float64 totals), and small batches gathered
//    before counting take at most 32 MiB;
//  - the reservoirs of pass 0: 8 per value kept, units x min(reservoir, samples);
//  - columns: one byte per unit and sample of every net, in one WASM memory (so at most
//    MAX_COLUMN_BYTES), with the edges and one call's output (binnedColumnsBytes), besides the
//    batch being binned;
//  - columns and tiles, the per-pair results kept until the end: 16 per unit pair (the float64
//    plug-in MI and Miller-Madow correction).
// The reservoirs are freed before the first counting pass, so they must fit alone, and so must
// the counting: the whole layer's counters, or the results and the columns, or the results plus
// one tile's counters. So whether a layer is counted whole depends on the nets' widths, bins, the
// backend and max-memory-mb only, never on its samples (the parts of a sharded probe and their
// merge agree on it); columns depend on the samples too (a sharded probe's parts keep their own
// samples' columns, and the merge joins them: mi-snapshot.ts).
//
// A tile is a list of segments, each a block of one pair of nets: rows [a0, a1) of net a against
// columns [b0, b1) of net b. Segments are cut in row order (whole rows of b when a row fits, else
// runs of columns of one row) and packed greedily into tiles of at most `pairsPerTile` unit pairs,
// so a tile may hold several whole pairs of nets; never more than MAX_TILE_COUNTERS counters (one
// WASM memory), so a layer over 2^29 counters is tiled even under a generous limit.
import type { ReducerLayer } from './types.js';
import { MI_HISTOGRAMS, layerPairs, type MiHistogramSettings } from './mi-settings.js';
import { binnedColumnsBytes } from '../../kernels/joint-histogram/binned-columns.js';

/** Bytes per unit pair of the results of columns and tiles (float64 MI and Miller-Madow correction). */
export const RESULT_BYTES = 16;
/** Most counters in one tile whatever the limit: 2 GiB of u32, half of what one WASM instance addresses (the batch and its bins take the rest). */
export const MAX_TILE_COUNTERS = 2 ** 29;
/** Most bytes of binned columns (with their edges and outputs) in one WASM memory: 3 GiB of its 4, the rest for the batch being binned. */
export const MAX_COLUMN_BYTES = 3 * 2 ** 30;

/** What a plan needs of the layer: its nets and samples, and the backend whose kernel would count it. */
export type PlannedLayer = Pick<ReducerLayer, 'layer' | 'nets' | 'samples'> & Partial<Pick<ReducerLayer, 'backend' | 'valueBytes'>>;

/**
 * Bytes per counter the layer's backend holds (see the header): counting whole, and counting a
 * tile (the WASM kernel lends its u32 counters to the reduction; WebGPU and the reference copy
 * theirs into float64). A layer given without a backend counts on WASM.
 */
export function counterBytes(layer: Partial<Pick<ReducerLayer, 'backend'>>): { whole: number; tile: number } {
  const kernel = layer.backend?.capabilities.jointHistogram ?? 'wasm-simd';
  if (kernel === 'wasm-simd') return { whole: 12, tile: 4 };
  if (kernel === 'reference') return { whole: 16, tile: 16 };
  return { whole: 20, tile: 20 };
}

/** One block of a tile: rows [a0, a1) of net `pair`'s first net against columns [b0, b1) of its second. */
export interface MiSegment {
  /** Index into layerPairs(nets). */
  pair: number;
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

export type MiCounting = 'whole' | 'columns' | 'tiles';

export interface MiTilePlan {
  counting: MiCounting;
  /** Counters of every between-net unit pair (all bins). */
  counters: number;
  /** Bytes per counter on this backend (counting whole, counting a tile). */
  counterBytes: { whole: number; tile: number };
  /** Reservoir bytes of pass 0. */
  reservoirBytes: number;
  /** Tiles only (null otherwise): the segments of each tile. */
  tiles: MiSegment[][] | null;
  /** Tiles: unit pairs per tile at most, and the bytes of one full tile's counters. */
  pairsPerTile?: number;
  tileBytes?: number;
  /** Columns and tiles: the bytes of the per-pair results. */
  resultBytes?: number;
  /** Columns: the WASM bytes of the binned columns (binnedColumnsBytes). */
  columnBytes?: number;
}

const MIB = 2 ** 20;
const mib = (bytes: number) => (bytes < MIB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`);

function widths(layer: Pick<ReducerLayer, 'nets'>): string {
  return layer.nets.map((n) => `${n.name} ${n.units}`).join(', ');
}

/** The flags that set the limit, for messages. */
const LIMIT_FLAGS = `--mi.max-memory-mb with \`convergent run\`, --${MI_HISTOGRAMS}.max-memory-mb with \`convergent probe\``;

/** The unit pairs of every pair of nets of the layer. */
function unitPairsOf(layer: Pick<ReducerLayer, 'nets'>): number {
  return layerPairs(layer.nets.length).reduce((sum, [a, b]) => sum + layer.nets[a].units * layer.nets[b].units, 0);
}

/** The WASM bytes of the layer's binned columns over `samples` samples (binnedColumnsBytes). */
export function columnBytesOf(layer: Pick<ReducerLayer, 'nets'>, s: MiHistogramSettings, samples: number): number {
  return binnedColumnsBytes({ units: layer.nets.map((n) => n.units), bins: s.bins, pairs: layerPairs(layer.nets.length) }, samples);
}

/** Whether the layer's columns over `samples` samples fit (besides the results) under the limit and in one WASM memory. */
export function columnsFit(layer: Pick<ReducerLayer, 'nets'>, s: MiHistogramSettings, samples: number): boolean {
  const bytes = columnBytesOf(layer, s, samples);
  return bytes <= MAX_COLUMN_BYTES && bytes + unitPairsOf(layer) * RESULT_BYTES <= s.maxMemoryMb * MIB && samples <= 0xffffffff;
}

/** The layer whole, in columns or in tiles, refused (naming the layer, the sizes and the flags) when even tiles do not fit. */
export function planMiTiles(layer: PlannedLayer, s: MiHistogramSettings): MiTilePlan {
  const cells = s.bins * s.bins;
  const counters = unitPairsOf(layer) * cells;
  const bytes = counterBytes(layer);
  const units = layer.nets.reduce((sum, n) => sum + n.units, 0);
  // The reservoirs keep values in the batches' own type (mi-reservoir.ts): 4 bytes for float32.
  const valueBytes = layer.valueBytes ?? 8;
  const reservoirBytes = units * Math.min(s.reservoir, layer.samples) * valueBytes;
  const limit = s.maxMemoryMb * MIB;
  const where = `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins)`;
  if (reservoirBytes > limit) {
    throw new Error(
      `${where}: the reservoirs that place the bin edges need ${mib(reservoirBytes)} (${units} units x ${Math.min(s.reservoir, layer.samples)} values x ${valueBytes} bytes), over the limit of ${s.maxMemoryMb} MiB; ` +
        `keep fewer values per unit (--mi.reservoir / --${MI_HISTOGRAMS}.reservoir) or raise the limit (${LIMIT_FLAGS})`,
    );
  }
  const base = { counters, counterBytes: bytes, reservoirBytes };
  const auto = s.counting === 'auto';
  const wholeFits = counters * bytes.whole <= limit && counters <= MAX_TILE_COUNTERS;
  if (wholeFits && (auto || s.counting === 'whole')) return { ...base, counting: 'whole', tiles: null };
  const columns = columnsFit(layer, s, layer.samples);
  if (columns && (auto || s.counting === 'columns')) {
    return { ...base, counting: 'columns', tiles: null, resultBytes: unitPairsOf(layer) * RESULT_BYTES, columnBytes: columnBytesOf(layer, s, layer.samples) };
  }
  if (s.counting === 'whole' || s.counting === 'columns') {
    const need = s.counting === 'whole' ? `its ${counters} counters need ${mib(counters * bytes.whole)}${counters > MAX_TILE_COUNTERS ? ' (over the 2^29 one WASM memory holds)' : ''}` : `its binned columns of ${layer.samples} samples need ${mib(columnBytesOf(layer, s, layer.samples))} and the results ${mib(unitPairsOf(layer) * RESULT_BYTES)}${columnBytesOf(layer, s, layer.samples) > MAX_COLUMN_BYTES ? ` (the columns over the ${mib(MAX_COLUMN_BYTES)} one WASM memory holds)` : ''}`;
    throw new Error(`${where}: --${MI_HISTOGRAMS}.counting ${s.counting}, but ${need}, over the limit of ${s.maxMemoryMb} MiB; raise the limit (${LIMIT_FLAGS}) or leave out counting (auto)`);
  }
  return { ...base, counting: 'tiles', ...tileLayer(layer, s) };
}

/** The tiles of a layer that is counted in tiles (refused when one unit pair's counters and the results do not fit). */
export function tileLayer(layer: Pick<ReducerLayer, 'layer' | 'nets'> & Partial<Pick<ReducerLayer, 'backend'>>, s: MiHistogramSettings): { tiles: MiSegment[][]; pairsPerTile: number; tileBytes: number; resultBytes: number } {
  const cells = s.bins * s.bins;
  const unitPairs = unitPairsOf(layer);
  const resultBytes = unitPairs * RESULT_BYTES;
  const bytes = counterBytes(layer).tile;
  const pairsPerTile = Math.min(Math.floor(MAX_TILE_COUNTERS / cells), Math.floor((s.maxMemoryMb * MIB - resultBytes) / (cells * bytes)));
  if (pairsPerTile < 1) {
    const least = resultBytes + cells * bytes;
    throw new Error(
      `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins): counting in tiles needs at least ${mib(least)} ` +
        `(the results of ${unitPairs} unit pairs x ${RESULT_BYTES} bytes, and one unit pair's ${cells} counters x ${bytes} bytes), ` +
        `over the limit of ${s.maxMemoryMb} MiB, and the binned columns do not fit either; raise the limit (${LIMIT_FLAGS}), use fewer bins (--mi.bins) or probe fewer layers (--layer)`,
    );
  }
  return { tiles: packSegments(layer, pairsPerTile), pairsPerTile, tileBytes: pairsPerTile * cells * bytes, resultBytes };
}

/** Segments in row order, packed greedily into tiles of at most `capacity` unit pairs. */
function packSegments(layer: Pick<ReducerLayer, 'nets'>, capacity: number): MiSegment[][] {
  const tiles: MiSegment[][] = [];
  let tile: MiSegment[] = [];
  let used = 0;
  const put = (segment: MiSegment) => {
    const size = (segment.a1 - segment.a0) * (segment.b1 - segment.b0);
    if (used + size > capacity) {
      tiles.push(tile);
      tile = [];
      used = 0;
    }
    tile.push(segment);
    used += size;
  };
  layerPairs(layer.nets.length).forEach(([a, b], pair) => {
    const [rows, cols] = [layer.nets[a].units, layer.nets[b].units];
    if (rows === 0 || cols === 0) return;
    if (cols <= capacity) {
      // Whole rows: as many as fit what is left of the tile, then as many as fit a tile.
      for (let a0 = 0; a0 < rows; ) {
        const room = Math.floor((capacity - used) / cols);
        const take = Math.min(rows - a0, room > 0 ? room : Math.floor(capacity / cols));
        put({ pair, a0, a1: a0 + take, b0: 0, b1: cols });
        a0 += take;
      }
    } else {
      for (let a0 = 0; a0 < rows; a0++) {
        for (let b0 = 0; b0 < cols; ) {
          const room = capacity - used;
          const take = Math.min(cols - b0, room > 0 ? room : capacity);
          put({ pair, a0, a1: a0 + 1, b0, b1: b0 + take });
          b0 += take;
        }
      }
    }
  });
  if (tile.length > 0) tiles.push(tile);
  return tiles;
}

/** One line: how the layer is counted and what it costs (logged before its first pass). */
export function describeMiPlan(layer: Pick<ReducerLayer, 'layer' | 'nets' | 'samples'>, s: MiHistogramSettings, plan: MiTilePlan): string {
  const wholeBytes = plan.counters * plan.counterBytes.whole;
  const head = `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins): ${plan.counters} counters`;
  if (plan.counting === 'whole') return `${head}, ${mib(wholeBytes)}: counted whole in one pass after the edges`;
  const cells = s.bins * s.bins;
  const pairs = plan.counters / cells;
  const pairSamples = pairs * layer.samples;
  const over = `${head} (${mib(wholeBytes)}) over ${wholeBytes > s.maxMemoryMb * MIB ? `the limit of ${s.maxMemoryMb} MiB` : `the 2^29 counters one tile holds`}`;
  const tail = `results ${mib(plan.resultBytes!)}, reservoirs ${mib(plan.reservoirBytes)} (pass 0 only); ${pairSamples.toExponential(2)} pair-samples to count`;
  if (plan.counting === 'columns') {
    return (
      `${over}: counted from binned columns: one pass after the edges keeps every unit's bin of each of the ${layer.samples} samples ` +
      `(${mib(plan.columnBytes!)} in WASM memory), then each of the ${pairs} unit pairs is counted in a reused ${s.bins} x ${s.bins} histogram and reduced to MI ` +
      `(at most about ${estimateColumnsSeconds(pairs, layer.samples).toFixed(0)} s on one core, less where a unit's samples are mostly in one bin, as a ReLU's zeros; 2 passes in all); ${tail}`
    );
  }
  const tiles = plan.tiles!.length;
  const largest = Math.max(...plan.tiles!.map(tilePairs));
  return (
    `${over}, ${s.counting === 'tiles' ? `counting tiles asked for (--${MI_HISTOGRAMS}.counting tiles)` : `and the binned columns of ${layer.samples} samples (${mib(columnBytesOf(layer, s, layer.samples))}) do not fit`}: counted in ${tiles} tile${tiles === 1 ? '' : 's'} of at most ` +
    `${largest * cells} counters (${largest} unit pairs, ${mib(largest * cells * plan.counterBytes.tile)}), one pass over the layer each after the edges pass ` +
    `(${tiles + 1} passes in all), each tile's counts reduced to MI and dropped; ${tail}`
  );
}

/** Unit pairs in a tile. */
export function tilePairs(tile: MiSegment[]): number {
  return tile.reduce((sum, g) => sum + (g.a1 - g.a0) * (g.b1 - g.b0), 0);
}

/**
 * Rates measured on this project's machine (WASM, one core, 10 bins, issue 15): counting about
 * 1e9 pair-samples per second, reducing a tile's counts to MI about 2 microseconds per unit pair.
 * Only for the estimate logged before the first tile; each tile's own time is logged after it.
 */
const PAIR_SAMPLES_PER_SECOND = 1e9;
const REDUCE_SECONDS_PER_PAIR = 2e-6;

/** Seconds the tiles of `plan` may take: each reads the layer as pass 0 did (`readSeconds`), counts and reduces its pairs. */
export function estimateTiledSeconds(plan: MiTilePlan, samples: number, bins: number, readSeconds: number): number {
  const pairs = plan.counters / (bins * bins);
  return (plan.tiles?.length ?? 1) * readSeconds + (pairs * samples) / PAIR_SAMPLES_PER_SECOND + pairs * REDUCE_SECONDS_PER_PAIR;
}

/**
 * Seconds to count `pairs` unit pairs over `samples` samples from binned columns and reduce them
 * (assembly/mi-pairs.ts on one core here, 10 bins: the counting at about 1e9 pair-samples a
 * second, and about 1 microsecond a pair for its logarithms). An upper bound: the kernel skips
 * the samples in each unit of net A's most common bin. Only for the estimate logged before the
 * count; its own time is logged after it.
 */
const COLUMN_REDUCE_SECONDS_PER_PAIR = 1e-6;
export function estimateColumnsSeconds(pairs: number, samples: number): number {
  return (pairs * samples) / PAIR_SAMPLES_PER_SECOND + pairs * COLUMN_REDUCE_SECONDS_PER_PAIR;
}

/** Pair-samples from which a layer's tiles are worth a line each (about a second of counting or more). */
const LONG_PAIR_SAMPLES = 1e9;

export function isLongLayer(plan: MiTilePlan, samples: number, bins: number): boolean {
  return (plan.counters / (bins * bins)) * samples >= LONG_PAIR_SAMPLES;
}
