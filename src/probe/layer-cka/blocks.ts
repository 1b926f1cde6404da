// The blocks of layer-cka's joint vector: one per (net, layer), in the order net 0's layers, then
// net 1's, ...; and the memory their joint state needs, checked before the probe reads anything.
import { plural } from '../../util/plural.js';
import { parsePool, pooledFeatures, poolingLabel, type PoolGrid } from './pool.js';

/** One (net, layer) block: its units, map, pooling, and where its features sit in the joint vector. */
export interface LayerCkaBlock {
  net: string;
  layer: string;
  units: number;
  height: number;
  width: number;
  /** 0: global average (or a vector layer); K: K x K cells. */
  grid: PoolGrid;
  features: number;
  /** Offset of the block's first feature in the joint vector. */
  offset: number;
  pooling: string;
}

export interface LayerCkaSettings {
  grid: PoolGrid;
  maxMemoryMb: number;
}

export const DEFAULT_MAX_MEMORY_MB = 4096;

/** The layer-cka options (declared by its reducer and method) as settings; bad values refused. */
export function layerCkaSettings(options: Record<string, unknown> | undefined): LayerCkaSettings {
  const grid = parsePool(options?.pool);
  const maxMemoryMb = Number(options?.['max-memory-mb'] ?? DEFAULT_MAX_MEMORY_MB);
  if (!(maxMemoryMb > 0)) throw new Error(`layer-cka: --layer-cka.max-memory-mb must be positive, got ${String(options?.['max-memory-mb'])}`);
  return { grid, maxMemoryMb };
}

/** The blocks of `nets` x `layers` (shapes[k][li]: net k's layer li), with a map smaller than the grid refused. */
export function layerCkaBlocks(nets: string[], layers: string[], shapes: { units: number; height: number; width: number }[][], grid: PoolGrid): LayerCkaBlock[] {
  const blocks: LayerCkaBlock[] = [];
  let offset = 0;
  nets.forEach((net, k) => {
    layers.forEach((layer, li) => {
      const { units, height, width } = shapes[k][li];
      const vector = height === 1 && width === 1;
      if (!vector && grid > 0 && (height < grid || width < grid)) {
        throw new Error(`layer-cka: net ${net}, layer ${layer} has a ${height} x ${width} map, smaller than the ${grid}x${grid} grid of --layer-cka.pool (a cell would be empty); use a smaller grid or leave the layer out (--layer)`);
      }
      const features = pooledFeatures(units, height, width, grid);
      blocks.push({ net, layer, units, height, width, grid: vector ? 0 : grid, features, offset, pooling: poolingLabel(height, width, grid) });
      offset += features;
    });
  });
  return blocks;
}

/** Features of the joint vector. */
export function totalFeatures(blocks: LayerCkaBlock[]): number {
  return blocks.reduce((s, b) => s + b.features, 0);
}

/**
 * Bytes the joint state needs at its peak: the D x D float64 co-moment sums, and as much again
 * while they are written (and later read by align), plus the per-sample-norm sums (K x D).
 */
export function layerCkaMemoryBytes(blocks: LayerCkaBlock[]): number {
  const d = totalFeatures(blocks);
  return d * d * 8 * 2 + blocks.length * d * 8;
}

const MIB = 1024 * 1024;

/** Says what the joint state needs (log) and refuses it above the limit, naming the widest blocks and the flags. */
export function checkLayerCkaMemory(blocks: LayerCkaBlock[], settings: LayerCkaSettings, log: (message: string) => void): void {
  const d = totalFeatures(blocks);
  const bytes = layerCkaMemoryBytes(blocks);
  const need = `${(bytes / MIB).toFixed(1)} MiB (D^2 x 8 bytes x 2, D = ${d} features in ${plural(blocks.length, 'block')} of (net, layer))`;
  if (bytes > settings.maxMemoryMb * MIB) {
    const widest = [...blocks].sort((a, b) => b.features - a.features).slice(0, 3).map((b) => `net ${b.net}, layer ${b.layer}: ${b.features}`);
    throw new Error(
      `layer-cka: the joint state needs ${need}, over the limit of ${settings.maxMemoryMb} MiB (--layer-cka.max-memory-mb); widest blocks: ${widest.join('; ')}. ` +
        `Probe fewer layers (--layer), pool to fewer cells (--layer-cka.pool), or raise the limit (--layer-cka.max-memory-mb)`,
    );
  }
  log(`layer-cka: the joint state needs ${need}; limit ${settings.maxMemoryMb} MiB`);
}
