// Writes dist/web/: the study as a static web page (src/web/), served by `convergent serve` or any
// static server. Run by `npm run build` after the TypeScript build (it reads the MNIST digits
// through dist/src/). Static files only:
//   index.html, main.js (src/web/main.ts bundled by esbuild for the browser), worker.js (the WASM
//   forward engine's worker, src/forward/wasm/worker.ts, found by main.js next to itself),
//   vendor/ (the Vega builds the report inlines), mnist/ (held-out digits for the built-in data).
// Nothing the page imports reaches a Node module (esbuild, platform browser, refuses the build if
// one does); run-directory paths are POSIX paths there (src/platform/node-path.ts falls back to them).
import { build } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
/** Held-out digits bundled for the built-in data (the first of the CLI's `--data mnist` split). */
export const MNIST_DIGITS = 500;


/**
 * Writes `bytes` to dist/web/`file` through a temporary file and a rename: a page served (or a
 * test's build) at the same time never reads a half-written file.
 */
async function put(file, bytes) {
  const path = join(out, file);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

async function bundle(entry, file, define = {}) {
  const result = await build({
    entryPoints: [join(root, entry)],
    outfile: join(out, file),
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: false,
    // Whitespace and syntax only: names stay, so the page's error messages and stack traces read.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    define,
  });
  for (const output of result.outputFiles) await put(file, output.contents);
}

async function vendor() {
  const require = createRequire(import.meta.url);
  for (const [pkg, file] of [['vega', 'vega.min.js'], ['vega-lite', 'vega-lite.min.js'], ['vega-embed', 'vega-embed.min.js']]) {
    const entry = require.resolve(pkg);
    await put(`vendor/${file}`, await readFile(join(dirname(entry), file)));
  }
}

async function mnist() {
  const { loadMnist, parseSplit } = await import(join(root, 'dist', 'src', 'inputs', 'data', 'mnist.js'));
  const data = await loadMnist();
  const [start] = parseSplit('heldout');
  const images = data.images.slice(start * 784, (start + MNIST_DIGITS) * 784);
  await put('mnist/heldout.f32', new Uint8Array(images.buffer));
  await put('mnist/heldout.labels', data.labels.slice(start, start + MNIST_DIGITS));
  await put('mnist/heldout.json', JSON.stringify({ split: 'heldout', first: start, count: MNIST_DIGITS, pixels: 784, dtype: 'float32 little-endian' }) + '\n');
}

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
await bundle('src/web/main.ts', 'main.js', { __CONVERGENT_VERSION__: JSON.stringify(pkg.version) });
await bundle('src/forward/wasm/worker.ts', 'worker.js');
await put('index.html', await readFile(join(root, 'src', 'web', 'index.html')));
await vendor();
await mnist();
console.log(`dist/web/ written (${MNIST_DIGITS} held-out MNIST digits, ${pkg.version})`);
