// Starting workers the same way on every platform (src/platform/workers.ts): an inline script
// opened by inlineWorkerPrelude talks through listen/reply whatever the platform, and the core
// count is a positive integer.
import { describe, expect, it } from 'vitest';
import { hardwareConcurrency, inlineWorkerPrelude, isNode, startWorkers } from '../../src/platform/workers.js';

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
