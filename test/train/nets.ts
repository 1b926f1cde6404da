// Small nets and data for the training tests: odd sizes (not multiples of the SIMD width or the
// GEMM tiles), padding, stride 2 and overlapping pooling, so every branch of the kernels runs.
import { seededUniform } from '../../src/util/random.js';
import { initParams, resolveNet, type LayerPlan, type NetSpec, type Shape3 } from '../../src/train/model.js';

/** conv (pad 1) - relu - overlapping maxpool 3/2 - conv stride 2 - relu - fc - relu - fc. */
export const SMALL_PLAN: LayerPlan[] = [
  { kind: 'conv', name: 'conv1', channels: 5, kernel: 3, pad: 1 },
  { kind: 'relu', name: 'relu1' },
  { kind: 'maxpool', name: 'pool1', kernel: 3, stride: 2 },
  { kind: 'conv', name: 'conv2', channels: 6, kernel: 3, stride: 2 },
  { kind: 'relu', name: 'relu2' },
  { kind: 'fc', name: 'fc1', units: 7 },
  { kind: 'relu', name: 'relu3' },
  { kind: 'fc', name: 'fc2', units: 'classes' },
];

/** LeNet's layer kinds with small widths (2x2 pools, no padding), on 2 x 17 x 15 inputs. */
export const MINI_LENET_PLAN: LayerPlan[] = [
  { kind: 'conv', name: 'conv1', channels: 3, kernel: 5 },
  { kind: 'relu', name: 'relu1' },
  { kind: 'maxpool', name: 'pool1', kernel: 2, stride: 2 },
  { kind: 'conv', name: 'conv2', channels: 5, kernel: 3 },
  { kind: 'relu', name: 'relu2' },
  { kind: 'maxpool', name: 'pool2', kernel: 2, stride: 2 },
  { kind: 'fc', name: 'fc1', units: 9 },
  { kind: 'relu', name: 'relu3' },
  { kind: 'fc', name: 'fc2', units: 'classes' },
];

export function smallNet(plan: LayerPlan[] = SMALL_PLAN, inputShape: Shape3 = [2, 11, 13], classes = 4): NetSpec {
  return resolveNet('custom', 1, plan, inputShape, classes);
}

/** Random inputs in [0, 1) and labels, deterministic. */
export function randomBatch(spec: NetSpec, n: number, seed: number): { images: Float32Array; labels: Uint8Array } {
  const u = seededUniform(seed);
  const images = Float32Array.from({ length: n * spec.layers[0].inSize }, () => u());
  const labels = Uint8Array.from({ length: n }, () => Math.floor(u() * spec.classes));
  return { images, labels };
}

/** Xavier-initialised weights plus small random biases (zero biases would hide bias bugs). */
export function randomParams(spec: NetSpec, seed: number): Float32Array {
  const p = initParams(spec, seed);
  const u = seededUniform(seed + 7);
  for (const ref of spec.params) if (ref.name.endsWith('.bias')) for (let i = 0; i < ref.size; i++) p[ref.offset + i] = 0.2 * (u() - 0.5);
  return p;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** |a - b| <= tol * max(1e-3, max|b|) per parameter tensor; throws naming the tensor and index. */
export function expectCloseByParam(spec: NetSpec, a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  for (const ref of spec.params) {
    let scale = 1e-3;
    for (let i = 0; i < ref.size; i++) scale = Math.max(scale, Math.abs(b[ref.offset + i]));
    for (let i = 0; i < ref.size; i++) {
      const d = Math.abs(a[ref.offset + i] - b[ref.offset + i]);
      if (!(d <= tol * scale)) throw new Error(`${what}: ${ref.name}[${i}] = ${a[ref.offset + i]}, expected ${b[ref.offset + i]} (|diff| ${d.toExponential(2)} > ${tol} x ${scale.toExponential(2)})`);
    }
  }
}

/** The first `train` MNIST items for training and the `heldOut` items from 8000 on (a TrainData). */
export async function mnistSubset(train: number, heldOut: number): Promise<import('../../src/train/data.js').TrainData> {
  const { mnistTrainData } = await import('../../src/train/data.js');
  const full = await mnistTrainData();
  const size = 784;
  const images = new Float32Array((train + heldOut) * size);
  images.set(full.images.subarray(0, train * size));
  images.set(full.images.subarray(8000 * size, (8000 + heldOut) * size), train * size);
  const labels = new Uint8Array(train + heldOut);
  labels.set(full.labels.subarray(0, train));
  labels.set(full.labels.subarray(8000, 8000 + heldOut), train);
  return { ...full, images, labels, count: train + heldOut, train: [0, train], heldOut: [train, train + heldOut], identity: `${full.identity}:subset${train}+${heldOut}`, label: `mnist subset` };
}
