// The node:path stand-in of platforms without Node (src/platform/posix-path.ts) against Node's own POSIX path functions.
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basename, dirname, extname, join, normalize, relative, resolve } from '../../src/platform/posix-path.js';

const PATHS = ['run', 'run/', '/run', 'browser-run/moments/conv1', 'a/./b/../c', '../a', 'a/..', '/a/../..', 'x.tar.gz', '.hidden', 'dir/.hidden', '', '/'];

describe('posix-path', () => {
  it('joins, normalizes and splits paths as node:path.posix', () => {
    for (const a of PATHS) {
      if (a !== '') expect(normalize(a), a).toBe(posix.normalize(a).replace(/(.)\/$/, '$1'));
      expect(dirname(a), a).toBe(posix.dirname(a));
      expect(basename(a), a).toBe(posix.basename(a));
      expect(extname(a), a).toBe(posix.extname(a));
      for (const b of PATHS) {
        expect(join(a, b), `${a} + ${b}`).toBe(posix.join(a, b).replace(/(.)\/$/, '$1'));
        expect(resolve('/base', a, b), `${a} + ${b}`).toBe(posix.resolve('/base', a, b));
        expect(relative(`/base/${a}`, `/base/${b}`), `${a} -> ${b}`).toBe(posix.relative(`/base/${a}`, `/base/${b}`));
      }
    }
    expect(basename('probe.json', '.json')).toBe(posix.basename('probe.json', '.json'));
  });
});
