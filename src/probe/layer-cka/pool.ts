// How layer-cka turns one layer's activations of one image into one feature vector, so that every
// layer of every net has the image as its sample (a conv layer's positions are not independent
// samples, and two layers' maps differ in size).
//
// - A vector layer (no map, 1 x 1) enters as it is: one feature per unit.
// - A conv layer, by default: the global average of each unit over the positions of its map.
// - A conv layer with `--layer-cka.pool KxK`: each unit's map cut into a K x K grid of cells, the
//   average of each cell a feature (units x K x K features, unit-major: unit u, cell row r, cell
//   column c is feature (u * K + r) * K + c). Cell r covers the rows floor(r * H / K) up to (not
//   including) floor((r + 1) * H / K), and likewise for columns: the cells tile the map without
//   overlap, and where H is not a multiple of K their sizes differ by one (a 5-row map in 2 cells:
//   rows 0-1 and 2-4). A map smaller than K in either direction is refused (a cell would be empty).

/** The pooling of a conv layer: 0 for the global average, K for a K x K grid of cells. */
export type PoolGrid = number;

/** `--layer-cka.pool`: 'mean' (the global average), or 'KxK' (K a positive integer, the same both ways). */
export function parsePool(value: unknown): PoolGrid {
  const text = String(value ?? 'mean').trim();
  if (text === 'mean') return 0;
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match || match[1] !== match[2] || Number(match[1]) < 1) {
    throw new Error(`layer-cka: --layer-cka.pool must be "mean" (the global average over positions) or KxK with K a positive integer (e.g. 2x2), got "${text}"`);
  }
  return Number(match[1]);
}

/** How a block is pooled, in words (blocks.json, the report). */
export function poolingLabel(height: number, width: number, grid: PoolGrid): string {
  if (height === 1 && width === 1) return 'none (vector layer)';
  return grid === 0 ? 'global average' : `${grid}x${grid} grid of average-pooled cells`;
}

/** Features a layer of `units` with an H x W map gives under `grid`. */
export function pooledFeatures(units: number, height: number, width: number, grid: PoolGrid): number {
  if (height === 1 && width === 1) return units;
  return grid === 0 ? units : units * grid * grid;
}

/** The start of each of `cells` cells cutting `size` rows, and the end of the last: cell c is [edges[c], edges[c + 1]). */
export function cellEdges(size: number, cells: number): number[] {
  return Array.from({ length: cells + 1 }, (_, c) => Math.floor((c * size) / cells));
}

export interface PoolShape {
  units: number;
  height: number;
  width: number;
  grid: PoolGrid;
}

/**
 * Pools a batch of `n` images of one layer, batch-first (n, units, H, W) as the forward engine
 * captures it, into `out`: unit-major features x n (out[f * n + i]), in float64, each average
 * summed in float64 from the float32 activations.
 */
export function poolBatch(data: Float32Array, n: number, shape: PoolShape, out: Float64Array): void {
  const { units, height, width } = shape;
  const positions = height * width;
  const features = pooledFeatures(units, height, width, shape.grid);
  if (data.length !== n * units * positions) throw new Error(`layer-cka: a batch of ${data.length} values, expected ${n} x ${units} x ${height} x ${width}`);
  if (out.length < features * n) throw new Error(`layer-cka: the pooled batch needs ${features * n} values, has room for ${out.length}`);
  const grid = positions === 1 ? 0 : shape.grid;
  if (grid === 0) {
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const base = (i * units + u) * positions;
        let s = 0;
        for (let p = 0; p < positions; p++) s += data[base + p];
        out[u * n + i] = s / positions;
      }
    }
    return;
  }
  const rows = cellEdges(height, grid);
  const cols = cellEdges(width, grid);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < units; u++) {
      const base = (i * units + u) * positions;
      for (let r = 0; r < grid; r++) {
        for (let c = 0; c < grid; c++) {
          let s = 0;
          for (let y = rows[r]; y < rows[r + 1]; y++) for (let x = cols[c]; x < cols[c + 1]; x++) s += data[base + y * width + x];
          out[((u * grid + r) * grid + c) * n + i] = s / ((rows[r + 1] - rows[r]) * (cols[c + 1] - cols[c]));
        }
      }
    }
  }
}
