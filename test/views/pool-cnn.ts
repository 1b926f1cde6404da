// A small ONNX CNN for the deconvnet views' tests (max pooling, a grouped conv, fc layers) over
// the CLI tests' items (3 x 9 x 7), with seeded weights, and a run of two of them.
import { writeFileSync } from 'node:fs';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { join } from 'node:path';
import { ITEM, convergent, tempDir, values, writeImages } from '../cli/helpers.js';

/** conv (4, 3x3, pad 1) -> r1 -> maxpool 2/2 -> conv (6, group 2, pad 1) -> r2 -> flatten -> fc 5 -> r3 -> fc 3. */
export function writePoolCnn(path: string, seed: number): void {
  const [c, h, w] = ITEM;
  const b = new OnnxBuilder(`pool${seed}`);
  b.input('x', ['N', c, h, w]);
  b.initializer('w1', [4, c, 3, 3], values(4 * c * 9, 0.5, seed * 10 + 1));
  b.initializer('b1', [4], values(4, 0.1, seed * 10 + 2));
  b.node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] });
  b.node('Relu', ['c1'], ['r1']);
  b.node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }); // 9 x 7 -> 4 x 3
  b.initializer('w2', [6, 2, 3, 3], values(6 * 2 * 9, 0.5, seed * 10 + 3));
  b.initializer('b2', [6], values(6, 0.1, seed * 10 + 4));
  b.node('Conv', ['p1', 'w2', 'b2'], ['c2'], { pads: [1, 1, 1, 1], group: 2 });
  b.node('Relu', ['c2'], ['r2']);
  b.node('Flatten', ['r2'], ['f'], { axis: 1 });
  b.initializer('w3', [5, 6 * 4 * 3], values(5 * 72, 0.3, seed * 10 + 5));
  b.node('Gemm', ['f', 'w3'], ['g'], { transB: 1 });
  b.node('Relu', ['g'], ['r3']);
  b.initializer('w4', [3, 5], values(15, 0.5, seed * 10 + 6));
  b.node('Gemm', ['r3', 'w4'], ['y'], { transB: 1 });
  b.output('y', ['N', 3]);
  writeFileSync(path, encodeOnnx(b.build()));
}

/**
 * In a new folder (`prefix`): nets a and b (seeds 1 and 2), 13 images, and `convergent run` on
 * them into <folder>/run (top-k 5, semi and bipartite) with `extra` flags.
 */
export function runOnPoolCnns(prefix: string, extra: string[] = []) {
  const dir = tempDir(prefix);
  writePoolCnn(join(dir, 'a.onnx'), 1);
  writePoolCnn(join(dir, 'b.onnx'), 2);
  writeImages(join(dir, 'images.npy'), 13);
  const run = join(dir, 'run');
  const result = convergent(['run', '--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', join(dir, 'images.npy'), '--out', run, '--backend', 'wasm', '--top-k', '5', '--method', 'semi', '--method', 'bipartite', '--min-active-images', '1', ...extra]);
  return { dir, run, result };
}
