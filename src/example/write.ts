// Writes the embedded planted example as activation files, exactly as a user's would look:
// one directory per net with one <layer>.npy per layer, plus the planted answer. Node-only.
import { mkdir } from 'node:fs/promises';
import { writeJsonAtomic } from '../run-dir/atomic-write.js';
import { join } from 'node:path';
import { writeNpy } from '../run-dir/npy-write.js';
import { PLANTED_IMAGES, PLANTED_LAYERS, plantedLayer } from './planted.js';

export interface PlantedTruth {
  layers: { name: string; units: number; copy: number; subspace: number; unique: number; deadA: number; deadB: number; copyPartner: number[] }[];
}

export async function writePlantedExample(dir: string, images = PLANTED_IMAGES): Promise<{ nets: { name: string; path: string }[]; truth: PlantedTruth }> {
  const netA = join(dir, 'netA');
  const netB = join(dir, 'netB');
  await mkdir(netA, { recursive: true });
  await mkdir(netB, { recursive: true });
  const truth: PlantedTruth = { layers: [] };
  for (let i = 0; i < PLANTED_LAYERS.length; i++) {
    const layer = plantedLayer(PLANTED_LAYERS[i], images, 1000 * (i + 1));
    await writeNpy(join(netA, `${layer.spec.name}.npy`), layer.a, layer.shape);
    await writeNpy(join(netB, `${layer.spec.name}.npy`), layer.b, layer.shape);
    const { name, copy, subspace, unique, deadA, deadB } = layer.spec;
    truth.layers.push({ name, units: layer.units, copy, subspace, unique, deadA, deadB, copyPartner: layer.copyPartner });
  }
  await writeJsonAtomic(join(dir, 'truth.json'), truth);
  return { nets: [{ name: 'netA', path: netA }, { name: 'netB', path: netB }], truth };
}
