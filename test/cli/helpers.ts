// Shared by the CLI tests: the built CLI (dist/, from `npx tsc -p tsconfig.json`) run as a user
// runs it, and small inputs made here from seeded generators: ONNX CNNs and (N, C, H, W) images.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededNormal } from '../../src/util/random.js';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';

export const CLI = 'dist/cli/main.js';

export function convergent(args: string[], options: { cwd?: string } = {}) {
  const cli = options.cwd ? join(process.cwd(), CLI) : CLI;
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: options.cwd, env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `convergent-${prefix}-`));
}

/** A run directory made by `run --example` (planted activations, two nets, conv1 and fc1). */
export function exampleRun(): string {
  const out = join(tempDir('example'), 'run');
  const r = convergent(['run', '--example', '--out', out, '--backend', 'wasm', '--quiet']);
  if (r.code !== 0) throw new Error(`run --example failed: ${r.stderr}`);
  return out;
}

export const ITEM = [3, 9, 7] as const; // odd, non-square

export function values(count: number, scale: number, seed: number): Float32Array {
  const next = seededNormal(seed);
  return Float32Array.from({ length: count }, () => next() * scale);
}

/**
 * conv (5 channels, 3x3, pad 1) -> ReLU "r1" -> Flatten -> Gemm (6) -> ReLU "r2" -> Gemm (3).
 * `inChannels` other than 3 makes a model whose conv weight does not fit the input (a shape error).
 */
export function writeTinyCnn(path: string, seed: number, inChannels = 3): void {
  const [c, h, w] = ITEM;
  const b = new OnnxBuilder(`tiny${seed}`);
  b.input('x', ['N', c, h, w]);
  b.initializer('w1', [5, inChannels, 3, 3], values(5 * inChannels * 9, 0.4, seed * 10 + 1));
  b.initializer('b1', [5], values(5, 0.1, seed * 10 + 2));
  b.node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] });
  b.node('Relu', ['c1'], ['r1']);
  b.node('Flatten', ['r1'], ['f'], { axis: 1 });
  b.initializer('w2', [6, 5 * h * w], values(6 * 5 * h * w, 0.1, seed * 10 + 3));
  b.node('Gemm', ['f', 'w2'], ['g'], { transB: 1 });
  b.node('Relu', ['g'], ['r2']);
  b.initializer('w3', [3, 6], values(18, 0.5, seed * 10 + 4));
  b.node('Gemm', ['r2', 'w3'], ['y'], { transB: 1 });
  b.output('y', ['N', 3]);
  writeFileSync(path, encodeOnnx(b.build()));
}

/** `n` images of ITEM as float32 (N, C, H, W); `nanAt` puts a NaN at that flat index. */
export function writeImages(path: string, n: number, nanAt?: number): void {
  const data = values(n * ITEM[0] * ITEM[1] * ITEM[2], 1, 7);
  if (nanAt !== undefined) data[nanAt] = NaN;
  writeFileSync(path, encodeNpy(data, [n, ...ITEM]));
}
