// The one-to-one (bipartite) matching of two nets' live units that maximises the total of a
// similarity (correlation, mutual information): the assignment the `bipartite`, `mi` and
// `sparse-prediction` methods all use, computed one way.
import { linearSumAssignment } from '../../kernels/assignment/index.js';

/** Indices of the units not marked dead, ascending. */
export function liveIndices(dead: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < dead.length; i++) if (!dead[i]) out.push(i);
  return out;
}

export interface BipartitePartners {
  /** Partner in B of each unit of A, -1 for none (dead, or unmatched when A has more live units). */
  ofA: Int32Array;
  /** Partner in A of each unit of B, -1 for none. */
  ofB: Int32Array;
  /** Matched pairs: min(live units of A, live units of B). */
  matched: number;
}

/** The matching of live units maximising the total of `sim` (unitsA x unitsB row-major): partners both ways. */
export async function bipartitePartners(sim: Float64Array, unitsA: number, unitsB: number, deadA: Uint8Array, deadB: Uint8Array): Promise<BipartitePartners> {
  const liveA = liveIndices(deadA);
  const liveB = liveIndices(deadB);
  const sub = new Float64Array(liveA.length * liveB.length);
  for (let r = 0; r < liveA.length; r++) for (let c = 0; c < liveB.length; c++) sub[r * liveB.length + c] = sim[liveA[r] * unitsB + liveB[c]];
  const { rowInd, colInd } = await linearSumAssignment({ data: sub, rows: liveA.length, cols: liveB.length }, { maximize: true });
  const ofA = new Int32Array(unitsA).fill(-1);
  const ofB = new Int32Array(unitsB).fill(-1);
  for (let k = 0; k < rowInd.length; k++) {
    ofA[liveA[rowInd[k]]] = liveB[colInd[k]];
    ofB[liveB[colInd[k]]] = liveA[rowInd[k]];
  }
  return { ofA, ofB, matched: rowInd.length };
}
