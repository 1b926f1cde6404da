// The embedded example: activations of two "nets" with planted structure whose answer is known,
// so `convergent run --example` shows the method finding it.
//
// Per layer, each net has units of four kinds, driven by shared or private Gaussian latents:
//   copy    : net B's unit perm[i] is net A's copy unit i plus independent noise (r ~ 0.95),
//             so bipartite matching should recover perm exactly;
//   subspace: both nets span the same k-dim latent subspace, but B's basis is A's rotated, so
//             single units correlate only partly while the subspace is shared (many-to-many);
//   unique  : private latents, nothing to match (correlations near 0);
//   dead    : constant zero, a ReLU that never fires (reported, excluded from matching).
// Conv layers are (N, C, H, W) with every position a sample; dense layers are (N, D).
import { seededNormal, seededPermutation, seededRotation } from '../util/random.js';

export interface PlantedLayerSpec {
  name: string;
  copy: number;
  subspace: number;
  unique: number;
  deadA: number;
  deadB: number;
  /** Spatial size for conv layers (H = W), absent for dense layers. */
  spatial?: number;
}

export const PLANTED_LAYERS: PlantedLayerSpec[] = [
  { name: 'conv1', copy: 12, subspace: 6, unique: 4, deadA: 1, deadB: 2, spatial: 5 },
  { name: 'fc1', copy: 24, subspace: 8, unique: 8, deadA: 2, deadB: 1 },
];
export const PLANTED_IMAGES = 2000;

export interface PlantedLayer {
  spec: PlantedLayerSpec;
  shape: number[];
  /** Sample-major arrays as numpy would save them: (N, D) or (N, C, H, W), float32. */
  a: Float32Array;
  b: Float32Array;
  /** Net B's unit for each of net A's copy units (A unit i -> B unit truth[i]). */
  copyPartner: number[];
  units: number;
}

const COPY_NOISE = 0.33;

export function plantedLayer(spec: PlantedLayerSpec, images: number, seed: number): PlantedLayer {
  const units = spec.copy + spec.subspace + spec.unique + Math.max(spec.deadA, spec.deadB);
  const positions = (spec.spatial ?? 1) ** 2;
  const samples = images * positions;
  const normal = seededNormal(seed);
  const rotation = seededRotation(spec.subspace, seed + 1);
  // Unit layout of net A: [copy | subspace | unique | dead...]; net B is permuted as a whole so
  // the partners are not on the diagonal.
  const permB = seededPermutation(units, seed + 2);
  const a = new Float64Array(samples * units);
  const b = new Float64Array(samples * units);
  const latent = new Float64Array(spec.subspace);
  for (let s = 0; s < samples; s++) {
    const rowA = new Float64Array(units);
    const rowB = new Float64Array(units);
    let u = 0;
    for (let i = 0; i < spec.copy; i++, u++) {
      const z = normal();
      rowA[u] = z;
      rowB[u] = z + COPY_NOISE * normal();
    }
    for (let i = 0; i < spec.subspace; i++) latent[i] = normal();
    for (let i = 0; i < spec.subspace; i++, u++) {
      rowA[u] = latent[i];
      let v = 0;
      for (let k = 0; k < spec.subspace; k++) v += rotation[i * spec.subspace + k] * latent[k];
      rowB[u] = v;
    }
    for (let i = 0; i < spec.unique; i++, u++) {
      rowA[u] = normal();
      rowB[u] = normal();
    }
    // Dead units stay 0 in the net that has them; the other net's extra units get noise.
    for (let i = 0; u < units; i++, u++) {
      rowA[u] = i < spec.deadA ? 0 : normal();
      rowB[u] = i < spec.deadB ? 0 : normal();
    }
    for (let k = 0; k < units; k++) {
      a[s * units + k] = rowA[k];
      b[s * units + permB[k]] = rowB[k];
    }
  }
  // Give the activations a ReLU-like positive offset and scale, different per net.
  const toArray = (src: Float64Array, scale: number, offset: number, deadFrom: number, dead: number, perm?: number[]) => {
    const out = new Float32Array(samples * units);
    const isDead = new Uint8Array(units);
    for (let i = 0; i < dead; i++) isDead[perm ? perm[deadFrom + i] : deadFrom + i] = 1;
    // Re-order from sample-major (sample, unit) into numpy's layout (image, unit, position).
    for (let s = 0; s < samples; s++) {
      const image = Math.floor(s / positions);
      const pos = s % positions;
      for (let k = 0; k < units; k++) {
        const v = isDead[k] ? 0 : offset + scale * src[s * units + k];
        out[(image * units + k) * positions + pos] = v;
      }
    }
    return out;
  };
  const deadFrom = spec.copy + spec.subspace + spec.unique;
  const shape = spec.spatial ? [images, units, spec.spatial, spec.spatial] : [images, units];
  return {
    spec,
    shape,
    a: toArray(a, 1, 3, deadFrom, spec.deadA),
    b: toArray(b, 2, 5, deadFrom, spec.deadB, permB),
    copyPartner: Array.from({ length: spec.copy }, (_, i) => permB[i]),
    units,
  };
}
