// The nets of the web-page bench (./web-page.ts): the four LeNets that `convergent demo` trains and
// caches (seeds 1-4, the newest of each), or, when the cache lacks one, four untrained LeNet-shaped
// nets (conv 6@5x5, pool, conv 16@5x5, pool, fc 120, fc 10) with seeded weights, written with the
// repo's OnnxBuilder into `dir`. Either way the page and `convergent run` read the same files.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir } from '../cli/commands/demo.js';
import { OnnxBuilder } from '../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { seededNormal } from '../src/util/random.js';

export interface BenchNet {
  /** The page names a net after its file (without .onnx); `convergent run` is given the same name. */
  name: string;
  path: string;
}

const SEEDS = [1, 2, 3, 4];

/** The newest cached demo LeNet of `seed`, or undefined. */
function newestDemoNet(dir: string, seed: number): string | undefined {
  const mine = readdirSync(dir).filter((f) => f.startsWith(`lenet-seed${seed}-`) && f.endsWith('.onnx'));
  let newest: string | undefined;
  for (const file of mine) if (!newest || statSync(join(dir, file)).mtimeMs > statSync(join(dir, newest)).mtimeMs) newest = file;
  return newest && join(dir, newest);
}

/** An untrained LeNet-shaped net for 1x28x28 digits, its weights drawn from `seed`. */
function writeLenetShaped(path: string, seed: number): void {
  const normal = seededNormal(seed);
  const net = new OnnxBuilder(`lenet-shaped-${seed}`);
  // He-style scale per layer: activations neither vanish nor blow up through the four layers.
  const tensor = (name: string, dims: number[], fanIn: number) => net.initializer(name, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => normal() * Math.sqrt(2 / fanIn)));
  net.input('x', ['N', 1, 28, 28]);
  tensor('w1', [6, 1, 5, 5], 25);
  tensor('b1', [6], 25);
  net.node('Conv', ['x', 'w1', 'b1'], ['conv1'], { pads: [2, 2, 2, 2] });
  net.node('Relu', ['conv1'], ['relu1']);
  net.node('MaxPool', ['relu1'], ['pool1'], { kernel_shape: [2, 2], strides: [2, 2] });
  tensor('w2', [16, 6, 5, 5], 150);
  tensor('b2', [16], 150);
  net.node('Conv', ['pool1', 'w2', 'b2'], ['conv2']);
  net.node('Relu', ['conv2'], ['relu2']);
  net.node('MaxPool', ['relu2'], ['pool2'], { kernel_shape: [2, 2], strides: [2, 2] });
  net.node('Flatten', ['pool2'], ['flat'], { axis: 1 });
  tensor('w3', [120, 400], 400);
  tensor('b3', [120], 400);
  net.node('Gemm', ['flat', 'w3', 'b3'], ['fc1'], { transB: 1 });
  net.node('Relu', ['fc1'], ['relu3']);
  tensor('w4', [10, 120], 120);
  net.node('Gemm', ['relu3', 'w4'], ['logits'], { transB: 1 });
  net.output('logits', ['N', 10]);
  writeFileSync(path, encodeOnnx(net.build({ opset: 13 })));
}

/** The demo's cached LeNets, else LeNet-shaped nets written into `dir`; `note` says which. */
export function benchNets(dir: string): { nets: BenchNet[]; note: string } {
  const cache = join(defaultCacheDir(), 'nets');
  const cached = existsSync(cache) ? SEEDS.map((seed) => newestDemoNet(cache, seed)) : [];
  if (cached.length === SEEDS.length && cached.every(Boolean)) {
    const nets = (cached as string[]).map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1).replace(/\.onnx$/, ''), path }));
    return { nets, note: `the 4 LeNets of \`convergent demo\` (seeds ${SEEDS.join(', ')}), from ${cache}` };
  }
  const nets = SEEDS.map((seed) => ({ name: `lenet-shaped-${seed}`, path: join(dir, `lenet-shaped-${seed}.onnx`) }));
  nets.forEach((n, k) => writeLenetShaped(n.path, SEEDS[k]));
  return { nets, note: `4 untrained LeNet-shaped nets (seeded weights; the demo's nets are not cached in ${cache})` };
}
