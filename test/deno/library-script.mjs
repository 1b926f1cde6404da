// A user's script of the library, run by test/deno/library.test.ts from a folder with the packed
// package in node_modules and no package.json: by Node as it is, and by Deno with its imports
// made `npm:` specifiers (`deno run -A --node-modules-dir=manual script.mjs`), each in its own
// working folder. It writes two nets' activations, probes and aligns them on the wasm backend
// into ./run, and prints one JSON line: where the library was loaded from, an assignment and the
// run's summary.
import { mkdirSync, readFileSync } from 'node:fs';
import { linearSumAssignment } from 'convergent';
import { align, builtinPlugin, createBackend, PluginRegistry, probe, selectMethods, writeNpy } from 'convergent/node';

const out = 'run';

/** Seeded activations: `shared` columns driven by common factors, so that the nets' units correlate. */
function activations(rows, units, seed) {
  let state = seed;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const factors = Array.from({ length: rows * 3 }, (_, i) => Math.sin(i * 0.61) + 0.3 * Math.cos(i * 0.17));
  const data = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) data[r * units + u] = Math.max(0, factors[r * 3 + (u % 3)] * (1 + u / units) + 0.7 * uniform());
  }
  return data;
}

const rows = 203; // neither a multiple of 4 nor of a batch
for (const [net, units, seed] of [['a', 13, 11], ['b', 11, 29]]) {
  mkdirSync(`acts/${net}`, { recursive: true });
  await writeNpy(`acts/${net}/fc.npy`, activations(rows, units, seed), [rows, units]);
}

const { rowInd, colInd } = await linearSumAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]);
const backend = await createBackend('wasm', { threads: 2 });
try {
  await probe({ nets: [{ name: 'a', path: 'acts/a' }, { name: 'b', path: 'acts/b' }], out, backend, batchItems: 37, overwrite: true });
  const plugins = new PluginRegistry();
  plugins.add(builtinPlugin, 'built-in');
  await align({ run: out, backend, registry: plugins.methods, methods: selectMethods(plugins, ['cca']) });
} finally {
  await backend.dispose();
}
console.log(JSON.stringify({
  library: import.meta.resolve('convergent'),
  assignment: [Array.from(rowInd), Array.from(colInd)],
  summary: JSON.parse(readFileSync(`${out}/summary.json`, 'utf8')),
}));
