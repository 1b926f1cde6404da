// How the `mi-histograms` reducer fits a layer into `max-memory-mb`: whole (every between-net pair
// of units counted in one pass, the joint histograms written out), or in tiles (the unit pairs cut
// into blocks whose counters fit, one block counted per extra pass over the layer, each block's
// counts reduced to the pairs' mutual information and dropped: mi-tiled-counts.ts).
//
// Memory, in bytes (the figures the plan and its messages use):
//  - a counter (one cell of one unit pair's bins x bins histogram): 20 (the kernel's u32, its
//    float64 totals past 2^32 samples and the float64 copy counts() hands over); 8 more in a state
//    resumed from a checkpoint in the middle of a counting pass (its saved counts, kept as a base);
//    besides, small batches gathered before counting take at most 32 MiB;
//  - the reservoirs of pass 0: 8 per value kept, units x min(reservoir, samples);
//  - tiled only, the per-pair results kept until the end: 16 per unit pair (the float64 plug-in
//    MI and Miller-Madow correction).
// The reservoirs are freed before the first counting pass, so they must fit alone, and so must
// the counters: the whole layer's (counted whole, the joint histograms written as before tiling
// existed), or the results plus one tile's. So whether and how a layer is tiled depends on the
// nets' widths, bins and max-memory-mb only, never on its samples: the parts of a sharded probe
// and their merge plan a layer as the single probe does.
//
// A tile is a list of segments, each a block of one pair of nets: rows [a0, a1) of net a against
// columns [b0, b1) of net b. Segments are cut in row order (whole rows of b when a row fits, else
// runs of columns of one row) and packed greedily into tiles of at most `pairsPerTile` unit pairs,
// so a tile may hold several whole pairs of nets; never more than MAX_TILE_COUNTERS counters (one
// WASM memory), so a layer over 2^29 counters is tiled even under a generous limit.
import type { ReducerLayer } from './types.js';
import { MI_HISTOGRAMS, layerPairs, type MiHistogramSettings } from './mi-settings.js';

/** Bytes per counter held while counting (see the header). */
export const COUNTER_BYTES = 20;
/** Bytes per unit pair of the tiled results (float64 MI and Miller-Madow correction). */
export const RESULT_BYTES = 16;
/** Most counters in one tile whatever the limit: 2 GiB of u32, half of what one WASM instance addresses (the batch and its bins take the rest). */
export const MAX_TILE_COUNTERS = 2 ** 29;

/** One block of a tile: rows [a0, a1) of net `pair`'s first net against columns [b0, b1) of its second. */
export interface MiSegment {
  /** Index into layerPairs(nets). */
  pair: number;
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

export interface MiTilePlan {
  /** Counters of every between-net unit pair (all bins). */
  counters: number;
  /** Reservoir bytes of pass 0. */
  reservoirBytes: number;
  /** null: the whole layer in one counting pass. */
  tiles: MiSegment[][] | null;
  /** Tiled: unit pairs per tile at most, and the bytes of one full tile's counters and of the results. */
  pairsPerTile?: number;
  tileBytes?: number;
  resultBytes?: number;
}

const MIB = 2 ** 20;
const mib = (bytes: number) => (bytes < MIB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`);

function widths(layer: Pick<ReducerLayer, 'nets'>): string {
  return layer.nets.map((n) => `${n.name} ${n.units}`).join(', ');
}

/** The flags that set the limit, for messages. */
const LIMIT_FLAGS = `--mi.max-memory-mb with \`convergent run\`, --${MI_HISTOGRAMS}.max-memory-mb with \`convergent probe\``;

/** The layer whole or in tiles, refused (naming the layer, the sizes and the flags) when even tiles do not fit. */
export function planMiTiles(layer: Pick<ReducerLayer, 'layer' | 'nets' | 'samples'>, s: MiHistogramSettings): MiTilePlan {
  const pairs = layerPairs(layer.nets.length);
  const cells = s.bins * s.bins;
  const unitPairs = pairs.reduce((sum, [a, b]) => sum + layer.nets[a].units * layer.nets[b].units, 0);
  const counters = unitPairs * cells;
  const units = layer.nets.reduce((sum, n) => sum + n.units, 0);
  const reservoirBytes = units * Math.min(s.reservoir, layer.samples) * 8;
  const limit = s.maxMemoryMb * MIB;
  const where = `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins)`;
  if (reservoirBytes > limit) {
    throw new Error(
      `${where}: the reservoirs that place the bin edges need ${mib(reservoirBytes)} (${units} units x ${Math.min(s.reservoir, layer.samples)} values x 8 bytes), over the limit of ${s.maxMemoryMb} MiB; ` +
        `keep fewer values per unit (--mi.reservoir / --${MI_HISTOGRAMS}.reservoir) or raise the limit (${LIMIT_FLAGS})`,
    );
  }
  if (counters * COUNTER_BYTES <= limit && counters <= MAX_TILE_COUNTERS) return { counters, reservoirBytes, tiles: null };
  return { counters, reservoirBytes, ...tileLayer(layer, s) };
}

/** The tiles of a layer that is counted in tiles (refused when one unit pair's counters and the results do not fit). */
export function tileLayer(layer: Pick<ReducerLayer, 'layer' | 'nets'>, s: MiHistogramSettings): { tiles: MiSegment[][]; pairsPerTile: number; tileBytes: number; resultBytes: number } {
  const cells = s.bins * s.bins;
  const unitPairs = layerPairs(layer.nets.length).reduce((sum, [a, b]) => sum + layer.nets[a].units * layer.nets[b].units, 0);
  const resultBytes = unitPairs * RESULT_BYTES;
  const pairsPerTile = Math.min(Math.floor(MAX_TILE_COUNTERS / cells), Math.floor((s.maxMemoryMb * MIB - resultBytes) / (cells * COUNTER_BYTES)));
  if (pairsPerTile < 1) {
    const least = resultBytes + cells * COUNTER_BYTES;
    throw new Error(
      `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins): counting in tiles needs at least ${mib(least)} ` +
        `(the results of ${unitPairs} unit pairs x ${RESULT_BYTES} bytes, and one unit pair's ${cells} counters x ${COUNTER_BYTES} bytes), ` +
        `over the limit of ${s.maxMemoryMb} MiB; raise the limit (${LIMIT_FLAGS}), use fewer bins (--mi.bins) or probe fewer layers (--layer)`,
    );
  }
  return { tiles: packSegments(layer, pairsPerTile), pairsPerTile, tileBytes: pairsPerTile * cells * COUNTER_BYTES, resultBytes };
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
  const head = `${MI_HISTOGRAMS}, layer ${layer.layer} (units: ${widths(layer)}; ${s.bins} bins): ${plan.counters} counters`;
  if (!plan.tiles) return `${head}, ${mib(plan.counters * COUNTER_BYTES)}: counted whole in one pass after the edges`;
  const tiles = plan.tiles.length;
  const cells = s.bins * s.bins;
  const largest = Math.max(...plan.tiles.map(tilePairs));
  const pairSamples = (plan.counters / cells) * layer.samples;
  return (
    `${head} (${mib(plan.counters * COUNTER_BYTES)}) over ${plan.counters * COUNTER_BYTES > s.maxMemoryMb * MIB ? `the limit of ${s.maxMemoryMb} MiB` : `the 2^29 counters one tile holds`}: counted in ${tiles} tile${tiles === 1 ? '' : 's'} of at most ` +
    `${largest * cells} counters (${largest} unit pairs, ${mib(largest * cells * COUNTER_BYTES)}), one pass over the layer each after the edges pass ` +
    `(${tiles + 1} passes in all), each tile's counts reduced to MI and dropped; results ${mib(plan.resultBytes!)}, reservoirs ${mib(plan.reservoirBytes)} (pass 0 only); ` +
    `${pairSamples.toExponential(2)} pair-samples to count`
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

/** Pair-samples from which a layer's tiles are worth a line each (about a second of counting or more). */
const LONG_PAIR_SAMPLES = 1e9;

export function isLongLayer(plan: MiTilePlan, samples: number, bins: number): boolean {
  return (plan.counters / (bins * bins)) * samples >= LONG_PAIR_SAMPLES;
}
