// The study benchmark's inputs, written once into its folder and read by both sides: K Caffe-style
// AlexNets with seeded random weights (./forward-models.ts alexnet) as ONNX files, and N random
// 227 x 227 RGB images (uniform in [0, 1), seeded) as one (N, 3, 227, 227) float32 .npy, which
// `convergent probe --data FILE.npy` takes as it is and onnxruntime is fed from.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { writeNpy } from '../src/run-dir/npy-write.js';
import { seededUniform } from '../src/util/random.js';
import { alexnet } from './forward-models.js';

/** The probed layers and the ReLU output each is (forward-models.ts names them relu1..relu7). */
export const STUDY_LAYERS: Record<string, string> = {
  conv1: 'relu1',
  conv2: 'relu2',
  conv3: 'relu3',
  conv4: 'relu4',
  conv5: 'relu5',
  fc6: 'relu6',
  fc7: 'relu7',
};

export const STUDY_METHODS = ['semi', 'bipartite', 'mi', 'sparse-prediction', 'spectral', 'hac', 'linear-cka'];

export const IMAGE_SHAPE: [number, number, number] = [3, 227, 227];
const IMAGE_SEED = 2016;

/** Net k's name and weight seed: net1.. with seeds 101, 202, ... (forward-models numbers each tensor's seed from it). */
export function studyNets(dir: string, count: number): { name: string; seed: number; path: string }[] {
  return Array.from({ length: count }, (_, k) => ({ name: `net${k + 1}`, seed: 101 * (k + 1), path: join(dir, `net${k + 1}.onnx`) }));
}

export const imagesPath = (dir: string) => join(dir, 'images.npy');

/** Writes the nets and the images into `dir`. */
export async function writeStudyInputs(dir: string, nets: number, images: number): Promise<void> {
  for (const net of studyNets(dir, nets)) await writeFile(net.path, encodeOnnx(alexnet(net.seed).model));
  const rand = seededUniform(IMAGE_SEED);
  const pixels = new Float32Array(images * IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2]);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rand();
  await writeNpy(imagesPath(dir), pixels, [images, ...IMAGE_SHAPE]);
}
