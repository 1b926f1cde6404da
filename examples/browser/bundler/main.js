// The bundler example's entry. Build it (from the package or checkout root) with
//   npx esbuild examples/browser/bundler/main.js --bundle --format=esm --outfile=examples/browser/bundler/main.bundle.js
// then serve the root over http (module scripts and workers do not load from file://) and open
// examples/browser/bundler/index.html. esbuild resolves `convergent/kernels` (imported by
// ../demo.js) from node_modules, or in the checkout from the package itself; the WASM bytes and
// the WGSL shaders are inside the bundle, so main.bundle.js is the only file the page loads.
import { runDemo, showError, showResult } from '../demo.js';

const out = document.getElementById('out');
runDemo().then(
  (demo) => showResult(demo, out),
  (error) => showError(error, out),
);
