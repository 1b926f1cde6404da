// The same seed and backend give the same weights, bit for bit: twice in this thread, and in a
// worker thread against this thread. Different seeds give different nets.
import { describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainOptions } from '../../src/train/options.js';
import { epochOrder, trainNet, trainNets } from '../../src/train/train.js';
import { mnistSubset } from './nets.js';

const options: TrainOptions = { ...TRAIN_DEFAULTS, epochs: 2, batch: 32 };

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('training is deterministic', async () => {
  const data = await mnistSubset(400, 100);

  it('epoch orders are permutations of the training range, fixed by (seed, epoch)', () => {
    const a = epochOrder([10, 30], 3, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect(epochOrder([10, 30], 3, 0)).toEqual(a);
    expect(epochOrder([10, 30], 3, 1)).not.toEqual(a);
    expect(epochOrder([10, 30], 4, 0)).not.toEqual(a);
  });

  it('the same seed twice in this thread gives the same bytes; another seed does not', async () => {
    const a = await trainNet(data, { ...options, seed: 5 }, { backend: 'wasm' });
    const b = await trainNet(data, { ...options, seed: 5 }, { backend: 'wasm' });
    const c = await trainNet(data, { ...options, seed: 6 }, { backend: 'wasm' });
    expect(sameBytes(a.params, b.params)).toBe(true);
    expect(sameBytes(a.params, c.params)).toBe(false);
    expect(a.history).toHaveLength(2);
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss));
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });

  it('worker threads (two nets per worker) give the same bytes as this thread', async () => {
    const seeds = [5, 6, 7];
    const events: string[] = [];
    const inWorkers = await trainNets(data, options, seeds, { backend: 'wasm', threads: 2, onEpoch: (r) => events.push(`${r.seed}:${r.epoch}`) });
    const here = await trainNets(data, options, seeds, { backend: 'wasm', threads: 0 });
    expect(inWorkers.map((n) => n.options.seed)).toEqual(seeds);
    for (let i = 0; i < seeds.length; i++) {
      expect(sameBytes(inWorkers[i].params, here[i].params), `seed ${seeds[i]}`).toBe(true);
      expect(inWorkers[i].history.map((h) => h.heldOutAccuracy)).toEqual(here[i].history.map((h) => h.heldOutAccuracy));
      expect(inWorkers[i].device).toMatch(/worker thread/);
    }
    expect(events.sort()).toEqual(['5:1', '5:2', '6:1', '6:2', '7:1', '7:2']);
  });

  it('a pair of workers splitting every batch gives the same bytes as one thread (last batch of one sample)', async () => {
    // 161 = 5 x 32 + 1: the last batch has a single sample, which only rank 0 of a pair computes.
    const odd = await mnistSubset(161, 50);
    const seeds = [8, 9];
    const paired = await trainNets(odd, options, seeds, { backend: 'wasm', threads: 4 });
    const here = await trainNets(odd, options, seeds, { backend: 'wasm', threads: 0 });
    for (let i = 0; i < seeds.length; i++) {
      expect(paired[i].device).toMatch(/worker threads \d and \d/);
      expect(sameBytes(paired[i].params, here[i].params), `seed ${seeds[i]}`).toBe(true);
      expect(paired[i].history.map((h) => [h.loss, h.heldOutAccuracy])).toEqual(here[i].history.map((h) => [h.loss, h.heldOutAccuracy]));
    }
  });

  it('a bad label stops the run with its cause, on one worker and on a pair', async () => {
    const bad = { ...data, labels: data.labels.slice() };
    bad.labels[5] = 99;
    await expect(trainNets(bad, options, [1], { backend: 'wasm', threads: 1 })).rejects.toThrow(/sample 5 has label 99/);
    await expect(trainNets(bad, options, [1], { backend: 'wasm', threads: 2 })).rejects.toThrow(/sample 5 has label 99/);
  });
});
