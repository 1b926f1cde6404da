// `convergent serve`: the page's static files on localhost with their MIME types and the
// cross-origin isolation headers, nothing outside dist/web/, and --port checked.
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convergent, CLI } from '../cli/helpers.js';

let child: ReturnType<typeof spawn> | undefined;
let url: string;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build-web.mjs failed: ${built.stderr}`);
  child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((done, fail) => {
    let out = '';
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/localhost:\d+\/)/.exec(out);
      if (m) done(m[1]);
    });
    child!.once('exit', (code) => fail(new Error(`convergent serve exited (${code}): ${out}`)));
  });
}, 120_000);
afterAll(() => {
  child?.kill();
});

describe('convergent serve', () => {
  it('serves the page, its module scripts and data with their types and COOP/COEP', async () => {
    for (const [path, type] of [
      ['', 'text/html'],
      ['index.html', 'text/html'],
      ['main.js', 'text/javascript'],
      ['worker.js', 'text/javascript'],
      ['vendor/vega.min.js', 'text/javascript'],
      ['mnist/heldout.json', 'application/json'],
      ['mnist/heldout.f32', 'application/octet-stream'],
    ]) {
      const r = await fetch(new URL(path, url));
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toContain(type);
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
    const digits = JSON.parse(await (await fetch(new URL('mnist/heldout.json', url))).text());
    const pixels = await (await fetch(new URL('mnist/heldout.f32', url))).arrayBuffer();
    expect(pixels.byteLength).toBe(digits.count * 784 * 4);
  });

  it('answers 404 for what is not there and refuses paths outside the page', async () => {
    expect((await fetch(new URL('nothing.js', url))).status).toBe(404);
    // Sent as written (fetch would normalize the dots away): '/..%2fpackage.json' decodes to '/../package.json'.
    const status = await new Promise<number>((done, fail) => get(`${url}..%2fpackage.json`, (r) => done(r.statusCode ?? 0)).on('error', fail));
    expect(status).toBe(403);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a --port that is not a port', () => {
    const r = convergent(['serve', '--port', '70000']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--port/);
  });
});
