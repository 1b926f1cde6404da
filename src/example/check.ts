// Compares what `align` found on the planted example with the planted answer.
import type { Table } from '../tables/types.js';
import type { PlantedTruth } from './write.js';

export interface PlantedCheck {
  layer: string;
  copyUnits: number;
  copyRecoveredBipartite: number;
  copyRecoveredSemi: number;
  meanCopyCorr: number;
  meanSubspaceCorr: number;
  meanUniqueCorr: number;
}

export function checkPlanted(matches: Table, truth: PlantedTruth, netA = 'netA', netB = 'netB'): PlantedCheck[] {
  const rows = matches.objects() as Record<string, any>[];
  return truth.layers.map((layer) => {
    const mine = rows.filter((r) => r.layer === layer.name && r.net_a === netA && r.net_b === netB);
    const byUnit = new Map(mine.map((r) => [r.unit_a as number, r]));
    let bip = 0;
    let semi = 0;
    const groupMean = (from: number, to: number) => {
      let s = 0;
      let n = 0;
      for (let u = from; u < to; u++) {
        const v = byUnit.get(u)?.bipartite_corr;
        if (typeof v === 'number') {
          s += v;
          n++;
        }
      }
      return n > 0 ? s / n : NaN;
    };
    layer.copyPartner.forEach((partner, u) => {
      if (byUnit.get(u)?.bipartite_unit_b === partner) bip++;
      if (byUnit.get(u)?.semi_unit_b === partner) semi++;
    });
    const s0 = layer.copy;
    const s1 = s0 + layer.subspace;
    const s2 = s1 + layer.unique;
    return {
      layer: layer.name,
      copyUnits: layer.copy,
      copyRecoveredBipartite: bip,
      copyRecoveredSemi: semi,
      meanCopyCorr: groupMean(0, s0),
      meanSubspaceCorr: groupMean(s0, s1),
      meanUniqueCorr: groupMean(s1, s2),
    };
  });
}

export function formatPlantedCheck(checks: PlantedCheck[]): string {
  const lines = ['Planted answer (embedded example): copies should be recovered, rotated-subspace units match only partly, unique units not at all.'];
  for (const c of checks) {
    lines.push(
      `  ${c.layer}: copy units recovered ${c.copyRecoveredBipartite}/${c.copyUnits} (bipartite), ${c.copyRecoveredSemi}/${c.copyUnits} (semi); ` +
        `mean bipartite r: copy ${c.meanCopyCorr.toFixed(3)}, rotated subspace ${c.meanSubspaceCorr.toFixed(3)}, unique ${c.meanUniqueCorr.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}
