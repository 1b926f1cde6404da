// `batchItems` means whole items (images, or rows of a dense layer) on the activation-file probe,
// as it does on the ONNX probe: a conv layer reads that many items with all their positions.
// `batchSamples` still counts samples (items x positions). The CLI's --batch is batchItems on both.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { writePlantedExample } from '../../src/example/write.js';
import { batchSamplesFor, probe, type ProbeProgress } from '../../src/probe/probe.js';
import { convergent, tempDir } from '../cli/helpers.js';

/** The samples each batch added, per layer, from the probe's progress reports. */
function batchSizes(progress: ProbeProgress[]): Map<string, number[]> {
  const sizes = new Map<string, number[]>();
  for (const p of progress) {
    const list = sizes.get(p.layer) ?? [];
    const before = list.reduce((a, b) => a + b, 0);
    list.push(p.samplesDone - before);
    sizes.set(p.layer, list);
  }
  return sizes;
}

describe('probe batches', () => {
  it('batchItems reads whole items: conv layers items x positions, dense layers rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convergent-batch-'));
    const { nets } = await writePlantedExample(join(dir, 'data'), 23);
    const backend = await createBackend('reference');
    const progress: ProbeProgress[] = [];
    await probe({ nets, out: join(dir, 'run'), backend, batchItems: 7, onProgress: (p) => progress.push(p) });
    const sizes = batchSizes(progress);
    expect(sizes.get('conv1')).toEqual([7 * 25, 7 * 25, 7 * 25, 2 * 25]); // 5x5 positions per image
    expect(sizes.get('fc1')).toEqual([7, 7, 7, 2]);
  });

  it('batchSamples counts samples; the two together, or a batchItems below 1, are refused', () => {
    expect(batchSamplesFor({ batchSamples: 40 }, 25, 10)).toBe(40);
    expect(batchSamplesFor({ batchItems: 3 }, 25, 10)).toBe(75);
    expect(() => batchSamplesFor({ batchItems: 3, batchSamples: 40 }, 25, 10)).toThrow(/batchItems or batchSamples, not both/);
    expect(() => batchSamplesFor({ batchItems: 0 }, 1, 10)).toThrow(/batchItems must be a positive integer, got 0/);
  });

  it('on the command line, --batch-samples is for activation files only and excludes --batch', () => {
    const out = join(tempDir('batch-flags'), 'run');
    const data = tempDir('batch-data');
    convergent(['run', '--example', '--out', join(data, 'ex'), '--backend', 'reference', '--quiet']);
    const nets = ['--net', `a=${join(data, 'ex', 'example-data', 'netA')}`, '--net', `b=${join(data, 'ex', 'example-data', 'netB')}`];
    const refused = convergent(['probe', ...nets, '--out', out, '--batch', '4', '--batch-samples', '9', '--backend', 'reference']);
    expect(refused.stderr).toMatch(/--batch and --batch-samples both size the batch; give one/);
    const onnx = convergent(['probe', ...nets, '--data', 'mnist', '--out', out, '--batch-samples', '9', '--backend', 'reference']);
    expect(onnx.stderr).toMatch(/--batch-samples counts positions of activation files; ONNX nets read whole images, sized with --batch/);
    const ok = convergent(['probe', ...nets, '--out', out, '--batch', '300', '--backend', 'reference', '--quiet']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });
});
