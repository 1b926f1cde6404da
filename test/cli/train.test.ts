// `convergent train` end to end on a folder of class sub-folders (generated PNG stripes), several
// seeds in one call: the models, their records, the output names; and the small pieces of the
// command (seed lists, model paths) and the cache key.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import { runTrain, type TrainArgs } from '../../cli/commands/train.js';
import { parseSeeds } from '../../cli/flags.js';
import { seededUniform } from '../../src/util/random.js';
import { trainingKey, type TrainingKeyOptions } from '../../src/train/key.js';
import { TRAIN_DEFAULTS } from '../../src/train/options.js';
import { modelPathFor, recordPathFor } from '../../src/train/save.js';

const dir = await mkdtemp(join(tmpdir(), 'convergent-train-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** 16 x 16 grey PNGs: horizontal stripes, vertical stripes, a diagonal, with noise. */
async function makeFolder(root: string, perClass: number): Promise<void> {
  const u = seededUniform(9);
  const patterns: ((y: number, x: number) => boolean)[] = [(y) => y % 4 < 2, (_, x) => x % 4 < 2, (y, x) => Math.abs(y - x) < 3];
  for (const [c, name] of ['horizontal', 'vertical', 'diagonal'].entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(16 * 16);
      const shift = Math.floor(u() * 4);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) data[y * 16 + x] = Math.min(255, (patterns[c](y + shift, x + shift) ? 200 : 30) + Math.floor(40 * u()));
      await writeFile(join(root, name, `${i}.png`), encode({ width: 16, height: 16, data, channels: 1, depth: 8 }));
    }
  }
}

describe('convergent train', () => {
  it('trains one net per seed on a class folder and writes ONNX models with records', async () => {
    const data = join(dir, 'stripes');
    await makeFolder(data, 20);
    const out = join(dir, 'models', 'net-{seed}.onnx');
    const args: TrainArgs = {
      arch: 'lenet', width: 1, seed: 1, seeds: '3,4', epochs: 6, batch: 8, lr: 0.05, 'lr-schedule': 'linear', momentum: 0.9, 'weight-decay': 5e-4,
      data, size: '16x16', grayscale: true, out, backend: 'wasm', threads: 2, quiet: true,
    };
    const messages: string[] = [];
    const nets = await runTrain(args, (m) => messages.push(m));
    expect(nets.map((n) => n.options.seed)).toEqual([3, 4]);
    expect(messages.some((m) => /3 classes, 48 train, 12 held out/.test(m))).toBe(true);
    expect(messages.filter((m) => /^seed \d epoch \d\/6: loss/.test(m))).toHaveLength(12);
    for (const seed of [3, 4]) {
      const model = join(dir, 'models', `net-${seed}.onnx`);
      const record = JSON.parse(await readFile(recordPathFor(model), 'utf8'));
      expect(record.options.seed).toBe(seed);
      expect(record.data.classes).toEqual(['diagonal', 'horizontal', 'vertical']);
      expect(record.data.inputShape).toEqual([1, 16, 16]);
      expect(record.history).toHaveLength(6);
      expect(record.key).toBe(nets[seed - 3].key);
      const session = await ort.InferenceSession.create(await readFile(model));
      try {
        expect(session.inputNames).toEqual(['input']);
        const r = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 256), [2, 1, 16, 16]) });
        expect(r.logits.dims).toEqual([2, 3]);
      } finally {
        await session.release();
      }
    }
    // Distinct stripes are easy: well above chance (1/3) on the held-out images.
    expect(nets[0].history.at(-1)!.heldOutAccuracy).toBeGreaterThan(0.8);
  });

  it('parses seed lists and names the models', () => {
    expect(parseSeeds('1,2, 3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1-4,7')).toEqual([1, 2, 3, 4, 7]);
    expect(() => parseSeeds('1,x')).toThrow(/--seeds/);
    expect(modelPathFor('a/lenet.onnx', 2, false)).toBe('a/lenet.onnx');
    expect(modelPathFor('a/lenet.onnx', 2, true)).toBe('a/lenet-seed2.onnx');
    expect(modelPathFor('a/lenet', 2, true)).toBe('a/lenet-seed2.onnx');
    expect(modelPathFor('a/n{seed}/lenet-{seed}.onnx', 2, true)).toBe('a/n2/lenet-2.onnx');
    expect(recordPathFor('a/lenet-seed2.onnx')).toBe('a/lenet-seed2.train.json');
  });

  it('the training key changes with every setting that changes the weights, and only with them', () => {
    const base: TrainingKeyOptions = { ...TRAIN_DEFAULTS, data: 'mnist:x', backend: 'wasm' };
    const key = trainingKey(base);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(trainingKey({ ...base })).toBe(key);
    const changes: Partial<TrainingKeyOptions>[] = [
      { arch: 'alexnet-small' }, { width: 2 }, { seed: 2 }, { epochs: 5 }, { batch: 32 }, { lr: 0.01 }, { lrSchedule: 'constant' },
      { momentum: 0.8 }, { weightDecay: 0 }, { data: 'mnist:y' }, { backend: 'webgpu' },
    ];
    const keys = changes.map((c) => trainingKey({ ...base, ...c }));
    expect(new Set([key, ...keys]).size).toBe(changes.length + 1);
  });
});
