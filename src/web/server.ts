// Node side of the web page: `convergent serve` hands out dist/web/ (the static page that
// scripts/build-web.mjs writes) on localhost with node:http. Files only, read-only, nothing
// outside the folder; module scripts and WebAssembly get their MIME types, and the page is
// cross-origin isolated (COOP/COEP) so that browsers allow it SharedArrayBuffer and precise timers.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
};

/** dist/web/ of the convergent package this module belongs to (from dist/ or from the sources). */
export function webRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'convergent') return join(dir, 'dist', 'web');
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the convergent package above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Serves `root` on 127.0.0.1:`port` (0: any free port); resolves once listening. */
export async function serveStatic(root: string, port: number): Promise<{ server: Server; url: string }> {
  const base = resolve(root);
  if (!existsSync(join(base, 'index.html'))) throw new Error(`${base}/index.html is missing: build the page with \`npm run build\` (scripts/build-web.mjs)`);
  const server = createServer((request, response) => {
    void (async () => {
      const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
        return;
      }
      let path: string;
      try {
        path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      } catch {
        response.writeHead(400, headers).end('bad path');
        return;
      }
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) {
        response.writeHead(403, headers).end('outside the page');
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        const body = await readFile(file);
        response.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': body.length });
        response.end(request.method === 'HEAD' ? undefined : body);
      } catch {
        response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${path}: not found`);
      }
    })();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://localhost:${actual}/` };
}
