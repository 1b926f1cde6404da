// The run-directory rules for probes from ONNX models (issue 10 items 5 and 8): an image folder
// where no image can be read is refused and leaves nothing behind; a re-probe needs overwrite and
// replaces the old run (top-k records and patches included) only when complete.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { openImageSource } from '../../src/inputs/data/source.js';
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { newRun, referenceBackend } from './run-helpers.js';

const ITEM: [number, number, number] = [1, 5, 7];
const reference = referenceBackend();

/** A one-layer net: flatten, Gemm to 3 units, ReLU (captured as layer "fc"). */
function tinyNet(dir: string, seed: number): { name: string; path: string } {
  const b = new OnnxBuilder(`tiny${seed}`);
  const normal = seededNormal(seed);
  b.input('x', ['N', ...ITEM]);
  b.node('Flatten', ['x'], ['f'], { axis: 1 });
  b.initializer('w', [3, 35], Float32Array.from({ length: 105 }, () => 0.3 * normal()));
  b.node('Gemm', ['f', 'w'], ['g'], { transB: 1 });
  b.node('Relu', ['g'], ['r']);
  b.output('r', ['N', 3]);
  const path = join(dir, `tiny${seed}.onnx`);
  writeFileSync(path, encodeOnnx(b.build({ opset: 13 })));
  return { name: `net${seed}`, path };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-rundir-onnx-'));
  return { dir, nets: [tinyNet(dir, 1), tinyNet(dir, 2)] };
}

describe('probe from ONNX models into a run directory', () => {
  it('logs how class folders map to output indices, and warns when a net has another number of outputs', async () => {
    const { dir, nets } = setup();
    const images = join(dir, 'classes');
    const uniform = seededUniform(5);
    for (const cls of ['c1', 'c0']) {
      mkdirSync(join(images, cls), { recursive: true });
      for (let i = 0; i < 2; i++) {
        const pixels = Uint8Array.from({ length: ITEM[1] * ITEM[2] }, () => Math.floor(256 * uniform()));
        writeFileSync(join(images, cls, `${i}.png`), encode({ width: ITEM[2], height: ITEM[1], data: pixels, channels: 1, depth: 8 }));
      }
    }
    const data = await openImageSource(images, { itemShape: ITEM });
    const run = newRun('rundir-onnx-classes');
    const logs: string[] = [];
    try {
      await probeOnnx({ nets, data, dataLabel: images, out: run, backend: reference.get(), layers: ['fc=r'], log: (m) => logs.push(m) });
    } finally {
      await data.close();
    }
    expect(logs).toContain('class folders in sorted order map to output indices 0..1: c0 -> 0, c1 -> 1');
    for (const net of ['net1', 'net2']) expect(logs.some((l) => l.startsWith(`warning: net ${net} has 3 outputs but the data has 2 class folders`)), net).toBe(true);
  });


  it('refuses an image folder where no image can be read, leaving no run directory', async () => {
    const { dir, nets } = setup();
    const images = join(dir, 'images');
    mkdirSync(images);
    for (const name of ['a.png', 'b.png', 'c.jpg']) writeFileSync(join(images, name), 'not an image');
    const data = await openImageSource(images, { itemShape: ITEM });
    const run = newRun('rundir-onnx');
    try {
      await expect(probeOnnx({ nets, data, dataLabel: images, out: run, backend: reference.get(), layers: ['fc=r'] })).rejects.toThrow(
        new RegExp(`no readable images in ${images}: all 3 were skipped \\(.*a\\.png: `),
      );
    } finally {
      await data.close();
    }
    expect(existsSync(run)).toBe(false);
  });

  it('re-probes only with overwrite, replacing the old run with the complete new one', async () => {
    const { dir, nets } = setup();
    const tensor = join(dir, 'images.npy');
    const uniform = seededUniform(3);
    await writeNpy(tensor, Float32Array.from({ length: 9 * 35 }, () => uniform()), [9, ...ITEM]);
    const run = newRun('rundir-onnx');
    const probeInto = async (options: { overwrite?: boolean; limitItems?: number }) => {
      const data = await openImageSource(tensor, { itemShape: ITEM });
      try {
        return await probeOnnx({ nets, data, out: run, backend: reference.get(), layers: ['fc=r'], topK: 2, ...options });
      } finally {
        await data.close();
      }
    };
    await probeInto({});
    const first = readFileSync(runPaths.manifest(run), 'utf8');
    await expect(probeInto({ limitItems: 5 })).rejects.toThrow(/already holds a run \(probe.json, moments, reducers\); pass --overwrite/);
    expect(readFileSync(runPaths.manifest(run), 'utf8')).toBe(first);

    const manifest = await probeInto({ overwrite: true, limitItems: 5 });
    expect(manifest.data!.items).toBe(5);
    expect(JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')).data.items).toBe(5);
    expect(readdirSync(run).sort()).toEqual(['moments', 'probe.json', 'reducers']);
    expect(readdirSync(runPaths.reducerDir(run, 'topk', 'fc'))).toContain('net1.items.npy');
  });
});
