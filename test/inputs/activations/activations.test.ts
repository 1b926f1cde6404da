import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ActivationInputError,
  findNonFinite,
  openNetSource,
  type ActivationBatch,
  type NetSource,
} from '../../../src/inputs/activations/index.js';
import { encodeNpyHeader } from '../../../src/inputs/npy/npy-header.js';
import { encodeNpy, writeNpy } from '../../../src/run-dir/npy-write.js';
import { collect, expected, fixture, getGc, makeTmpDir, memoryNow, openFdsUnder, readLayer, unitMajor, writeZip } from '../../helpers/io.js';

const tmp = makeTmpDir();
afterAll(() => tmp.cleanup());

let dirCount = 0;
function freshDir(name = 'net'): string {
  const d = join(tmp.dir, `${name}-${dirCount++}`);
  mkdirSync(d);
  return d;
}

/** A deterministic value for (sample, unit), exact in float32. */
function val(s: number, u: number): number {
  return ((s * 31 + u * 17) % 1009) / 8 - 60;
}

/** C-order values of an (N, D) or (N, C, H, W) array whose sample s, unit u holds val(s, u). */
function patterned(shape: number[], T: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const [N, C] = shape as [number, number];
  const hw = shape.length === 4 ? shape[2]! * shape[3]! : 1;
  const a = new T(N * C * hw);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) a[(i * C + c) * hw + p] = val(i * hw + p, c);
  return a;
}

async function openErr(name: string, path: string): Promise<ActivationInputError> {
  const e = await openNetSource(name, path).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ActivationInputError);
  return e as ActivationInputError;
}

function expectMatches(got: Float64Array, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) expect(`value ${i}: ${got[i]}`).toBe(`value ${i}: ${want[i]}`);
  }
}

function expectedBatchSizes(samples: number, hw: number, batchSamples: number, limit?: number): number[] {
  const total = Math.min(limit ?? samples, samples);
  const per = hw === 1 ? batchSamples : Math.max(1, Math.floor(batchSamples / hw)) * hw;
  const out: number[] = [];
  for (let s = 0; s < total; s += per) out.push(Math.min(per, total - s));
  return out;
}

// ---- NumPy-made fixtures -----------------------------------------------------------------------------

describe('NumPy-made fixtures', () => {
  const plain = ['dense_f32.npy', 'conv_f64.npy', 'v2_f32.npy', 'v3_f64.npy', 'big_endian_f4.npy', 'big_endian_f8.npy'];

  test('a directory net: layer list and infos', async () => {
    const dir = freshDir();
    for (const f of plain) copyFileSync(fixture(f), join(dir, f));
    writeFileSync(join(dir, 'README.txt'), 'not a layer');
    const src = await openNetSource('A', dir);
    expect(src.name).toBe('A');
    expect(src.path).toBe(dir);
    expect(src.kind).toBe('directory');
    expect(src.layers().map((l) => l.name)).toEqual(['big_endian_f4', 'big_endian_f8', 'conv_f64', 'dense_f32', 'v2_f32', 'v3_f64']);
    const conv = src.layers().find((l) => l.name === 'conv_f64')!;
    expect(conv).toEqual({
      name: 'conv_f64',
      units: 5,
      samples: 3 * 2 * 3,
      samplesPerItem: 6,
      items: 3,
      shape: [3, 5, 2, 3],
      dtype: 'float64',
      source: join(dir, 'conv_f64.npy'),
    });
    const dense = src.layers().find((l) => l.name === 'dense_f32')!;
    expect(dense).toMatchObject({ units: 7, samples: 13, samplesPerItem: 1, items: 13, shape: [13, 7], dtype: 'float32' });
    await src.close();
  });

  test.each(plain)('%s reads back exactly for many batch sizes', async (f) => {
    const dir = freshDir();
    copyFileSync(fixture(f), join(dir, f));
    const src = await openNetSource('A', dir);
    const layer = f.replace('.npy', '');
    const info = src.layers()[0]!;
    const want = expected[f]!;
    const um = unitMajor(want.values, want.shape);
    for (const bs of [1, 2, 5, 7, 13, 1000]) {
      const r = await readLayer(src, layer, bs);
      expect(r.units).toBe(um.units);
      expect(r.sizes).toEqual(expectedBatchSizes(info.samples, info.samplesPerItem, bs));
      for (const b of r.batches) expect(b.data).toBeInstanceOf(info.dtype === 'float64' ? Float64Array : Float32Array);
      expectMatches(r.data, um.data);
    }
    await src.close();
  });

  test.each(['savez.npz', 'savez_compressed.npz', 'zip64.npz', 'zip64_compressed.npz'])('%s', async (name) => {
    const path = fixture(name);
    const src = await openNetSource('B', path);
    expect(src.kind).toBe('npz');
    const keys = Object.keys(expected).filter((k) => k.startsWith(`${name}:`));
    // Archive order, as written by savez.
    expect(src.layers().map((l) => `${name}:${l.name}.npy`)).toEqual(keys);
    for (const info of src.layers()) {
      const want = expected[`${name}:${info.name}.npy`]!;
      expect(info.shape).toEqual(want.shape);
      expect(info.source).toBe(`${path}:${info.name}.npy`);
      expect(info.dtype).toBe(want.dtype === '<f8' ? 'float64' : 'float32');
      const um = unitMajor(want.values, want.shape);
      for (const bs of [1, 3, 10, 11, 1000]) {
        const r = await readLayer(src, info.name, bs);
        expect(r.sizes).toEqual(expectedBatchSizes(info.samples, info.samplesPerItem, bs));
        for (const b of r.batches) expect(b.data).toBeInstanceOf(info.dtype === 'float64' ? Float64Array : Float32Array);
        expectMatches(r.data, um.data);
      }
    }
    await src.close();
    expect(openFdsUnder(path)).toEqual([]);
  });
});

// ---- generated arrays: batching, interleaving, limits -------------------------------------------------

describe('batching, transposition and limits', () => {
  const cases: { name: string; shape: number[]; T: Float32ArrayConstructor | Float64ArrayConstructor }[] = [
    { name: 'dense', shape: [50, 13], T: Float32Array },
    { name: 'wide', shape: [300, 130], T: Float64Array }, // crosses the 64x64 transpose blocks
    { name: 'conv', shape: [9, 5, 3, 4], T: Float64Array },
    { name: 'convbig', shape: [5, 70, 8, 9], T: Float32Array }, // H*W = 72: the block-copy path
    { name: 'conv1x1', shape: [40, 66, 1, 1], T: Float32Array },
  ];
  let dir: string;
  let npz: string;
  let npzStored: string;

  // The same arrays as a directory, a stored npz and a deflated npz, made before any test here.
  beforeAll(async () => {
    dir = freshDir();
    const entries: { name: string; data: Uint8Array }[] = [];
    for (const c of cases) {
      const a = patterned(c.shape, c.T);
      await writeNpy(join(dir, `${c.name}.npy`), a, c.shape);
      entries.push({ name: `${c.name}.npy`, data: encodeNpy(a, c.shape) });
    }
    npz = join(tmp.dir, 'generated-deflated.npz');
    writeZip(npz, entries.map((e) => ({ ...e, method: 8 as const })));
    npzStored = join(tmp.dir, 'generated-stored.npz');
    writeZip(npzStored, entries.map((e) => ({ ...e, method: 0 as const })));
  });

  for (const where of ['directory', 'stored npz', 'deflated npz'] as const) {
    test.each(cases)(`${where}: %s`, async (c) => {
      const path = where === 'directory' ? dir : where === 'stored npz' ? npzStored : npz;
      const src = await openNetSource('A', path);
      const info = src.layers().find((l) => l.name === c.name)!;
      const hw = c.shape.length === 4 ? c.shape[2]! * c.shape[3]! : 1;
      expect(info).toMatchObject({ units: c.shape[1], items: c.shape[0], samplesPerItem: hw, samples: c.shape[0]! * hw });
      const um = unitMajor(patterned(c.shape, c.T), c.shape);
      const S = info.samples;
      for (const bs of [1, 7, hw, hw + 1, 2 * hw - 1, 25, S - 1, S, S + 1, 10 * S]) {
        for (const limit of [undefined, 0, 1, 5, hw, hw + 3, S - 1, S, 3 * S]) {
          const r = await readLayer(src, c.name, bs, limit);
          const total = Math.min(limit ?? S, S);
          expect(r.sizes).toEqual(expectedBatchSizes(S, hw, bs, limit));
          if (total === 0) continue;
          expect(r.units).toBe(info.units);
          for (const b of r.batches) {
            expect(b.data).toBeInstanceOf(c.T);
            expect(b.data.length).toBe(b.units * b.samples);
          }
          // The first `total` samples of every unit.
          const want = new Float64Array(info.units * total);
          for (let u = 0; u < info.units; u++) want.set(um.data.subarray(u * S, u * S + total), u * total);
          expectMatches(r.data, want);
        }
      }
      await src.close();
    });
  }

  test('two reads of the same layer can run at once', async () => {
    const src = await openNetSource('A', npz);
    const [a, b] = await Promise.all([readLayer(src, 'conv', 12), readLayer(src, 'conv', 36)]);
    expectMatches(a.data, b.data);
    await src.close();
  });

  test('layers nested in archive folders and natural order in directories', async () => {
    const p = join(tmp.dir, 'nested.npz');
    const a = encodeNpy(patterned([4, 3], Float32Array), [4, 3]);
    writeZip(p, [
      { name: 'features/0.npy', data: a, method: 0 },
      { name: 'README', data: new Uint8Array(3), method: 0 },
      { name: 'features/10.npy', data: a, method: 8 },
    ]);
    const src = await openNetSource('A', p);
    expect(src.layers().map((l) => l.name)).toEqual(['features/0', 'features/10']);
    await src.close();
    const d = freshDir();
    for (const n of ['conv10', 'conv2', 'conv1', 'fc']) await writeNpy(join(d, `${n}.npy`), new Float32Array(6), [3, 2]);
    const s2 = await openNetSource('A', d);
    expect(s2.layers().map((l) => l.name)).toEqual(['conv1', 'conv2', 'conv10', 'fc']);
    await s2.close();
  });

  test('an iterable can be iterated again, each time from the start', async () => {
    const src = await openNetSource('A', npz);
    const batches = src.readBatches('dense', { batchSamples: 20 });
    const a = await collect(batches);
    const b = await collect(batches);
    expect(b.map((x) => x.samples)).toEqual([20, 20, 10]);
    expectMatches(new Float64Array(b[2]!.data), a[2]!.data);
    await src.close();
  });

  test('a layer with no units is refused', async () => {
    const d = freshDir();
    await writeNpy(join(d, 'nothing.npy'), new Float32Array(0), [5, 0]);
    const err = await openErr('A', d);
    expect(err.code).toBe('NO_UNITS');
    expect(err.message).toBe(`net A, layer nothing (${join(d, 'nothing.npy')}): shape (5, 0) has no units (axis 1 is 0)`);
  });

  test('an empty layer (N = 0) yields no batches', async () => {
    const d = freshDir();
    await writeNpy(join(d, 'empty.npy'), new Float32Array(0), [0, 4, 2, 2]);
    const src = await openNetSource('A', d);
    expect(src.layers()[0]).toMatchObject({ samples: 0, units: 4, items: 0 });
    expect(await collect(src.readBatches('empty', { batchSamples: 10 }))).toEqual([]);
    await src.close();
  });
});

// ---- non-finite values -------------------------------------------------------------------------------

describe('findNonFinite', () => {
  test('first offending unit, then sample', () => {
    const data = new Float32Array(5 * 10);
    data[4 * 10 + 1] = Infinity;
    data[3 * 10 + 7] = NaN;
    data[3 * 10 + 8] = -Infinity;
    const b: ActivationBatch = { data, units: 5, samples: 10 };
    expect(findNonFinite(b)).toMatchObject({ unit: 3, sample: 7, kind: 'NaN' });
    expect(findNonFinite(b, 1000)).toMatchObject({ unit: 3, sample: 1007 });
    data[3 * 10 + 7] = 0;
    expect(findNonFinite(b)).toEqual({ unit: 3, sample: 8, value: -Infinity, kind: '-Infinity' });
    data[3 * 10 + 8] = 0;
    expect(findNonFinite(b)).toEqual({ unit: 4, sample: 1, value: Infinity, kind: 'Infinity' });
    data[4 * 10 + 1] = 3.4e38;
    expect(findNonFinite(b)).toBeNull();
    expect(findNonFinite({ data: new Float64Array([1, 2, NaN]), units: 1, samples: 3 })).toMatchObject({ unit: 0, sample: 2 });
  });

  test('locating a NaN in a streamed conv layer', async () => {
    const d = freshDir();
    const shape = [20, 6, 3, 3];
    const a = patterned(shape, Float32Array);
    // item 13, unit 4, position (1, 2) -> sample 13 * 9 + 5
    a[(13 * 6 + 4) * 9 + 5] = NaN;
    await writeNpy(join(d, 'conv2.npy'), a, shape);
    const src = await openNetSource('A', d);
    let offset = 0;
    let hit = null;
    for await (const b of src.readBatches('conv2', { batchSamples: 40 })) {
      hit ??= findNonFinite(b, offset);
      offset += b.samples;
    }
    expect(hit).toMatchObject({ unit: 4, sample: 13 * 9 + 5, kind: 'NaN' });
    await src.close();
  });
});

// ---- errors ----------------------------------------------------------------------------------------------

describe('errors name the net, the file, the layer and the problem', () => {
  async function single(f: string): Promise<{ err: ActivationInputError; path: string }> {
    const dir = freshDir();
    const path = join(dir, f);
    copyFileSync(fixture(f), path);
    return { err: await openErr('B', dir), path };
  }

  test.each([
    ['int64.npy', 'DTYPE', "unsupported dtype '<i8' (int64); activations must be float32 ('<f4') or float64 ('<f8')"],
    ['bool.npy', 'DTYPE', "unsupported dtype '|b1' (bool)"],
    ['float16.npy', 'DTYPE', "unsupported dtype '<f2' (float16)"],
    ['structured.npy', 'DTYPE', "unsupported dtype [('x', '<f4'), ('y', '<f8')] (a structured dtype)"],
    ['fortran.npy', 'FORTRAN_ORDER', 'array of shape (5, 3) is stored in Fortran (column-major) order; only C order is supported'],
    ['rank1.npy', 'RANK', 'shape (5,) has rank 1; expected (N, D) for a dense layer or (N, C, H, W) for a conv layer'],
    ['rank3.npy', 'RANK', 'shape (2, 3, 4) has rank 3'],
    ['scalar.npy', 'RANK', 'shape () has rank 0'],
    ['truncated.npy', 'TRUNCATED', "truncated: the header promises shape (10, 8) of '<f4' = 320 bytes of data, but only 313 bytes follow the 128-byte header"],
  ])('%s', async (f, code, what) => {
    const { err, path } = await single(f);
    const layer = f.replace('.npy', '');
    expect(err.code).toBe(code);
    const head = `net B, layer ${layer} (${path}): ${what}`;
    expect(err.message.slice(0, head.length)).toBe(head);
    expect(err).toMatchObject({ net: 'B', layer, source: path });
  });

  test('not a .npy file (bad magic), and an empty one', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'junk.npy'), 'hello, world: this is text');
    let err = await openErr('B', dir);
    expect(err.code).toBe('BAD_MAGIC');
    expect(err.message).toBe(`net B, layer junk (${join(dir, 'junk.npy')}): not a .npy file (bad magic: expected "\\x93NUMPY", found "hello, w")`);
    const d2 = freshDir();
    writeFileSync(join(d2, 'empty.npy'), '');
    err = await openErr('B', d2);
    expect(err.code).toBe('BAD_MAGIC');
    expect(err.message).toContain('found an empty file');
  });

  test('a header cut short', async () => {
    const dir = freshDir();
    const full = encodeNpy(new Float32Array(4), [2, 2]);
    writeFileSync(join(dir, 'cut.npy'), full.subarray(0, 40));
    const err = await openErr('B', dir);
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toMatch(/layer cut .*file ends inside the \.npy header/);
  });

  test('a malformed header', async () => {
    const dir = freshDir();
    const b = encodeNpy(new Float32Array(4), [2, 2]);
    Buffer.from(b.buffer).write("{'descr': '<f4', 'fortran_order': Maybe", 10, 'latin1');
    writeFileSync(join(dir, 'odd.npy'), b);
    const err = await openErr('B', dir);
    expect(err.code).toBe('BAD_HEADER');
    expect(err.message).toContain('layer odd');
    expect(err.message).toContain('malformed .npy header');
    expect(err.message).toContain('unexpected name Maybe');
  });

  test('a layer that does not exist lists the available ones', async () => {
    const src = await openNetSource('A', fixture('savez.npz'));
    let err: unknown;
    try {
      src.readBatches('conv9', { batchSamples: 10 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ActivationInputError);
    expect((err as Error).message).toBe(`net A, layer conv9 (${fixture('savez.npz')}): no layer conv9; available layers: fc, conv`);
    expect((err as ActivationInputError).code).toBe('NO_SUCH_LAYER');
    await src.close();
  });

  test('paths that are not nets', async () => {
    const missing = join(tmp.dir, 'no-such-dir');
    let err = await openErr('A', missing);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe(`net A (${missing}): no such file or directory`);

    const text = join(tmp.dir, 'notes.txt');
    writeFileSync(text, 'hi');
    err = await openErr('A', text);
    expect(err.code).toBe('NOT_A_NET');
    expect(err.message).toBe(`net A (${text}): is neither a directory of <layer>.npy files nor an .npz archive`);

    err = await openErr('A', fixture('dense_f32.npy'));
    expect(err.code).toBe('NOT_A_NET');
    expect(err.message).toContain('is a single .npy file; a net is a directory of <layer>.npy files or an .npz archive');

    const fake = join(tmp.dir, 'fake.npz');
    writeFileSync(fake, 'this is not a zip file at all, just text');
    err = await openErr('A', fake);
    expect(err.code).toBe('BAD_ARCHIVE');
    expect(err.message).toMatch(new RegExp(`^net A \\(${fake.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): not a valid \\.npz \\(zip\\) archive`));
  });

  test('a directory without .npy files', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a.txt'), 'x');
    let err = await openErr('A', dir);
    expect(err.code).toBe('NO_LAYERS');
    expect(err.message).toBe(`net A (${dir}): directory has no .npy files`);
    copyFileSync(fixture('savez.npz'), join(dir, 'acts.npz'));
    err = await openErr('A', dir);
    expect(err.message).toContain("(it has 'acts.npz': give the .npz itself as the net)");
  });

  test('an archive without .npy entries', async () => {
    const p = join(tmp.dir, 'nolayers.npz');
    writeZip(p, [{ name: 'a.txt', data: new Uint8Array(4), method: 0 }]);
    const err = await openErr('A', p);
    expect(err.code).toBe('NO_LAYERS');
    expect(err.message).toBe(`net A (${p}): archive has no .npy entries; its entries: 'a.txt'`);
  });

  test('npz errors name the archive and the entry', async () => {
    const p = join(tmp.dir, 'mixed-copy.npz');
    copyFileSync(fixture('mixed.npz'), p);
    const err = await openErr('C', p);
    expect(err.code).toBe('DTYPE');
    expect(err.message).toBe(`net C, layer labels (${p}:labels.npy): unsupported dtype '<i8' (int64); activations must be float32 ('<f4') or float64 ('<f8')`);
    expect(err.source).toBe(`${p}:labels.npy`);
  });

  test('skipInvalidLayers keeps the usable layers and remembers why the others were skipped', async () => {
    const src = await openNetSource('C', fixture('mixed.npz'), { skipInvalidLayers: true });
    expect(src.layers().map((l) => l.name)).toEqual(['act']);
    expect(src.rejected.map((r) => [r.name, r.error.code])).toEqual([['labels', 'DTYPE']]);
    expect(() => src.readBatches('labels', { batchSamples: 4 })).toThrow(/layer labels .*unsupported dtype '<i8'/);
    const r = await readLayer(src, 'act', 2);
    const want = expected['mixed.npz:act.npy']!;
    expectMatches(r.data, unitMajor(want.values, want.shape).data);
    await src.close();
    // Nothing usable at all: still an error, with the reasons.
    const dir = freshDir();
    copyFileSync(fixture('int64.npy'), join(dir, 'labels.npy'));
    const err = await openNetSource('C', dir, { skipInvalidLayers: true }).catch((e: ActivationInputError) => e);
    expect((err as ActivationInputError).code).toBe('NO_LAYERS');
    expect((err as Error).message).toContain("no usable layers: net C, layer labels");
  });

  test('a truncated npz entry is found up front', async () => {
    const full = encodeNpy(patterned([100, 4], Float32Array), [100, 4]);
    for (const method of [0, 8] as const) {
      const p = join(tmp.dir, `trunc-entry-${method}.npz`);
      writeZip(p, [{ name: 'fc7.npy', data: full.subarray(0, full.length - 40), method }]);
      const err = await openErr('D', p);
      expect(err.code).toBe('TRUNCATED');
      expect(err.message).toBe(
        `net D, layer fc7 (${p}:fc7.npy): truncated: the header promises shape (100, 4) of '<f4' = 1600 bytes of data, but only 1560 bytes follow the 128-byte header`,
      );
    }
  });

  test('a deflated entry that ends early is found while streaming', async () => {
    const full = encodeNpy(patterned([100, 4], Float32Array), [100, 4]);
    const p = join(tmp.dir, 'trunc-stream.npz');
    // The directory claims the full size; the deflated data holds only 60 of the 100 rows.
    writeZip(p, [{ name: 'fc7.npy', data: full.subarray(0, 128 + 60 * 16), method: 8, lieUncompressedSize: full.length }]);
    const src = await openNetSource('D', p);
    expect(src.layers()[0]!.samples).toBe(100);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const b of src.readBatches('fc7', { batchSamples: 16 })) seen.push(b.samples);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(ActivationInputError);
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toMatch(new RegExp(`^net D, layer fc7 \\(.*trunc-stream\\.npz:fc7\\.npy\\): truncated`));
    expect(seen.length).toBeLessThan(7);
    await src.close();
    expect(openFdsUnder(tmp.dir)).toEqual([]);
  });

  test('a corrupt npz entry (CRC-32) is found on a full read', async () => {
    const data = encodeNpy(patterned([30, 4], Float32Array), [30, 4]);
    for (const method of [0, 8] as const) {
      const p = join(tmp.dir, `badcrc-${method}.npz`);
      writeZip(p, [{ name: 'x.npy', data, method, lieCrc: 0xdeadbeef }]);
      const src = await openNetSource('E', p);
      await expect(collect(src.readBatches('x', { batchSamples: 7 }))).rejects.toThrow(
        new RegExp(`net E, layer x \\(.*badcrc-${method}\\.npz:x\\.npy\\): corrupt entry: CRC-32 0x[0-9a-f]{8} does not match 0xdeadbeef`),
      );
      // A partial read cannot check the CRC and does not complain.
      expect((await readLayer(src, 'x', 7, 20)).sizes).toEqual([7, 7, 6]);
      await src.close();
    }
  });

  test('two entries for one layer', async () => {
    const p = join(tmp.dir, 'dup.npz');
    const a = encodeNpy(new Float32Array(4), [2, 2]);
    writeZip(p, [
      { name: 'fc.npy', data: a, method: 0 },
      { name: 'fc.npy', data: a, method: 8 },
    ]);
    const err = await openErr('A', p);
    expect(err.code).toBe('DUPLICATE_LAYER');
    expect(err.message).toContain('the archive holds two entries for layer fc');
  });

  test('bad read options', async () => {
    const src = await openNetSource('A', fixture('savez.npz'));
    expect(() => src.readBatches('fc', { batchSamples: 0 })).toThrow(RangeError);
    expect(() => src.readBatches('fc', { batchSamples: 2.5 })).toThrow(/batchSamples must be a positive integer/);
    expect(() => src.readBatches('fc', { batchSamples: 2, limitSamples: -1 })).toThrow(/limitSamples must be a non-negative integer/);
    await src.close();
    expect(() => src.readBatches('fc', { batchSamples: 2 })).toThrow(/net A, layer fc .*the source is closed/);
  });
});

// ---- file handles ------------------------------------------------------------------------------------------

describe('no file handles are left open', () => {
  let dir: string;
  let deflated: string;
  beforeAll(async () => {
    dir = freshDir('handles');
    const a = patterned([2000, 16], Float32Array);
    await writeNpy(join(dir, 'fc.npy'), a, [2000, 16]);
    deflated = join(tmp.dir, 'handles.npz');
    writeZip(deflated, [
      { name: 'fc.npy', data: encodeNpy(a, [2000, 16]), method: 8 },
      { name: 'fc_stored.npy', data: encodeNpy(a, [2000, 16]), method: 0 },
    ]);
  });

  for (const kind of ['directory', 'deflated npz', 'stored npz'] as const) {
    const path = () => (kind === 'directory' ? dir : deflated);
    const layer = kind === 'stored npz' ? 'fc_stored' : 'fc';

    test(`${kind}: after a full read, an early break, a throw, and close() mid-read`, async () => {
      const src: NetSource = await openNetSource('A', path());
      expect(openFdsUnder(tmp.dir)).toEqual([]);

      await collect(src.readBatches(layer, { batchSamples: 100 }));
      expect(openFdsUnder(tmp.dir)).toEqual([]);

      for await (const b of src.readBatches(layer, { batchSamples: 100 })) {
        expect(b.samples).toBe(100);
        expect(openFdsUnder(tmp.dir).length).toBe(1); // the reading handle
        break;
      }
      expect(openFdsUnder(tmp.dir)).toEqual([]);

      await expect(
        (async () => {
          for await (const _ of src.readBatches(layer, { batchSamples: 100 })) throw new Error('consumer failed');
        })(),
      ).rejects.toThrow('consumer failed');
      expect(openFdsUnder(tmp.dir)).toEqual([]);

      // An iteration left hanging, then close(): the handle goes; resuming reports the close.
      const it = src.readBatches(layer, { batchSamples: 100 })[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      const it2 = src.readBatches(layer, { batchSamples: 300 })[Symbol.asyncIterator]();
      expect((await it2.next()).done).toBe(false);
      expect(openFdsUnder(tmp.dir).length).toBe(2);
      await src.close();
      expect(openFdsUnder(tmp.dir)).toEqual([]);
      await expect(it.next()).rejects.toThrow(/the source was closed while reading/);
      expect((await it2.return!(undefined)).done).toBe(true);
      expect(openFdsUnder(tmp.dir)).toEqual([]);
    });
  }

  test('failed opens leave nothing open', async () => {
    for (const f of ['int64.npy', 'truncated.npy', 'fortran.npy']) {
      const d = freshDir('fail');
      copyFileSync(fixture(f), join(d, f));
      await openErr('A', d);
    }
    const fake = join(tmp.dir, 'fake-failed-open.npz');
    writeFileSync(fake, 'this is not a zip file at all, just text');
    await openErr('A', fake).catch(() => undefined);
    const p = join(tmp.dir, 'mixed2.npz');
    copyFileSync(fixture('mixed.npz'), p);
    await openErr('A', p);
    expect(openFdsUnder(tmp.dir)).toEqual([]);
  });
});

// ---- streaming: memory stays bounded ---------------------------------------------------------------------

describe('streaming a 64 MB array', () => {
  const N = 65536;
  const D = 256; // 64 MiB of float32
  let npyDir: string;
  let npzPath: string;

  function rowsChunk(r0: number, r1: number): Float32Array {
    const a = new Float32Array((r1 - r0) * D);
    for (let r = r0; r < r1; r++) for (let u = 0; u < D; u++) a[(r - r0) * D + u] = val(r, u);
    return a;
  }

  // Written without holding it, before any test here.
  beforeAll(() => {
    npyDir = freshDir('big');
    const fd = openSync(join(npyDir, 'big.npy'), 'w');
    try {
      writeSync(fd, encodeNpyHeader({ descr: '<f4', shape: [N, D] }));
      for (let r = 0; r < N; r += 4096) writeSync(fd, new Uint8Array(rowsChunk(r, r + 4096).buffer));
    } finally {
      closeSync(fd);
    }
    npzPath = join(tmp.dir, 'big.npz');
    writeZip(npzPath, [
      {
        name: 'big.npy',
        method: 8,
        data: function* () {
          yield encodeNpyHeader({ descr: '<f4', shape: [N, D] });
          for (let r = 0; r < N; r += 4096) yield new Uint8Array(rowsChunk(r, r + 4096).buffer);
        },
      },
    ]);
  });

  for (const kind of ['npy', 'deflated npz'] as const) {
    test(`${kind}: heap + array buffers stay far below the file size`, async () => {
      const gc = getGc();
      const src = await openNetSource('A', kind === 'npy' ? npyDir : npzPath);
      expect(src.layers()[0]).toMatchObject({ units: D, samples: N, dtype: 'float32' });
      gc();
      const base = memoryNow();
      let peak = 0;
      let offset = 0;
      let bad = 0;
      for await (const b of src.readBatches('big', { batchSamples: 2048 })) {
        // 2048 x 256 float32 = 2 MiB per batch; check every value.
        for (let u = 0; u < D; u++) {
          const row = u * b.samples;
          for (let s = 0; s < b.samples; s++) if (b.data[row + s] !== val(offset + s, u)) bad++;
        }
        offset += b.samples;
        gc();
        peak = Math.max(peak, memoryNow() - base);
      }
      await src.close();
      expect(bad).toBe(0);
      expect(offset).toBe(N);
      // The file is 64 MiB; a batch is 2 MiB; the reader holds two raw batches and one output batch
      // (plus, for the npz, a few MiB of inflate buffers).
      console.log(`${kind}: peak retained growth ${(peak / 2 ** 20).toFixed(1)} MiB`);
      expect(peak).toBeLessThan(32 << 20);
      expect(openFdsUnder(tmp.dir)).toEqual([]);
    });
  }

  for (const kind of ['npy', 'deflated npz'] as const) {
    test(`${kind}: batches larger than the internal read chunk are assembled from several chunks`, async () => {
      const src = await openNetSource('A', kind === 'npy' ? npyDir : npzPath);
      let offset = 0;
      let bad = 0;
      const sizes: number[] = [];
      // 20000 rows x 1 KiB: each batch spans three 8 MiB read chunks.
      for await (const b of src.readBatches('big', { batchSamples: 20000, limitSamples: 50001 })) {
        for (let u = 0; u < D; u++) {
          const row = u * b.samples;
          for (let s = 0; s < b.samples; s++) if (b.data[row + s] !== val(offset + s, u)) bad++;
        }
        offset += b.samples;
        sizes.push(b.samples);
      }
      await src.close();
      expect(sizes).toEqual([20000, 20000, 10001]);
      expect(bad).toBe(0);
    });
  }

  test('conv items of 1 MiB: several items per read chunk, several chunks per batch, a partial item', async () => {
    const d = freshDir('bigconv');
    const shape = [30, 64, 64, 64];
    const hw = 64 * 64;
    const fd = openSync(join(d, 'conv5.npy'), 'w');
    try {
      writeSync(fd, encodeNpyHeader({ descr: '<f4', shape }));
      for (let i = 0; i < 30; i++) {
        const a = new Float32Array(64 * hw);
        for (let c = 0; c < 64; c++) for (let p = 0; p < hw; p++) a[c * hw + p] = val(i * hw + p, c);
        writeSync(fd, new Uint8Array(a.buffer));
      }
    } finally {
      closeSync(fd);
    }
    const src = await openNetSource('A', d);
    const limit = 25 * hw + 100;
    let offset = 0;
    let bad = 0;
    const sizes: number[] = [];
    for await (const b of src.readBatches('conv5', { batchSamples: 20 * hw + 5, limitSamples: limit })) {
      for (let u = 0; u < 64; u++) {
        const row = u * b.samples;
        for (let s = 0; s < b.samples; s++) if (b.data[row + s] !== val(offset + s, u)) bad++;
      }
      offset += b.samples;
      sizes.push(b.samples);
    }
    await src.close();
    expect(sizes).toEqual([20 * hw, 5 * hw + 100]);
    expect(bad).toBe(0);
  });
});
