// Image folders: the fixed, locale-independent order, classes from the first sub-folder level,
// hidden files left out, bad images skipped (and listed) or fatal, splits, limits, readItem, and
// the next batch decoded while the caller still works on the current one.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePaths, listClasses, listImages } from '../../../src/inputs/data/folder.js';
import { openImageSource, type ImageBatch, type ImageSource } from '../../../src/inputs/data/source.js';

let root: string;

/** A 4 x 4 grey PNG whose every pixel is `value`. */
const flatPng = (value: number) => encodePng({ width: 4, height: 4, data: new Uint8Array(16).fill(value), channels: 1, depth: 8 });

async function put(rel: string, bytes: Uint8Array): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, bytes);
}

async function collect(source: ImageSource, batchSize: number, limit?: number): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of source.batches(batchSize, { limit })) out.push(b);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convergent-data-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('order', () => {
  it('compares paths by segments and code units, not locale', () => {
    const paths = ['b.png', 'B.png', 'a/z.png', 'a-b.png', 'a.png', '10.png', '9.png', 'é.png', 'e.png', 'a/b/c.png'];
    // A folder's contents sort together, right where the folder name sorts ('a' < 'a-b.png').
    expect([...paths].sort(comparePaths)).toEqual(['10.png', '9.png', 'B.png', 'a/b/c.png', 'a/z.png', 'a-b.png', 'a.png', 'b.png', 'e.png', 'é.png']);
  });
});

describe('folder source', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'classes');
    // Written in scrambled order; values encode the expected position.
    const files: [string, number][] = [
      ['cat/b.png', 20],
      ['dog/a.png', 30],
      ['cat/a.png', 10],
      ['dog/sub/z.png', 50],
      ['dog/b.jpg', 40],
      ['Zebra/x.PNG', 0],
    ];
    for (const [rel, v] of files) {
      if (rel.endsWith('.jpg')) {
        await put(`classes/${rel}`, jpeg.encode({ width: 4, height: 4, data: new Uint8Array(64).fill(v) }, 100).data);
      } else await put(`classes/${rel}`, flatPng(v));
    }
    await put('classes/cat/.hidden.png', new Uint8Array([1, 2, 3])); // would be a bad image if read
    await put('classes/dog/notes.txt', new TextEncoder().encode('not an image'));
    await put('classes/.cache/x.png', flatPng(1));
  });

  it('lists images in path order with classes from the first level', async () => {
    const listing = await listImages(dir);
    expect(listing.files).toEqual(['Zebra/x.PNG', 'cat/a.png', 'cat/b.png', 'dog/a.png', 'dog/b.jpg', 'dog/sub/z.png']);
    expect(listing.classes).toEqual(['Zebra', 'cat', 'dog']);
    expect(Array.from(listing.labels!)).toEqual([0, 1, 1, 2, 2, 2]);
    expect(await listClasses(dir)).toEqual(['Zebra', 'cat', 'dog']);
  });

  it('has no classes when images lie in the root or in a single sub-folder', async () => {
    await put('flat/a.png', flatPng(1));
    await put('flat/k/b.png', flatPng(2));
    await put('one/only/a.png', flatPng(1));
    expect((await listImages(join(root, 'flat'))).classes).toEqual([]);
    expect((await listImages(join(root, 'one'))).labels).toBeUndefined();
    const source = await openImageSource(join(root, 'flat'), { itemShape: [1, 4, 4] });
    expect(source.labels).toBeUndefined();
  });

  it('reads batches in order with labels, describe and readItem', async () => {
    const source = await openImageSource(dir, { itemShape: [1, 4, 4] });
    expect(source.count).toBe(6);
    expect(Array.from(source.labels!)).toEqual([0, 1, 1, 2, 2, 2]);
    expect(source.classNames).toEqual(['Zebra', 'cat', 'dog']);
    expect(source.describe(4)).toBe(join(dir, 'dog/b.jpg'));
    const batches = await collect(source, 4);
    expect(batches.map((b) => b.n)).toEqual([4, 2]);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual([0, 1, 2, 3, 4, 5]);
    const firstPixel = batches.flatMap((b) => Array.from({ length: b.n }, (_, i) => Math.round(b.data[i * 16]! * 255)));
    expect(firstPixel).toEqual([0, 10, 20, 30, 40, 50]);
    for (const b of batches) expect(b.data.length).toBe(b.n * 16);
    const item = await source.readItem(2);
    expect(Array.from(item)).toEqual(new Array(16).fill(Math.fround(20 / 255)));
    expect(() => source.describe(6)).toThrow(/outside 0..5/);
    await source.close();
  });

  it('opens a single image file as a source of one', async () => {
    const source = await openImageSource(join(dir, 'dog/b.jpg'), { itemShape: [1, 4, 4] });
    expect(source.count).toBe(1);
    expect(source.describe(0)).toBe(join(dir, 'dog/b.jpg'));
    expect(Math.round((await source.readItem(0))[5]! * 255)).toBeGreaterThan(35);
  });

  it('limit and split pick index ranges', async () => {
    const source = await openImageSource(dir, { itemShape: [1, 4, 4], split: '2:5' });
    expect(source.count).toBe(3);
    expect(source.describe(0)).toBe(join(dir, 'cat/b.png'));
    expect(Array.from(source.labels!)).toEqual([1, 2, 2]);
    const batches = await collect(source, 2, 2);
    expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 1]]);
    await expect(openImageSource(dir, { itemShape: [1, 4, 4], split: 'train' })).rejects.toThrow(/bad split "train"/);
  });

  it('resizes to the model input and replicates grey for RGB', async () => {
    const source = await openImageSource(dir, { itemShape: [3, 2, 2], preprocess: { scale: 1 } });
    const [b] = await collect(source, 6);
    expect(b!.data.length).toBe(6 * 12);
    expect(Array.from(b!.data.subarray(12, 24)).every((v) => Math.abs(v - 10) < 1e-4)).toBe(true);
  });

  it('a channel count the model does not take is an error naming the file', async () => {
    await put('rgb/a.png', encodePng({ width: 2, height: 2, data: new Uint8Array(12).fill(9), channels: 3, depth: 8 }));
    const source = await openImageSource(join(root, 'rgb'), { itemShape: [3, 2, 2], preprocess: { grayscale: true } });
    await expect(collect(source, 1)).rejects.toThrow(/rgb\/a\.png: a colour image gives 1 channel/);
    await expect(source.readItem(0)).rejects.toThrow(/rgb\/a\.png/);
  });
});

describe('bad images', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'bad');
    const good = flatPng(100);
    await put('bad/0.png', good);
    await put('bad/1.png', good.subarray(0, good.length - 30)); // truncated
    await put('bad/2.jpg', new TextEncoder().encode('not a jpeg at all'));
    await put('bad/3.png', flatPng(200));
    await symlink(join(dir, 'missing.png'), join(dir, '4.png')); // dangling link: not listed
  });

  it('skip: listed in the batch with path and reason, never counted as items', async () => {
    const source = await openImageSource(dir, { itemShape: [1, 4, 4], onBadImage: 'skip' });
    expect(source.count).toBe(4);
    const batches = await collect(source, 3);
    expect(batches.map((b) => b.n)).toEqual([1, 1]);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual([0, 3]);
    const skipped = batches.flatMap((b) => b.skipped);
    expect(skipped.map((s) => [s.index, s.path])).toEqual([
      [1, join(dir, '1.png')],
      [2, join(dir, '2.jpg')],
    ]);
    expect(skipped[0]!.reason).toMatch(/truncated PNG/);
    expect(skipped[1]!.reason).toMatch(/not a PNG or JPEG/);
    expect(batches[0]!.data.length).toBe(16);
    expect(Math.round(batches[1]!.data[0]! * 255)).toBe(200);
    await expect(source.readItem(1)).rejects.toThrow(`${join(dir, '1.png')}: corrupt or truncated PNG`);
  });

  it('fail: the first bad image stops the run, named', async () => {
    const source = await openImageSource(dir, { itemShape: [1, 4, 4], onBadImage: 'fail' });
    await expect(collect(source, 2)).rejects.toThrow(`${join(dir, '1.png')}: corrupt or truncated PNG`);
  });
});

describe('early stop', () => {
  it('stopping early leaves no unhandled rejection from the batch in flight', async () => {
    const dir = join(root, 'bad');
    const source = await openImageSource(dir, { itemShape: [1, 4, 4], onBadImage: 'fail' });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const iterator = source.batches(1)[Symbol.asyncIterator]();
      await iterator.next(); // batch 0 is fine; batch 1 (the truncated PNG) is already being read and fails
      await iterator.return?.(undefined); // returns once batch 1 has failed (see batches.test.ts)
      // Node reports a rejection left unhandled in one turn of the event loop before the next turn.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
