// A ready (N, C, H, W) tensor in an .npy file: float32 and float64, streamed in batches, splits,
// (N, H, W) for one-channel models, and errors naming the file for a wrong shape, dtype or size.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpyHeader } from '../../../src/inputs/npy/npy-header.js';
import { writeNpy } from '../../../src/run-dir/npy-write.js';
import { openImageSource, type ImageSource } from '../../../src/inputs/data/source.js';

let dir: string;
const N = 7;
const item = 2 * 3 * 4;
const values = Float64Array.from({ length: N * item }, (_, i) => Math.sin(i) * 10 + i / 7);

async function all(source: ImageSource, batchSize: number, limit?: number) {
  const batches = [];
  for await (const b of source.batches(batchSize, { limit })) batches.push(b);
  return batches;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convergent-npy-'));
  await writeNpy(join(dir, 'f32.npy'), Float32Array.from(values), [N, 2, 3, 4]);
  await writeNpy(join(dir, 'f64.npy'), values, [N, 2, 3, 4]);
  await writeNpy(join(dir, 'nhw.npy'), Float32Array.from(values.subarray(0, 4 * 12)), [4, 3, 4]);
  await writeNpy(join(dir, 'int.npy'), Int32Array.from({ length: N * item }, (_, i) => i), [N, 2, 3, 4]);
  await writeNpy(join(dir, 'short.npy'), Float32Array.from(values), [N, 2, 3, 4]);
  await truncate(join(dir, 'short.npy'), 128 + 5 * item * 4);
  const fortran = encodeNpyHeader({ descr: '<f4', fortranOrder: true, shape: [N, 2, 3, 4] });
  await writeFile(join(dir, 'fortran.npy'), Buffer.concat([fortran, Buffer.alloc(N * item * 4)]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npy source', () => {
  for (const name of ['f32.npy', 'f64.npy']) {
    it(`${name}: batches in order, as float32, exactly the file's values`, async () => {
      const source = await openImageSource(join(dir, name), { itemShape: [2, 3, 4] });
      expect(source.count).toBe(N);
      expect(source.itemShape).toEqual([2, 3, 4]);
      expect(source.labels).toBeUndefined();
      const batches = await all(source, 3);
      expect(batches.map((b) => b.n)).toEqual([3, 3, 1]);
      expect(batches.flatMap((b) => Array.from(b.indices))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const got = batches.flatMap((b) => Array.from(b.data));
      expect(got).toEqual(Array.from(Float32Array.from(values)));
      expect(Array.from(await source.readItem(5))).toEqual(Array.from(Float32Array.from(values.subarray(5 * item, 6 * item))));
      expect(source.describe(2)).toBe(`${join(dir, name)} #2`);
      await source.close();
      await expect(source.readItem(0)).rejects.toThrow(/closed/);
    });
  }

  it('split and limit', async () => {
    const source = await openImageSource(join(dir, 'f32.npy'), { itemShape: [2, 3, 4], split: '2:6' });
    expect(source.count).toBe(4);
    const batches = await all(source, 2, 3);
    expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 1], [2]]);
    expect(batches[0]!.data[0]).toBe(Math.fround(values[2 * item]!));
    expect(source.describe(0)).toBe(`${join(dir, 'f32.npy')} #2`);
    await source.close();
  });

  it('accepts (N, H, W) for a one-channel model', async () => {
    const source = await openImageSource(join(dir, 'nhw.npy'), { itemShape: [1, 3, 4] });
    expect(source.count).toBe(4);
    expect((await all(source, 4))[0]!.data.length).toBe(48);
    await source.close();
  });

  it('errors name the file: shape, dtype, order, truncation, preprocessing', async () => {
    const f32 = join(dir, 'f32.npy');
    await expect(openImageSource(f32, { itemShape: [2, 4, 3] })).rejects.toThrow(`${f32}: tensor of shape (7, 2, 3, 4) does not match the model input: expected (N, 2, 4, 3)`);
    await expect(openImageSource(join(dir, 'nhw.npy'), { itemShape: [3, 3, 4] })).rejects.toThrow(/nhw\.npy: tensor of shape \(4, 3, 4\)/);
    await expect(openImageSource(join(dir, 'int.npy'), { itemShape: [2, 3, 4] })).rejects.toThrow(/int\.npy: dtype <i4 is not float32/);
    await expect(openImageSource(join(dir, 'fortran.npy'), { itemShape: [2, 3, 4] })).rejects.toThrow(/fortran\.npy: Fortran-order/);
    await expect(openImageSource(join(dir, 'short.npy'), { itemShape: [2, 3, 4] })).rejects.toThrow(/short\.npy: truncated: shape \(7, 2, 3, 4\) needs \d+ bytes, the file has \d+/);
    await expect(openImageSource(f32, { itemShape: [2, 3, 4], preprocess: { scale: 2 } })).rejects.toThrow(/f32\.npy: an \.npy tensor is used as it is; preprocessing options \(scale\)/);
    await writeFile(join(dir, 'junk.npy'), 'hello');
    await expect(openImageSource(join(dir, 'junk.npy'), { itemShape: [2, 3, 4] })).rejects.toThrow(/junk\.npy: not a \.npy file/);
  });
});

describe('openImageSource', () => {
  it('names what it cannot open', async () => {
    await expect(openImageSource(join(dir, 'nope'), { itemShape: [1, 2, 2] })).rejects.toThrow(/nope: not 'mnist' and cannot be read \(ENOENT\)/);
    await writeFile(join(dir, 'x.txt'), 'x');
    await expect(openImageSource(join(dir, 'x.txt'), { itemShape: [1, 2, 2] })).rejects.toThrow(/x\.txt: expected 'mnist', a directory/);
  });
});

describe('values an image cannot hold (issue 10, item 13)', () => {
  it('a NaN, an infinity or a float64 beyond float32 is named by image, place and file, not as a unit and sample', async () => {
    const cases: [string, Float32Array | Float64Array, string][] = [
      ['nan32.npy', Float32Array.from(values), 'NaN'],
      ['inf64.npy', Float64Array.from(values), '-Infinity'],
      ['huge64.npy', Float64Array.from(values), '1e+300, beyond the float32 range the nets compute in'],
    ];
    const at = 5 * item + 1 * 12 + 2 * 4 + 3; // image 5, channel 1, row 2, column 3
    cases[0][1][at] = NaN;
    cases[1][1][at] = -Infinity;
    cases[2][1][at] = 1e300;
    for (const [name, data, shown] of cases) {
      const path = join(dir, name);
      await writeNpy(path, data, [N, 2, 3, 4]);
      const source = await openImageSource(path, { itemShape: [2, 3, 4] });
      try {
        await expect(all(source, 3)).rejects.toThrow(`${path}: image #5 has ${shown} at channel 1, row 2, column 3; input images must be finite`);
        await expect(source.readItem(4)).resolves.toHaveLength(item); // the images before it are fine
      } finally {
        await source.close();
      }
    }
  });
});
