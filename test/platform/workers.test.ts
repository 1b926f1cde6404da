// Starting workers the same way on every platform (src/platform/workers.ts): an inline script
// opened by inlineWorkerPrelude talks through listen/reply whatever the platform, and the core
// count is a positive integer; a worker module beside its module is found in the compiled tree.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardwareConcurrency, inlineWorkerPrelude, isNode, siblingWorkerUrl, startWorkers } from '../../src/platform/workers.js';

describe('platform workers', () => {
  it('runs on Node here', () => {
    expect(isNode()).toBe(true);
  });

  it('counts the logical cores', async () => {
    const cores = await hardwareConcurrency();
    expect(Number.isInteger(cores) && cores >= 1).toBe(true);
  });

  it('an inline script answers through the prelude, each worker with its own index', async () => {
    const replies: [number, unknown][] = [];
    let done: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const errors: Error[] = [];
    const workers = await startWorkers<{ twice: number }, { value: number }>({
      count: 3,
      source: { script: (platform) => `${inlineWorkerPrelude(platform)}\nlisten((m) => reply({ twice: 2 * m.value }));\n` },
      onMessage: (index, message) => {
        replies.push([index, message]);
        if (replies.length === 3) done();
      },
      onError: (_, error) => errors.push(error),
      onExit: () => {},
    });
    expect(workers).toBeDefined();
    try {
      workers!.forEach((w, i) => w.post({ value: 10 + i }, []));
      await all;
      expect(errors).toEqual([]);
      expect(replies.sort((a, b) => a[0] - b[0])).toEqual([
        [0, { twice: 20 }],
        [1, { twice: 22 }],
        [2, { twice: 24 }],
      ]);
    } finally {
      await Promise.all(workers!.map((w) => w.terminate()));
    }
  });
});

describe('siblingWorkerUrl', () => {
  const root = pathToFileURL(resolve('.')).href;
  it('is the sibling in the compiled tree, and from TypeScript sources the compiled copy in the same folder under dist/', async () => {
    expect((await siblingWorkerUrl(`${root}/dist/src/kernels/lasso/parallel.js`, './worker.js', 'x')).href).toBe(`${root}/dist/src/kernels/lasso/worker.js`);
    expect((await siblingWorkerUrl(`${root}/src/kernels/lasso/parallel.ts`, './worker.js', 'x')).href).toBe(`${root}/dist/src/kernels/lasso/worker.js`);
    expect((await siblingWorkerUrl(`${root}/src/views/view-drawers.ts`, './views-worker.js', 'x')).href).toBe(`${root}/dist/src/views/views-worker.js`);
  });

  it('takes the last src/ folder of the path, and refuses a compiled worker that is not there, naming it and the build command', async () => {
    const nested = 'file:///home/u/src/checkout/src/kernels/lasso/parallel.ts';
    await expect(siblingWorkerUrl(nested, './worker.js', 'parallel LASSO', { hint: ' (or use 1 thread)' })).rejects.toThrow(
      'parallel LASSO: running from TypeScript sources (file:///home/u/src/checkout/src/kernels/lasso/parallel.ts) and Node cannot run a TypeScript worker; its compiled form /home/u/src/checkout/dist/src/kernels/lasso/worker.js is missing: run `npm run build:ts` (or use 1 thread)',
    );
  });
});
