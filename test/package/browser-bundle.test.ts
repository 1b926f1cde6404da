// The package's entries in a bundler, as a web project uses them: `convergent` and
// `convergent/kernels` bundle with esbuild for the browser with no Node module in them (no
// `node:` import, static or dynamic by name, no bare Node built-in that the package's "browser"
// field does not stub, no package that only runs in Node); a failure names the chain of importers
// that reaches it. `convergent/node` bundles for Node. And the browser bundle of `convergent` runs
// in headless Chromium: the WASM backend's moment kernel (on web workers) matches the float64
// reference. Bundles are built from dist/ as package.json's "exports" name them (`npx tsc -p
// tsconfig.json` first, as the CLI tests need). Chromium missing: that part fails under CI=true
// and is skipped otherwise, as the report test does.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { batchMomentsReference } from '../../src/kernels/index.js';
import { CHROMIUM, CHROMIUM_ARGS, haveChromium, pageErrors, requireChromium } from '../helpers/chromium.js';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entryFile = (name: string) => join(root, pkg.exports[name].default as string);


/** Packages that run only in Node (native addons, terminals, file-system readers): never in a browser bundle. */
const NODE_ONLY_PACKAGES = ['yauzl', 'onnxruntime-node', 'cli-progress', 'yargs', 'webgpu'];
const BARE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const shown = (file: string) => relative(root, file.replace(/^[a-z-]+:/, '')) || file;

interface BrowserBundle {
  /** Each Node module the bundle would need, with the importers that reach it: entry > ... > module. */
  nodeImports: string[];
  bytes: number;
  metafile: esbuild.Metafile;
}

/**
 * Bundles `entry` for the browser. Node modules do not stop the build: they are recorded (and
 * left external) so that the test can name every one with its importer chain. A bare built-in
 * (`fs`) counts only where the importing package's "browser" field does not stub it.
 */
async function bundleForBrowser(entry: string, outfile?: string): Promise<BrowserBundle> {
  const flagged = new Map<string, string>(); // "importer\0specifier" -> specifier
  const record: esbuild.Plugin = {
    name: 'record-node-imports',
    setup(build) {
      const nodeOnly = (spec: string) => spec.startsWith('node:') || NODE_ONLY_PACKAGES.includes(packageOf(spec));
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.inner || args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
        if (nodeOnly(args.path)) {
          flagged.set(`${args.importer}\0${args.path}`, args.path);
          return { path: args.path, external: true };
        }
        if (!BARE_BUILTINS.has(args.path)) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { inner: true } });
        if (resolved.errors.length === 0) return undefined; // stubbed by a "browser" field: esbuild resolves it so again
        flagged.set(`${args.importer}\0${args.path}`, args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
    plugins: [record],
    ...(outfile ? { outfile } : { write: false, outdir: join(tmpdir(), 'unwritten') }),
  });
  const metafile = result.metafile!;
  return { nodeImports: importerChains(metafile, entry, flagged), bytes: Object.values(metafile.outputs)[0].bytes, metafile };
}

/** For each flagged import, the shortest chain of importers from the entry: "a.js > b.js > node:fs". */
function importerChains(metafile: esbuild.Metafile, entry: string, flagged: Map<string, string>): string[] {
  const key = (file: string) => relative(process.cwd(), file);
  const start = key(entry);
  const parent = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.external || parent.has(imported.path)) continue;
      parent.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  const chains: string[] = [];
  for (const [at, spec] of flagged) {
    const importer = key(at.split('\0')[0]);
    const chain = [spec];
    for (let file: string | null | undefined = importer; file; file = parent.get(file)) chain.unshift(shown(join(process.cwd(), file)));
    chains.push(chain.join(' > '));
  }
  return chains.sort();
}

describe('the browser entries bundle for the browser', () => {
  it.each(['.', './kernels'])('%s: no Node module reachable, by any chain of imports', async (name) => {
    const entry = entryFile(name);
    expect(existsSync(entry), `${shown(entry)} is built (npx tsc -p tsconfig.json)`).toBe(true);
    const bundle = await bundleForBrowser(entry);
    expect(bundle.nodeImports, `Node modules in the browser bundle of ${pkg.name}${name.slice(1)} (importer chains)`).toEqual([]);
    expect(Object.keys(bundle.metafile.inputs).length).toBeGreaterThan(20);
  });

  it('names the importer chain of a Node module (the check itself, on `convergent/node`)', async () => {
    const { nodeImports } = await bundleForBrowser(entryFile('./node'));
    expect(nodeImports.length).toBeGreaterThan(5);
    // e.g. dist/src/node.js > dist/src/probe/probe.js > ... > node:path
    for (const chain of nodeImports) expect(chain).toMatch(/^dist\/src\/node\.js( > dist\/src\/[^ ]+\.js)* > [^ ]+$/);
    expect(nodeImports.some((c) => c.endsWith(' > yauzl')), 'yauzl, Node-only, is flagged').toBe(true);
  });
});

it('`convergent/node` bundles for Node', async () => {
  const result = await esbuild.build({ entryPoints: [entryFile('./node')], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, outdir: join(tmpdir(), 'unwritten'), logLevel: 'silent' });
  expect(result.errors).toEqual([]);
  expect(result.outputFiles[0].text).toContain('probeOnnx');
});

describe.skipIf(!haveChromium && !requireChromium)('the browser bundle of `convergent` in headless Chromium', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('creates the WASM backend and its moment kernel matches the float64 reference, with no console errors', async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'convergent-browser-bundle-'));
    await bundleForBrowser(entryFile('.'), join(dir, 'convergent.js'));
    // The page imports the bundle as a web project would, and hands it to the test as `window.convergent`.
    const page = `<!doctype html><meta charset="utf-8"><title>convergent</title>
<script type="module">import * as convergent from '/convergent.js'; window.convergent = convergent;</script>`;
    writeFileSync(join(dir, 'index.html'), page);
    // Served over http (module scripts and workers do not load from file://).
    server = createServer((request, response) => {
      const name = request.url === '/convergent.js' ? 'convergent.js' : 'index.html';
      response.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
      response.end(readFileSync(join(dir, name)));
    });
    await new Promise<void>((listening) => server!.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as { port: number };

    // d units x n samples, unit-major; neither a multiple of 4 nor of the kernel's 128-sample blocks.
    const d = 19;
    const n = 301;
    const data = new Float32Array(d * n);
    for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) data[i * n + k] = Math.sin(0.37 * (i + 1) * k + i) * (1 + i) + (k % 7) * 0.25 + i;
    const want = batchMomentsReference(data, d, n);

    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'convergent-chromium-')), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => 'convergent' in window, null, { timeout: 60_000 });
      const got = await page.evaluate(
        async ({ values, d, n }) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const convergent = (window as any).convergent;
          const backend = await convergent.createBackend('wasm', { threads: 2 });
          try {
            const m = await backend.moments.batchMoments(Float32Array.from(values), d, n);
            return { kind: backend.kind, kernel: backend.moments.name, n: m.n, mean: Array.from(m.mean as Float64Array), m2: Array.from(m.m2 as Float64Array) };
          } finally {
            await backend.dispose();
          }
        },
        { values: Array.from(data), d, n },
      );
      expect(got.kind).toBe('wasm');
      expect(got.kernel, 'the kernel runs on 2 web workers').toMatch(/wasm.*2/);
      expect(got.n).toBe(n);
      for (let i = 0; i < d; i++) expect(Math.abs(got.mean[i] - want.mean[i]), `mean of unit ${i}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.mean[i])));
      // Co-moments to the float32 kernel's precision: correlations within 1e-6 (as test/kernels/moments-wasm.test.ts).
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          const corr = (m2: ArrayLike<number>) => m2[i * d + j] / Math.sqrt(m2[i * d + i] * m2[j * d + j]);
          expect(Math.abs(corr(got.m2) - corr(want.m2)), `correlation of units ${i}, ${j}`).toBeLessThanOrEqual(1e-6);
          expect(Math.abs(got.m2[i * d + j] - want.m2[i * d + j])).toBeLessThanOrEqual(1e-6 * Math.sqrt(want.m2[i * d + i] * want.m2[j * d + j]));
        }
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
