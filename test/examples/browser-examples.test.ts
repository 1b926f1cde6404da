// The two browser examples (examples/browser/: one bundled by esbuild, one loading the package's
// dist/ through an import map) served over http and opened in headless Chromium: each must print
// the correlations and matched pairs that the reference kernels give in Node for the same nets
// (within 1e-6), with no console error and no failed request; with SwiftShader's WebGPU the WebGPU
// branch must run and match too, and the bundled page must run under the Content-Security-Policy
// the README names. Without a browser: the nets plant pairs the matching finds, the README's
// esbuild command bundles with no `node:` import, and the import map names a file the package
// ships. Chromium missing: the browser tests fail under CI=true and are skipped otherwise
// (apt-get install chromium), as in test/report/report.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchMomentsReference } from '../../src/kernels/moments/index.js';
import { linearSumAssignmentReference } from '../../src/kernels/assignment/index.js';
// The examples' own data and arithmetic (plain JavaScript, as a page would load it).
import { UNITS_A, UNITS_B, crossCorrelation, matchedPairs, twoNets } from '../../examples/browser/two-nets.js';

const CHROMIUM = process.env.CONVERGENT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
const haveChromium = existsSync(CHROMIUM);
const requireChromium = process.env.CI === 'true';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'examples', 'browser');
const TOLERANCE = 1e-6;
/**
 * The Content-Security-Policy the README names: the page's own scripts, WebAssembly compilation
 * and workers from blob: URLs (the WASM kernel's), plus what the example page itself uses.
 */
const STRICT_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src blob:; style-src 'unsafe-inline'; img-src data:";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
};

interface StaticServer {
  origin: string;
  /** Paths asked for that were not there (each would be a console error in the page as well). */
  missing: string[];
  close(): Promise<void>;
}

/**
 * Serves `dir` on a free localhost port; `extra` maps URL paths to files elsewhere (the built
 * bundle), and `headers` go with every file.
 */
async function serveStatic(dir: string, extra: Record<string, string>, headers: Record<string, string> = {}): Promise<StaticServer> {
  const missing: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = extra[path] ?? resolve(dir, `.${normalize(path)}`);
    const type = MIME[extname(file)];
    try {
      if (!file.startsWith(dir + sep) && !(path in extra)) throw new Error('outside the served folder');
      const body = await readFile(file);
      response.writeHead(200, { ...headers, 'content-type': type ?? 'application/octet-stream', 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      missing.push(path);
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no port');
  return { origin: `http://127.0.0.1:${address.port}`, missing, close: () => new Promise((done) => server.close(() => done())) };
}

interface Pair {
  a: number;
  b: number;
  r: number;
}

interface BackendResult {
  backend: 'wasm' | 'webgpu';
  kernel?: string;
  unavailable?: string;
  correlation?: number[];
  pairs?: Pair[];
}

interface DemoResult {
  samples: number;
  unitsA: number;
  unitsB: number;
  featureA: number[];
  featureB: number[];
  results: BackendResult[];
}

/** The example's computation in Node, on the float64 reference kernels. */
function referenceResult() {
  const nets = twoNets();
  const correlation: Float64Array = crossCorrelation(batchMomentsReference(nets.data, nets.d, nets.n));
  const assignment = linearSumAssignmentReference({ data: correlation, rows: UNITS_A, cols: UNITS_B }, { maximize: true });
  return { nets, correlation, pairs: matchedPairs(correlation, assignment) as Pair[] };
}

/** Checks one backend's printed result against the reference: every correlation, the pairs and their correlations. */
function expectMatchesReference(result: BackendResult, reference: ReturnType<typeof referenceResult>): void {
  const label = `${result.backend} (${result.kernel})`;
  expect(result.unavailable, label).toBeUndefined();
  expect(result.correlation, label).toHaveLength(UNITS_A * UNITS_B);
  const worst = Math.max(...result.correlation!.map((r, k) => Math.abs(r - reference.correlation[k])));
  expect(worst, `${label}: largest correlation error`).toBeLessThan(TOLERANCE);
  expect(result.pairs!.map(({ a, b }) => [a, b]), `${label}: matched pairs`).toEqual(reference.pairs.map(({ a, b }) => [a, b]));
  result.pairs!.forEach((pair, k) => expect(Math.abs(pair.r - reference.pairs[k].r), `${label}: pair ${pair.a}-${pair.b}`).toBeLessThan(TOLERANCE));
}

/** The README's esbuild command, writing the bundle to a temporary folder instead of next to main.js; its path. */
function bundle(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'convergent-examples-')), 'main.bundle.js');
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  execFileSync(esbuild, ['examples/browser/bundler/main.js', '--bundle', '--format=esm', `--outfile=${outfile}`, '--log-level=warning'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return outfile;
}

describe('the browser examples, without a browser', () => {
  const reference = referenceResult();

  it('plant pairs of units that the matching finds, with high correlations', () => {
    const { featureA, featureB } = reference.nets;
    const planted = reference.pairs.filter(({ a, b }) => featureA[a] === featureB[b]);
    const possible = featureA.filter((f: number) => featureB.includes(f)).length;
    expect(possible).toBeGreaterThan(3);
    expect(planted, 'every unit pair that follows one hidden feature is matched').toHaveLength(possible);
    for (const { r } of planted) expect(r).toBeGreaterThan(0.5);
    for (const { a, b, r } of reference.pairs.filter(({ a, b }) => featureA[a] !== featureB[b])) expect(Math.abs(r), `${a}-${b}`).toBeLessThan(0.2);
  });

  it('bundles with the documented esbuild command, without a node: module', () => {
    const text = readFileSync(bundle(), 'utf8');
    expect(text).not.toMatch(/from\s*["']node:|import\(\s*["']node:/);
  });

  it('point the import map at a module that the package ships, at the same relative path', () => {
    const page = readFileSync(join(examples, 'import-map', 'index.html'), 'utf8');
    const map = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(page)![1]);
    const target = normalize(join('examples', 'browser', 'import-map', map.imports['convergent/kernels']));
    expect(target).toBe(normalize(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports['./kernels'].default));
    const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const packed = new Set((JSON.parse(json)[0].files as { path: string }[]).map((f) => f.path));
    for (const file of ['examples/browser/demo.js', 'examples/browser/two-nets.js', 'examples/browser/bundler/index.html', 'examples/browser/bundler/main.js', 'examples/browser/import-map/index.html', target]) {
      expect(packed.has(file), `${file} is in the package`).toBe(true);
    }
    expect(packed.has('examples/browser/bundler/main.bundle.js'), 'the built bundle stays out').toBe(false);
  });
});

describe.skipIf(!haveChromium && !requireChromium)('the browser examples in headless Chromium', () => {
  const reference = referenceResult();
  let server: StaticServer;
  let strictServer: StaticServer;

  beforeAll(async () => {
    expect(existsSync(join(root, 'dist', 'src', 'kernels', 'index.js')), 'dist/ is built (npx tsc -p tsconfig.json)').toBe(true);
    const bundled = { '/examples/browser/bundler/main.bundle.js': bundle() };
    server = await serveStatic(root, bundled);
    strictServer = await serveStatic(root, bundled, { 'content-security-policy': STRICT_POLICY });
  });
  afterAll(async () => {
    await server?.close();
    await strictServer?.close();
  });

  /** Opens an example's page and returns the result it printed; fails on any console error or failed request. */
  async function openExample(example: string, args: string[], served = server): Promise<{ demo: DemoResult; workers: number }> {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'convergent-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...args],
    });
    try {
      const page = await context.newPage();
      // The first error ends the wait: a module that fails to load never sets data-ready.
      const errors: string[] = [];
      let errorSeen!: () => void;
      const firstError = new Promise<void>((done) => (errorSeen = done));
      const record = (text: string) => {
        errors.push(text);
        errorSeen();
      };
      page.on('console', (m) => {
        if (m.type() === 'error') record(m.text());
      });
      page.on('pageerror', (e) => record(e.message));
      page.on('requestfailed', (r) => record(`${r.url()}: ${r.failure()?.errorText}`));
      let workers = 0;
      page.on('worker', () => workers++);
      await page.goto(`${served.origin}/examples/browser/${example}/index.html`);
      await Promise.race([page.waitForFunction(() => document.documentElement.dataset.ready !== undefined, null, { timeout: 90_000 }), firstError]);
      expect(errors, 'console errors').toEqual([]);
      const ready = await page.evaluate(() => document.documentElement.dataset.ready);
      const printed = await page.evaluate(() => document.getElementById(document.documentElement.dataset.ready === 'true' ? 'result-json' : 'error')?.textContent ?? '');
      expect(ready, printed).toBe('true');
      expect(errors, 'console errors after the result').toEqual([]);
      expect(served.missing, 'requests for files that are not there').toEqual([]);
      const demo = JSON.parse(printed) as DemoResult;
      // Each backend's table shows its matched pairs as the JSON holds them, rounded.
      for (const result of demo.results.filter((r) => r.pairs)) {
        const rows = await page.locator(`table[data-backend="${result.backend}"] tr`).evaluateAll((trs) => trs.slice(1).map((tr) => Array.from(tr.children, (td) => td.textContent)));
        expect(rows, result.backend).toEqual(result.pairs!.map(({ a, b, r }) => [String(a), String(b), r.toFixed(6), demo.featureA[a] === demo.featureB[b] ? 'yes' : '']));
      }
      return { demo, workers };
    } finally {
      await context.close();
    }
  }

  it('bundler: runs under the Content-Security-Policy the README names', async () => {
    const { demo } = await openExample('bundler', [], strictServer);
    expectMatchesReference(demo.results[0], reference);
  });

  for (const example of ['bundler', 'import-map']) {
    it(`${example}: WASM workers match the reference; WebGPU matches too or the page says why it is missing`, async () => {
      const { demo, workers } = await openExample(example, []);
      expect(workers, 'web workers the WASM kernel started').toBeGreaterThanOrEqual(2);
      expect(demo.results.map((r) => r.backend)).toEqual(['wasm', 'webgpu']);
      const [wasm, webgpu] = demo.results;
      expect(wasm.kernel).toMatch(/^wasm-simd x\d+ threads$/);
      expectMatchesReference(wasm, reference);
      // Plain headless Chromium gives no adapter here; one that does must match as well.
      if (webgpu.unavailable === undefined) expectMatchesReference(webgpu, reference);
      else expect(webgpu.unavailable).toMatch(/no navigator\.gpu|no adapter/);
    });

    it(`${example}: on SwiftShader WebGPU both backends match the reference`, async () => {
      const { demo } = await openExample(example, WEBGPU_ARGS);
      const [wasm, webgpu] = demo.results;
      expectMatchesReference(wasm, reference);
      expect(webgpu.kernel, webgpu.unavailable).toMatch(/^webgpu \(.*swiftshader/i);
      expectMatchesReference(webgpu, reference);
    });
  }
});
