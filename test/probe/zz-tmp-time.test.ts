import { join } from 'node:path';
import { it } from 'vitest';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { openProbeData } from '../../src/probe/probe-data.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { tempDir } from '../merge/helpers.js';
import { MNIST_SPLIT, writeMnistNet } from './resume-helpers.js';
const backend = referenceBackend();
it('t', async () => {
  const dir = tempDir('t');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  const out: string[] = [];
  const mi = { reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50 } } };
  for (const [i, more] of [[1, {}], [2, { checkpointEvery: { batches: 1 } }], [3, mi], [4, { checkpointEvery: { batches: 1 }, ...mi }], [5, {patches: false}], [6, {topK: 0}], [7, {checkpointEvery: { batches: 3 }, ...mi }]] as const) {
    const t = performance.now();
    const { source, label, spec } = await openProbeData({ data: 'mnist', split: MNIST_SPLIT }, nets);
    const t1 = performance.now();
    await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out: join(dir, `o${i}`), backend: backend.get(), batchItems: 4, topK: 3, ...more } as never);
    await source.close();
    out.push(`${i} ${t1 - t} ${performance.now() - t1}`);
  }
  throw new Error(out.join('; '));
});
