// A plugin reducer sees every batch of a layer during the probe and its bounded state is saved.
import { mkdtemp } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/backend/select.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import type { Reducer } from '../../../src/probe/reducers/types.js';
import { probe } from '../../../src/probe/probe.js';

const expected = JSON.parse(readFileSync('test/fixtures/e2e/expected.json', 'utf8'));

/** Per-unit maximum of every net: a reducer with O(units) state. */
const maxReducer: Reducer = {
  name: 'unit-max',
  description: 'per-unit maximum activation',
  create: ({ nets }) => {
    const max = nets.map((n) => new Float64Array(n.units).fill(-Infinity));
    let seen = 0;
    return {
      update(batch) {
        expect(batch.firstSample).toBe(seen);
        seen += batch.samples;
        batch.nets.forEach((data, k) => {
          for (let u = 0; u < nets[k].units; u++) {
            for (let s = 0; s < batch.samples; s++) max[k][u] = Math.max(max[k][u], data[u * batch.samples + s]);
          }
        });
      },
      finish: () => ({ arrays: Object.fromEntries(nets.map((n, k) => [n.name, { data: max[k], shape: [n.units] }])), json: { samples: seen } }),
    };
  },
};

describe('plugin reducers in the probe', () => {
  it('see every sample in order and have their state written per layer', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convergent-reducer-'));
    const backend = await createBackend('reference');
    const nets = [
      { name: 'netA', path: 'test/fixtures/e2e/netA' },
      { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
    ];
    const manifest = await probe({ nets, out, backend, reducers: [maxReducer], batchSamples: 50 });
    expect(manifest.reducers).toEqual(['moments', 'unit-max']);
    for (const layer of ['conv', 'fc']) {
      const dir = join(out, 'reducers', 'unit-max', layer);
      const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      expect(json.samples).toBe(expected.layers[layer].nets.netA.samples);
      expect(existsSync(join(dir, 'netA.npy'))).toBe(true);
      const max = await readNpy(join(dir, 'netB.npy'));
      // every unit's maximum is at least its mean
      expected.layers[layer].nets.netB.mean.forEach((m: number, u: number) => expect(max.data[u]).toBeGreaterThanOrEqual(m - 1e-9));
    }
  });
});
