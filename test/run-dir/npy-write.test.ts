import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseNpyHeader } from '../../src/inputs/npy/npy-header.js';
import { encodeNpy, npyDescr, writeNpy, writeNpySync } from '../../src/run-dir/npy-write.js';
import { fixture, makeTmpDir } from '../helpers/io.js';

const tmp = makeTmpDir();
afterAll(() => tmp.cleanup());

const refs: [string, Float64Array | Float32Array | Int32Array, number[]][] = [
  ['ref_f64_3x4.npy', Float64Array.from({ length: 12 }, (_, i) => i * 0.5 - 2), [3, 4]],
  ['ref_f32_5.npy', Float32Array.from({ length: 5 }, (_, i) => i / 4), [5]],
  ['ref_i32_2x3x4.npy', Int32Array.from({ length: 24 }, (_, i) => i - 7), [2, 3, 4]],
  ['ref_f64_scalar.npy', Float64Array.of(-3.25), []],
  ['ref_f32_0x3.npy', new Float32Array(0), [0, 3]],
  ['ref_f32_12345678901x0.npy', new Float32Array(0), [12345678901, 0]],
];

describe('writeNpy', () => {
  test.each(refs)('writes %s byte-identical to np.save', async (name, data, shape) => {
    const want = readFileSync(fixture(name));
    const a = join(tmp.dir, `async-${name}`);
    await writeNpy(a, data, shape);
    expect(readFileSync(a).equals(want)).toBe(true);
    const s = join(tmp.dir, `sync-${name}`);
    writeNpySync(s, data, shape);
    expect(readFileSync(s).equals(want)).toBe(true);
    expect(Buffer.from(encodeNpy(data, shape)).equals(want)).toBe(true);
  });

  test('writes a view of a larger buffer (byteOffset) correctly', async () => {
    const big = Float64Array.from({ length: 20 }, (_, i) => i);
    const view = big.subarray(5, 11);
    const p = join(tmp.dir, 'view.npy');
    await writeNpy(p, view, [2, 3]);
    const bytes = readFileSync(p);
    const h = parseNpyHeader(bytes);
    expect(h.shape).toEqual([2, 3]);
    const back = new Float64Array(bytes.buffer.slice(bytes.byteOffset + h.dataOffset, bytes.byteOffset + bytes.length));
    expect(Array.from(back)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  test('writes arrays over the 64 MiB chunk size in pieces', async () => {
    const n = (64 << 20) / 4 + 1000;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i += 4099) data[i] = i;
    data[n - 1] = -1;
    const p = join(tmp.dir, 'big.npy');
    await writeNpy(p, data, [n / 8, 8]);
    expect(statSync(p).size).toBe(128 + n * 4);
    const bytes = readFileSync(p);
    const back = new Float32Array(bytes.buffer, bytes.byteOffset + 128, n);
    expect(back[n - 1]).toBe(-1);
    expect(back[4099 * 1000]).toBe(4099 * 1000);
  });

  test('refuses a shape that does not match the data', async () => {
    await expect(writeNpy(join(tmp.dir, 'x.npy'), new Float64Array(6), [4, 2])).rejects.toThrow(/shape \(4, 2\) holds 8 values but the data has 6/);
    expect(() => writeNpySync(join(tmp.dir, 'x.npy'), new Float64Array(6), [-6])).toThrow(/bad shape/);
    expect(() => encodeNpy(new Float64Array(1), [1.5])).toThrow(/bad shape/);
  });

  test('descr', () => {
    expect(npyDescr(new Float64Array(0))).toBe('<f8');
    expect(npyDescr(new Float32Array(0))).toBe('<f4');
    expect(npyDescr(new Int32Array(0))).toBe('<i4');
    expect(() => npyDescr(new Uint8Array(0) as unknown as Float32Array)).toThrow(TypeError);
  });
});
