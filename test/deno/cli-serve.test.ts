// `convergent serve` under Deno: the page's files (dist/web/, built here when missing, as
// test/web/serve.test.ts builds them) come back byte for byte with the headers Node's server
// sends them with.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoBinary, hasDeno, root, warnWithoutDeno } from './helpers.js';

warnWithoutDeno('Deno CLI test (serve)');

describe.runIf(hasDeno)('convergent serve under Deno', () => {
  let child: ReturnType<typeof spawn> | undefined;
  let url = '';

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'web', 'index.html'))) {
      const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: root, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`scripts/build-web.mjs failed: ${built.stderr}`);
    }
    child = spawn(denoBinary, ['run', '-A', 'dist/cli/main.js', 'serve', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    url = await new Promise<string>((done, fail) => {
      let out = '';
      const read = (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/localhost:\d+\/)/.exec(out);
        if (m) done(m[1]);
      };
      child!.stdout!.on('data', read);
      child!.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child!.once('exit', (code) => fail(new Error(`deno ... serve exited (${code}): ${out}`)));
    });
  }, 120_000);
  afterAll(() => {
    child?.kill();
  });

  it('serves the page\'s files as they are on disk, with their types and COOP/COEP', async () => {
    for (const [path, file, type] of [
      ['', 'index.html', 'text/html'],
      ['main.js', 'main.js', 'text/javascript'],
      ['worker.js', 'worker.js', 'text/javascript'],
    ]) {
      const r = await fetch(new URL(path, url));
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toContain(type);
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(Buffer.from(await r.arrayBuffer()).equals(readFileSync(join(root, 'dist', 'web', file))), path).toBe(true);
    }
    expect((await fetch(new URL('nothing.js', url))).status).toBe(404);
  });
});
