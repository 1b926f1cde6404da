// A broken ONNX graph is reported as what it is (issue 10 item 13, tester's note): with a dangling
// input or a cycle and no --layer, the probe said "the nets have no default layer in common",
// naming neither the model nor the graph error. Now the graph's problem comes first, naming the
// net and the model file. The models are built with src/inputs/onnx/builder.ts and written to disk.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openImageSource } from '../../src/inputs/data/source.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { referenceBackend } from '../run-dir/run-helpers.js';

const ITEM = [1, 5, 3]; // odd sizes

/** Conv -> Relu (conv1) -> output: a well-formed net with one default layer. */
function goodNet(): OnnxModel {
  const b = new OnnxBuilder('good');
  b.input('x', ['N', ...ITEM]);
  b.initializer('w', [2, 1, 3, 3], new Float32Array(18).fill(0.1));
  b.node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }, 'conv');
  b.node('Relu', ['c'], ['r'], {}, 'relu');
  b.output('r');
  return b.build();
}

/** A net of Relu nodes [input, output, node name] on input x, ending in `output`. */
function reluNet(graph: string, relus: [string, string, string][], output: string): OnnxModel {
  const b = new OnnxBuilder(graph);
  b.input('x', ['N', ...ITEM]);
  for (const [from, to, name] of relus) b.node('Relu', [from], [to], {}, name);
  b.output(output);
  return b.build();
}

/** A Relu reading a value nothing produces. */
const danglingNet = () => reluNet('dangling', [['ghost', 'r', 'relu_ghost']], 'r');

/** Two Relus feeding each other. */
const cyclicNet = () =>
  reluNet(
    'cyclic',
    [
      ['r2', 'r1', 'relu_a'],
      ['r1', 'r2', 'relu_b'],
    ],
    'r2',
  );

const dir = mkdtempSync(join(tmpdir(), 'convergent-broken-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const reference = referenceBackend();

function modelFile(name: string, model: OnnxModel): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, encodeOnnx(model));
  return path;
}

async function probeWith(broken: string, layers?: string[]) {
  const images = join(dir, 'images.npy');
  await writeNpy(images, new Float32Array(4 * 15).fill(0.5), [4, ...ITEM]);
  const data = await openImageSource(images, { itemShape: ITEM });
  const nets = [
    { name: 'a', path: modelFile('a', goodNet()) },
    { name: 'b', path: broken },
  ];
  return probeOnnx({ nets, data, out: join(dir, `run-${Math.random().toString(36).slice(2)}`), backend: reference.get(), layers, topK: 0 });
}

describe('a broken graph without --layer', () => {
  it('a dangling input: names the net, the file, the node and the value', async () => {
    const path = modelFile('dangling', danglingNet());
    await expect(probeWith(path)).rejects.toThrow(
      `net b (${path}): Relu node "relu_ghost" reads "ghost", which no node, initializer or graph input produces (a dangling input)`,
    );
  });

  it('a cycle: names the net, the file and the nodes of the cycle', async () => {
    const path = modelFile('cyclic', cyclicNet());
    await expect(probeWith(path)).rejects.toThrow(`net b (${path}): the graph has a cycle: Relu node "relu_a" -> Relu node "relu_b" -> back to the first`);
  });

  it('with --layer the same error shows', async () => {
    const path = modelFile('dangling2', danglingNet());
    await expect(probeWith(path, ['r=r'])).rejects.toThrow(`net b (${path}): Relu node "relu_ghost" reads "ghost"`);
  });

  it('two well-formed nets still probe their common default layer', async () => {
    const manifest = await probeWith(modelFile('b', goodNet()));
    expect(manifest.layers.map((l) => l.name)).toEqual(['conv1']);
  });
});
