// A folder that cannot be created is reported with the real cause (issue 10 item 13): Node's
// recursive mkdir says ENOENT ("its folder does not exist") on a read-only file system, where the
// folder above exists. Here a read-only mount is simulated without root: under READ_ONLY, a
// recursive mkdir fails with ENOENT and a plain one with EROFS, as Node does on a `ro` bind mount.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ readOnly: '' }));

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: mkdir '${path}'`), { code, path });
}

// The run directory's modules reach node:fs through the platform shim (src/platform/node-fs.ts),
// which keeps them out of browser bundles: the shim is what is mocked.
vi.mock('../../src/platform/node-fs.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/platform/node-fs.js')>();
  const mkdirSync = ((path: string, options?: { recursive?: boolean }) => {
    if (fake.readOnly && String(path).startsWith(fake.readOnly)) throw errno(options?.recursive ? 'ENOENT' : 'EROFS', String(path));
    return real.mkdirSync(path, options);
  }) as typeof real.mkdirSync;
  return { ...real, mkdirSync };
});
vi.mock('../../src/platform/node-fs-promises.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/platform/node-fs-promises.js')>();
  const mkdir = (async (path: string, options?: { recursive?: boolean }) => {
    if (fake.readOnly && String(path).startsWith(fake.readOnly)) throw errno(options?.recursive ? 'ENOENT' : 'EROFS', String(path));
    return real.mkdir(path, options);
  }) as typeof real.mkdir;
  return { ...real, mkdir };
});

const { ensureDir } = await import('../../src/run-dir/atomic-write.js');
const { explainMkdirError, makeDirSync } = await import('../../src/run-dir/make-dir.js');
const { acquireRunLock } = await import('../../src/run-dir/lock.js');

const root = mkdtempSync(join(tmpdir(), 'convergent-mkdir-'));
afterAll(() => {
  fake.readOnly = '';
  rmSync(root, { recursive: true, force: true });
});

describe('creating a folder on a read-only file system', () => {
  const ro = join(root, 'ro');
  makeDirSync(ro);
  fake.readOnly = join(ro, '');

  it('the run directory: EROFS, not "its folder does not exist"', async () => {
    const out = join(ro, 'new');
    await expect(acquireRunLock(out)).rejects.toThrow(`could not create the run directory ${out}: the file system is read-only (EROFS)`);
  });

  it('a deeper run directory names the folder that could not be created', async () => {
    const out = join(ro, 'new', 'deeper');
    await expect(acquireRunLock(out)).rejects.toThrow(`could not create the run directory ${out} (at ${join(ro, 'new')}): the file system is read-only (EROFS)`);
  });

  it('ensureDir (every output folder) says EROFS too', async () => {
    const dir = join(ro, 'stats');
    await expect(ensureDir(dir)).rejects.toThrow(`could not create the folder ${dir}: the file system is read-only (EROFS)`);
  });
});

describe('explainMkdirError', () => {
  const enoent = (path: string) => errno('ENOENT', path);

  it('ENOENT below an existing folder: the error of creating the first missing folder, with its path', () => {
    const dir = join(root, 'a', 'b');
    const e = explainMkdirError(dir, 'create the folder', enoent(dir), () => {
      throw errno('EACCES', join(root, 'a'));
    });
    expect(e.message).toBe(`could not create the folder ${dir} (at ${join(root, 'a')}): permission denied (EACCES)`);
    expect((e as NodeJS.ErrnoException).code).toBe('EACCES');
  });

  it('ENOENT when creating the missing folder also says ENOENT: reported as it is', () => {
    const dir = join(root, 'c');
    const e = explainMkdirError(dir, 'create the folder', enoent(dir), () => {
      throw enoent(dir);
    });
    expect(e.message).toBe(`could not create the folder ${dir}: its folder does not exist (ENOENT)`);
  });

  it('other errors are reported as they are, naming the folder', () => {
    const dir = join(root, 'd');
    const e = explainMkdirError(dir, 'create the folder', errno('ENOSPC', dir), () => {
      throw new Error('not called');
    });
    expect(e.message).toBe(`could not create the folder ${dir}: the disk is full (ENOSPC)`);
  });
});

// Mode bits do not stop root: this one runs only as another user.
describe.skipIf(process.getuid?.() === 0)('a folder without write permission (not root)', () => {
  it('names the folder and says permission denied', async () => {
    const locked = join(root, 'locked');
    makeDirSync(locked);
    chmodSync(locked, 0o555);
    try {
      const out = join(locked, 'new', 'run');
      await expect(acquireRunLock(out)).rejects.toThrow(/could not create the run directory .*locked\/new.*permission denied \(EACCES\)/);
      expect(existsSync(join(locked, 'new'))).toBe(false);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});
