// readNpy (src/inputs/npy/npy-read.ts): the run's own .npy files (D x D m2.npy of 2 GiB and more)
// are read straight into the array's buffer, and `merge` reads every next part into the same one,
// so its memory is two states whatever the number of parts (issue 12, Memory).
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import { writeNpy } from '../../../src/run-dir/npy-write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convergent-npy-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const values = (count: number, seed: number) => Float64Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + seed) * 1e3);

describe('readNpy', () => {
  it('reads into the buffer it is given when its size is the data size, else into a new one', async () => {
    const path = join(dir, 'm2.npy');
    const a = values(7 * 7, 1);
    await writeNpy(path, a, [7, 7]);
    const reuse = new ArrayBuffer(a.byteLength);
    const read = await readNpy(path, reuse);
    expect(read.shape).toEqual([7, 7]);
    expect(read.data.buffer).toBe(reuse);
    expect(Array.from(read.data)).toEqual(Array.from(a));
    const other = await readNpy(path, new ArrayBuffer(a.byteLength + 8));
    expect(other.data.buffer.byteLength).toBe(a.byteLength);
    expect(Array.from(other.data)).toEqual(Array.from(a));
  });

  it('refuses a truncated file, naming it and the bytes it lacks', async () => {
    const path = join(dir, 'short.npy');
    await writeNpy(path, values(13, 2), [13]);
    await truncate(path, 128 + 8 * 13 - 3);
    await expect(readNpy(path)).rejects.toThrow(`${path}: truncated: shape [13] needs ${128 + 8 * 13} bytes, file has ${128 + 8 * 13 - 3}`);
  });
});
