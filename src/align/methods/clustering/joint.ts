// The joint correlation matrix of one pair of nets, over their live units: for nets a and b with
// D_a and D_b live units, the (D_a + D_b) square matrix [[R_aa, R_ab], [R_ab', R_bb]] (row-major,
// net a's live units first, each net's in unit order; diagonal exactly 1). Dead units (constant
// over the probe set) have no correlation and are left out.
import { liveIndices } from '../matching.js';
import type { LayerData } from '../types.js';

export interface JointMatrix {
  /** Number of live units of both nets together (the matrix is n x n). */
  n: number;
  /** How many of them belong to net a (the first na rows). */
  na: number;
  /** Net index (into ctx.nets) of each row. */
  net: Int32Array;
  /** Unit index (within its net) of each row. */
  unit: Int32Array;
  /** n x n Pearson correlations, row-major. */
  corr: Float64Array;
}

/** The joint correlation matrix of nets a and b of a layer (see the file header). */
export function jointCorrelation(data: Pick<LayerData, 'nets' | 'correlation'>, a: number, b: number): JointMatrix {
  const nets = [a, b];
  const live = nets.map((k) => liveIndices(data.nets[k].stats.dead));
  const na = live[0].length;
  const n = na + live[1].length;
  const net = new Int32Array(n);
  const unit = new Int32Array(n);
  for (let s = 0; s < 2; s++) {
    const base = s === 0 ? 0 : na;
    live[s].forEach((u, i) => {
      net[base + i] = nets[s];
      unit[base + i] = u;
    });
  }
  const corr = new Float64Array(n * n);
  for (let s = 0; s < 2; s++) {
    for (let t = s; t < 2; t++) {
      const block = data.correlation(nets[s], nets[t]);
      const cols = data.nets[nets[t]].units;
      const r0 = s === 0 ? 0 : na;
      const c0 = t === 0 ? 0 : na;
      for (let i = 0; i < live[s].length; i++) {
        const src = live[s][i] * cols;
        for (let j = 0; j < live[t].length; j++) {
          const r = block[src + live[t][j]];
          corr[(r0 + i) * n + c0 + j] = r;
          corr[(c0 + j) * n + r0 + i] = r;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) corr[i * n + i] = 1;
  return { n, na, net, unit, corr };
}
