// Every output is written atomically (issue 10 item 16): a failed write leaves the previous file
// (or none), no temporary file, and an error that names the file and says what happened.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/run-dir/atomic-write.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';

// A disk that fills up: when `failAfter` is set, a file handle's write fails with ENOSPC once
// that many bytes went through it (the first write may succeed: a half-written file is the risk).
const disk = vi.hoisted(() => ({ failAfter: undefined as number | undefined }));
// (The writers reach node:fs/promises through the platform shim, src/platform/node-fs-promises.ts.)
vi.mock('../../src/platform/node-fs-promises.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/platform/node-fs-promises.js')>();
  const open: typeof real.open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (disk.failAfter === undefined) return handle;
    let written = 0;
    const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
    (handle as unknown as { write: unknown }).write = async (...a: unknown[]) => {
      if (written >= disk.failAfter!) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
      const r = await write(...a);
      written += r.bytesWritten;
      return r;
    };
    return handle;
  };
  return { ...real, open };
});

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-atomic-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  disk.failAfter = undefined;
});

describe('writeFileAtomic', () => {
  it('replaces a file and leaves nothing else', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('keeps the old file when the writer fails midway, and removes its temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'table.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    await expect(
      writeFileAtomic(path, async (file) => {
        await file.write(new TextEncoder().encode('a,b\n3,'));
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      }),
    ).rejects.toThrow(`could not write ${path}: an input/output error from the device (EIO)`);
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(dir)).toEqual(['table.csv']);
  });

  it('says what happened for a path that cannot be written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'out.json'); // a file where a folder should be
    await expect(writeFileAtomic(path, '{}')).rejects.toThrow(`could not write ${path}: a part of the path is a file, not a folder (ENOTDIR)`);
    expect(() => writeFileAtomicSync(path, '{}')).toThrow(`could not write ${path}: a part of the path is a file, not a folder (ENOTDIR)`);
  });
});

describe('writeNpy on a full disk', () => {
  it('fails naming the file, leaves no partial .npy and keeps the previous one', async () => {
    const dir = tempDir();
    const path = join(dir, 'm2.npy');
    await writeNpy(path, new Float64Array([1, 2, 3]), [3]);
    disk.failAfter = 128; // the header goes through, the data does not
    await expect(writeNpy(path, new Float64Array(1000).fill(7), [10, 100])).rejects.toThrow(`could not write ${path}: the disk is full (ENOSPC)`);
    disk.failAfter = undefined;
    expect(readdirSync(dir)).toEqual(['m2.npy']);
    const kept = await readNpy(path);
    expect(kept.shape).toEqual([3]);
    expect(Array.from(kept.data)).toEqual([1, 2, 3]);
  });

  it('a first write that fails leaves no file at all', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.mean.npy');
    disk.failAfter = 0;
    await expect(writeNpy(path, new Float32Array(5), [5])).rejects.toThrow(/could not write .*a\.mean\.npy: the disk is full \(ENOSPC\)/);
    disk.failAfter = undefined;
    expect(readdirSync(dir)).toEqual([]);
  });
});
