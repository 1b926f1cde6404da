// Counting one tile of a layer's unit pairs (mi-tiles.ts) and reducing its counts to the pairs'
// mutual information, for the `mi-histograms` reducer when a layer's counters exceed max-memory-mb.
//
// A tile's segments become the nets of one joint histogram kernel: segment i is the pair of
// "nets" 2i (rows [a0, a1) of net a) and 2i + 1 (columns [b0, b1) of net b), with those units'
// edges. Batches are unit-major, so a unit range is a contiguous subarray: nothing is copied here.
// The counts are exact integers whatever the tile (each pair sees every sample), and the reduction
// is mi-estimate.ts's pairInformation, as the `mi` method applies it to whole joint histograms:
// the tiled results equal the whole layer's bit for bit.
import type { JointHistogramKernel, JointHistogramSpec } from '../../kernels/joint-histogram/index.js';
import { millerMadowCorrection, pairInformation } from './mi-estimate.js';
import type { MiSegment } from './mi-tiles.js';

/** The per-pair results of a tiled layer: per pair of nets, [units a, units b] row-major. */
export interface MiResults {
  /** Plug-in MI (nats); NaN until the pair's tile is reduced (and for a pair with no samples). */
  mi: Float64Array[];
  /** The Miller-Madow correction (m_a + m_b - m_ab - 1) / (2N), N the pair's samples. */
  millerMadow: Float64Array[];
}

type Nets = { name: string; units: number }[];

export function createMiResults(nets: Nets, pairs: [number, number][]): MiResults {
  return {
    mi: pairs.map(([a, b]) => new Float64Array(nets[a].units * nets[b].units).fill(NaN)),
    millerMadow: pairs.map(([a, b]) => new Float64Array(nets[a].units * nets[b].units)),
  };
}

/** The joint histogram spec that counts `tile` (kernel edges per net, `bins - 1` per unit). */
export function tileSpec(tile: MiSegment[], pairs: [number, number][], edges: Float64Array[], bins: number): JointHistogramSpec {
  const ne = bins - 1;
  return {
    bins,
    units: tile.flatMap((g) => [g.a1 - g.a0, g.b1 - g.b0]),
    edges: tile.flatMap((g) => {
      const [a, b] = pairs[g.pair];
      return [edges[a].subarray(g.a0 * ne, g.a1 * ne), edges[b].subarray(g.b0 * ne, g.b1 * ne)];
    }),
    pairs: tile.map((_, i) => [2 * i, 2 * i + 1] as [number, number]),
  };
}

/** A batch of the layer's nets as the tile's kernel takes it (views of the rows of each segment). */
export function tileBatch(tile: MiSegment[], pairs: [number, number][], nets: (Float32Array | Float64Array)[], samples: number): (Float32Array | Float64Array)[] {
  return tile.flatMap((g) => {
    const [a, b] = pairs[g.pair];
    return [nets[a].subarray(g.a0 * samples, g.a1 * samples), nets[b].subarray(g.b0 * samples, g.b1 * samples)];
  });
}

/** Counts of each segment of `tile` (as the kernel's counts(), or its u32 counters: the same integers) reduced into `results`. */
export function reduceTile(tile: MiSegment[], pairs: [number, number][], nets: Nets, bins: number, counts: (Float64Array | Uint32Array)[], results: MiResults): void {
  const cells = bins * bins;
  const rows = new Float64Array(bins);
  const cols = new Float64Array(bins);
  tile.forEach((g, i) => {
    const c = counts[i];
    const width = g.b1 - g.b0;
    const unitsB = nets[pairs[g.pair][1]].units;
    const [mi, mm] = [results.mi[g.pair], results.millerMadow[g.pair]];
    for (let r = 0; r < g.a1 - g.a0; r++) {
      for (let k = 0; k < width; k++) {
        const pair = pairInformation(c, (r * width + k) * cells, bins, rows, cols);
        const at = (g.a0 + r) * unitsB + g.b0 + k;
        mi[at] = pair.mi;
        mm[at] = millerMadowCorrection(pair);
      }
    }
  });
}

/** The counts so far of a tile's kernel plus a restored base (new arrays, or the base itself); null when nothing was counted. */
export async function countsWithBase(kernel: JointHistogramKernel | null, base: Float64Array[] | null): Promise<Float64Array[] | null> {
  const fresh = kernel ? await kernel.counts() : null;
  if (!fresh) return base;
  if (base) {
    fresh.forEach((c, p) => {
      for (let i = 0; i < c.length; i++) c[i] += base[p][i];
    });
  }
  return fresh;
}
