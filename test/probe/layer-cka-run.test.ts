// `convergent run --method layer-cka` end to end on three small ONNX nets over 37 MNIST digits
// (test/probe/resume-helpers.ts: a conv layer on a 9 x 9 map, and a Gemm): the layer_cka table
// against a direct computation from onnxruntime's activations of the same digits (pooled, then
// Gram matrices: the biased CKA from the centred Gram matrices, the debiased from the unbiased
// HSIC of Song et al. 2012), within 1e-6 (float32 rounding of the forward passes and of the
// moment kernel). Also the refusals: align --method layer-cka on a run probed without it,
// activation files, --shard, and a joint state over the memory limit.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnx } from '../../src/inputs/onnx/decode.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { openImageSource } from '../../src/inputs/data/source.js';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { parsePool, poolBatch } from '../../src/probe/layer-cka/pool.js';
import { convergent, tempDir } from '../cli/helpers.js';
import { MNIST_SPLIT, writeMnistNet } from './resume-helpers.js';

const N = 37; // held-out digits (MNIST_SPLIT), batches of 5: a short last one
const NETS = ['a', 'b', 'c'];
/** writeMnistNet's layers: conv1 on a 9 x 9 map (not a multiple of 2), fc1 a vector. */
const LAYERS = [['conv1', 'relu1', 3, 9, 9], ['fc1', 'relu2', 7, 1, 1]] as const;

let dir: string;
/** Per net, per layer: onnxruntime's activations of the probe's digits, batch-first. */
const activations: Float32Array[][] = [];

beforeAll(async () => {
  dir = tempDir('layer-cka');
  // The digits exactly as the probe reads them (scaled to [0, 1]).
  const source = await openImageSource('mnist', { itemShape: [1, 28, 28], split: MNIST_SPLIT });
  const images = new Float32Array(N * 28 * 28);
  for await (const batch of source.batches(N)) images.set(batch.data);
  await source.close();
  for (const [k, net] of NETS.entries()) {
    const path = join(dir, `${net}.onnx`);
    writeMnistNet(path, k + 1);
    // onnxruntime runs the same net with its ReLUs as graph outputs too.
    const model = decodeOnnx(readFileSync(path), path);
    model.outputs.push(...LAYERS.map(([, tensor]) => ({ name: tensor, elemType: 1, dims: [] })));
    const session = await ort.InferenceSession.create(encodeOnnx(model));
    const result = await session.run({ x: new ort.Tensor('float32', images, [N, 1, 28, 28]) });
    activations.push(LAYERS.map(([, tensor]) => result[tensor].data as Float32Array));
    // The same activations as files, for the refusal of layer-cka on activation files.
    mkdirSync(join(dir, `acts-${net}`));
    LAYERS.forEach(([layer, , units, h, w], li) => writeFileSync(join(dir, `acts-${net}`, `${layer}.npy`), encodeNpy(activations[k][li], h === 1 ? [N, units] : [N, units, h, w])));
  }
});

const netArgs = () => [...NETS.flatMap((net) => ['--net', `${net}=${join(dir, `${net}.onnx`)}`]), '--data', 'mnist', '--split', MNIST_SPLIT, '--backend', 'wasm', '--batch', '5', ...LAYERS.flatMap(([layer, tensor]) => ['--layer', `${layer}=${tensor}`])];

/** Pooled features (n x f, row-major by image) of net k's layer li. */
function features(k: number, li: number, pool: string): { x: Float64Array; f: number } {
  const [, , units, height, width] = LAYERS[li];
  const grid = parsePool(pool);
  const f = height === 1 ? units : grid === 0 ? units : units * grid * grid;
  const unitMajor = new Float64Array(f * N);
  poolBatch(activations[k][li], N, { units, height, width, grid }, unitMajor);
  const x = new Float64Array(N * f);
  for (let i = 0; i < N; i++) for (let j = 0; j < f; j++) x[i * f + j] = unitMajor[j * N + i];
  return { x, f };
}

function gram(x: Float64Array, f: number): Float64Array {
  const g = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let u = 0; u < f; u++) g[i * N + j] += x[i * f + u] * x[j * f + u];
  return g;
}

/** tr(K H L H): HSIC up to a factor that cancels in CKA. */
function centredHsic(k: Float64Array, l: Float64Array): number {
  const centre = (m: Float64Array) => {
    const row = new Float64Array(N);
    let all = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) row[i] += m[i * N + j] / N;
    for (let i = 0; i < N; i++) all += row[i] / N;
    return m.map((v, p) => v - row[Math.floor(p / N)] - row[p % N] + all);
  };
  const kc = centre(k);
  const lc = centre(l);
  return kc.reduce((s, v, p) => s + v * lc[p], 0);
}

/** Song et al. (2012): [tr(K~L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)), K~ with a zero diagonal. */
function unbiasedHsic(k: Float64Array, l: Float64Array): number {
  const kt = k.map((v, p) => (Math.floor(p / N) === p % N ? 0 : v));
  const lt = l.map((v, p) => (Math.floor(p / N) === p % N ? 0 : v));
  let tr = 0;
  let sk = 0;
  let sl = 0;
  let klOnes = 0;
  const rowK = new Float64Array(N);
  const rowL = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      tr += kt[i * N + j] * lt[j * N + i];
      sk += kt[i * N + j];
      sl += lt[i * N + j];
      rowK[i] += kt[i * N + j];
      rowL[i] += lt[i * N + j];
    }
  }
  for (let i = 0; i < N; i++) klOnes += rowK[i] * rowL[i];
  return (tr + (sk * sl) / ((N - 1) * (N - 2)) - (2 / (N - 2)) * klOnes) / (N * (N - 3));
}

function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

describe('convergent run --method layer-cka', () => {
  for (const pool of ['mean', '2x2']) {
    it(`pool ${pool}: the layer_cka table is the direct computation from onnxruntime's activations`, () => {
      const out = join(dir, `run-${pool}`);
      const r = convergent(['run', ...netArgs(), '--out', out, '--method', 'layer-cka', '--layer-cka.pool', pool]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/layer-cka: the joint state needs [\d.]+ MiB \(D\^2 x 8 bytes x 2, D = \d+ features in 6 blocks of \(net, layer\)\); limit 4096 MiB/);
      const rows = readCsv(join(out, 'tables', 'layer_cka.csv'));
      // a x a, a x b, a x c, b x b, b x c, c x c: 4 layer pairs each.
      expect(rows.map((row) => `${row.net_a}${row.net_b}`).sort().join(' ')).toBe(['aa', 'ab', 'ac', 'bb', 'bc', 'cc'].flatMap((p) => Array(4).fill(p)).join(' '));
      const grams = NETS.map((_, k) => LAYERS.map((_, li) => {
        const { x, f } = features(k, li, pool);
        return { g: gram(x, f), f };
      }));
      const layerIndex = (name: string) => LAYERS.findIndex(([layer]) => layer === name);
      for (const row of rows) {
        const A = grams[NETS.indexOf(row.net_a)][layerIndex(row.layer_a)];
        const B = grams[NETS.indexOf(row.net_b)][layerIndex(row.layer_b)];
        expect(Number(row.features_a)).toBe(A.f);
        expect(Number(row.features_b)).toBe(B.f);
        const biased = centredHsic(A.g, B.g) / Math.sqrt(centredHsic(A.g, A.g) * centredHsic(B.g, B.g));
        const debiased = unbiasedHsic(A.g, B.g) / Math.sqrt(unbiasedHsic(A.g, A.g) * unbiasedHsic(B.g, B.g));
        const where = `${row.net_a}/${row.layer_a} x ${row.net_b}/${row.layer_b}`;
        if (row.net_a === row.net_b && row.layer_a === row.layer_b) {
          expect(row.linear_cka, where).toBe('1');
          expect(row.linear_cka_debiased, where).toBe('1');
        }
        // Our forward passes and onnxruntime's differ in float32 rounding, and the WASM kernel sums float32 deviations: about 6e-8 here.
        expect(Math.abs(Number(row.linear_cka) - biased), `${where} biased`).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(Number(row.linear_cka_debiased) - debiased), `${where} debiased`).toBeLessThanOrEqual(1e-6);
      }
      const blocks = JSON.parse(readFileSync(join(out, 'layer-cka', 'blocks.json'), 'utf8'));
      expect(blocks.samples).toBe(N);
      expect(blocks.pool).toBe(pool);
      const report = readFileSync(join(out, 'report.html'), 'utf8');
      expect(report).toContain('Layer-by-layer CKA');
    });
  }

  it('align --method layer-cka on a run probed without it says how to probe for it', () => {
    const out = join(dir, 'plain');
    expect(convergent(['run', ...netArgs(), '--out', out]).code).toBe(0);
    const r = convergent(['align', out, '--method', 'layer-cka']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`method layer-cka needs the reducer "layer-cka", which run ${out} was not probed with`);
    expect(r.stderr).toContain('`convergent run ... --method layer-cka`, which adds it');
  });

  it('refuses activation files, --shard (and slurm, which shards), and a joint state over --layer-cka.max-memory-mb, before probing', () => {
    const files = convergent(['run', '--net', `a=${join(dir, 'acts-a')}`, '--net', `b=${join(dir, 'acts-b')}`, '--out', join(dir, 'files'), '--backend', 'wasm', '--method', 'layer-cka']);
    expect(files.code).toBe(1);
    expect(files.stderr).toContain('layer-cka needs every layer of an image at once, and the probe from activation files reads one layer after another');
    const shard = convergent(['probe', ...netArgs(), '--out', join(dir, 'shard'), '--reducer', 'layer-cka', '--shard', '0/2']);
    expect(shard.code).toBe(1);
    expect(shard.stderr).toContain('layer-cka cannot be sharded yet (merging the parts\' joint layer-cka state is not built): probe without --shard (checkpoints and --resume work)');
    const slurm = convergent(['slurm', ...netArgs(), '--out', join(dir, 'slurm'), '--parts', '2', '--method', 'layer-cka']);
    expect(slurm.code).toBe(1);
    expect(slurm.stderr).toContain('layer-cka cannot be sharded yet');
    const memory = convergent(['run', ...netArgs(), '--out', join(dir, 'memory'), '--method', 'layer-cka', '--layer-cka.pool', '3x3', '--layer-cka.max-memory-mb', '0.01']);
    expect(memory.code).toBe(1);
    expect(memory.stderr).toMatch(/layer-cka: the joint state needs [\d.]+ MiB .*, over the limit of 0.01 MiB \(--layer-cka.max-memory-mb\); widest blocks: net a, layer conv1: 27; net b, layer conv1: 27; net c, layer conv1: 27/);
  });
});
