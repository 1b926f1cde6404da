// Reducers that declare several passes see the layer again; the moments and single-pass reducers
// see it once, and a layer is read once when no reducer asks for more.
import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { probe, type ProbeProgress } from '../../src/probe/probe.js';

const nets = [
  { name: 'netA', path: 'test/fixtures/e2e/netA' },
  { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
];

/** Records what it sees: (pass, firstSample, samples) per batch, and the nextPass calls. */
function recorder(name: string, passes: number | undefined, log: string[]): Reducer {
  return {
    name,
    description: 'records batches',
    passes,
    options: { tag: { type: 'string', default: 'x', describe: 'a tag' } },
    create: ({ layer, options }) => {
      let sum = 0;
      return {
        update(batch) {
          log.push(`${name} ${layer} update pass ${batch.pass} at ${batch.firstSample}`);
          for (const data of batch.nets) for (const v of data) sum += (batch.pass ?? 0) === 0 ? v : 0;
        },
        nextPass(pass) {
          log.push(`${name} ${layer} nextPass ${pass}`);
        },
        finish: () => ({ json: { sum, tag: options?.tag } }),
        dispose() {
          log.push(`${name} ${layer} dispose`);
        },
      };
    },
  };
}

describe('multi-pass reducers', () => {
  it('re-read the layer only for the reducers that asked, with nextPass between passes', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convergent-passes-'));
    const backend = await createBackend('reference');
    const log: string[] = [];
    const progress: ProbeProgress[] = [];
    await probe({
      nets, out, backend, layers: ['fc'], batchSamples: 20,
      reducers: [recorder('one', undefined, log), recorder('three', 3, log)],
      reducerOptions: { three: { tag: 'y' } },
      onProgress: (p) => progress.push(p),
    });
    // fc has 37 samples: batches at 0 and 20, per pass.
    expect(log).toEqual([
      'one fc update pass 0 at 0', 'three fc update pass 0 at 0',
      'one fc update pass 0 at 20', 'three fc update pass 0 at 20',
      'three fc nextPass 1', 'three fc update pass 1 at 0', 'three fc update pass 1 at 20',
      'three fc nextPass 2', 'three fc update pass 2 at 0', 'three fc update pass 2 at 20',
      'one fc dispose', 'three fc dispose',
    ]);
    expect(progress.map((p) => [p.pass, p.samplesDone, p.samplesTotal])).toEqual([
      [0, 20, 111], [0, 37, 111], [1, 57, 111], [1, 74, 111], [2, 94, 111], [2, 111, 111],
    ]);
    const one = JSON.parse(readFileSync(join(out, 'reducers', 'one', 'fc', 'result.json'), 'utf8'));
    const three = JSON.parse(readFileSync(join(out, 'reducers', 'three', 'fc', 'result.json'), 'utf8'));
    expect(three.sum).toBeCloseTo(one.sum, 9);
    expect([one.tag, three.tag]).toEqual(['x', 'y']);
  });

  it('a single pass when no reducer asks for more; states are disposed when a layer fails', async () => {
    const backend = await createBackend('reference');
    const log: string[] = [];
    const progress: ProbeProgress[] = [];
    await probe({ nets, out: await mkdtemp(join(tmpdir(), 'convergent-passes-')), backend, layers: ['fc'], batchSamples: 100, reducers: [recorder('one', 1, log)], onProgress: (p) => progress.push(p) });
    expect(log).toEqual(['one fc update pass 0 at 0', 'one fc dispose']);
    expect(progress.map((p) => [p.samplesDone, p.samplesTotal])).toEqual([[37, 37]]);

    const failing: Reducer = { ...recorder('bad', 2, log), create: (l) => ({ ...recorder('bad', 2, log).create(l), nextPass: () => { throw new Error('boom'); } }) };
    log.length = 0;
    await expect(probe({ nets, out: await mkdtemp(join(tmpdir(), 'convergent-passes-')), backend, layers: ['fc'], reducers: [failing] })).rejects.toThrow(/boom/);
    expect(log.at(-1)).toBe('bad fc dispose');
    const zero: Reducer = { ...recorder('zero', 0, log) };
    await expect(probe({ nets, out: await mkdtemp(join(tmpdir(), 'convergent-passes-')), backend, layers: ['fc'], reducers: [zero] })).rejects.toThrow(/passes must be a positive integer/);
  });
});
