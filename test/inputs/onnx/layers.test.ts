// Layer listing: every node output with its shape (batch symbolic), the default layers (ReLU after
// Conv or Gemm/MatMul, through BatchNorm or Add), and the `convergent layers` command's output
// and errors (run in-process: its handler with stdout captured).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { formatLayerTable, layersCommand } from '../../../cli/commands/layers.js';
import type { CliContext } from '../../../cli/context.js';
import { OnnxBuilder } from '../../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../../src/inputs/onnx/encode.js';
import { listLayers } from '../../../src/forward/layer-shapes.js';
import { defaultLayers, layerNames } from '../../../src/inputs/onnx/layers.js';
import { resolveCaptureLayers } from '../../../src/probe/forward-probe.js';
import { opCaseModel as caseModel } from '../../forward/op-cases.js';

describe('defaultLayers', () => {
  it('LeNet with BatchNorm: the ReLUs after each Conv (through BN) and after the hidden Gemm', () => {
    const model = caseModel('LeNet with BatchNorm');
    const relus = model.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]);
    expect(defaultLayers(model)).toEqual([
      { name: 'conv1', tensor: relus[0] },
      { name: 'conv2', tensor: relus[1] },
      { name: 'fc1', tensor: relus[2] },
    ]);
  });

  it('ResNet block: the ReLU after the residual Add counts (Add <- BN <- Conv); MLP: MatMul + Add + Relu is fc1', () => {
    expect(defaultLayers(caseModel('ResNet block')).map((l) => l.name)).toEqual(['conv1', 'conv2', 'conv3']);
    expect(defaultLayers(caseModel('MLP with MatMul and Add')).map((l) => l.name)).toEqual(['fc1']);
  });

  it('a ReLU after a pooling or directly on the input is not a default layer', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 2, 4, 4]);
    b.node('Relu', ['x'], ['r0']);
    b.node('MaxPool', ['r0'], ['p'], { kernel_shape: [2, 2] });
    b.node('Relu', ['p'], ['y']);
    b.output('y');
    expect(defaultLayers(b.build())).toEqual([]);
  });
});

describe('convergent layers', () => {
  const ctx = {} as CliContext;
  const dir = mkdtempSync(join(tmpdir(), 'convergent-layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let written = '';
  afterEach(() => vi.restoreAllMocks());
  const run = async (args: Record<string, unknown>) => {
    written = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    const handler = layersCommand(ctx).handler as (a: Record<string, unknown>) => Promise<void>;
    await handler({ defaults: false, ...args });
    vi.restoreAllMocks();
    return written;
  };

  it('prints an aligned table with the defaults marked', async () => {
    const path = join(dir, 'lenet.onnx');
    writeFileSync(path, encodeOnnx(caseModel('LeNet with BatchNorm')));
    const out = await run({ model: path });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^\s+name\s+tensor\s+op\s+node\s+shape$/);
    const conv1 = lines.find((l) => / conv1 /.test(l))!;
    expect(conv1.startsWith('*')).toBe(true);
    expect(conv1).toMatch(/Relu .* \[N, 6, 20, 20\]$/);
    // columns line up: "shape" starts at the same offset as every row's shape
    const col = lines[0].indexOf('shape');
    for (const l of lines.slice(1).filter((x) => x.includes('['))) expect(l.indexOf('[')).toBe(col);
    expect(out).toMatch(/3 default layers \(\*\)/);
    const defaults = await run({ model: path, defaults: true });
    expect(defaults.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(3);
  });

  it('gives a clear error for a missing or corrupt file', async () => {
    await expect(run({ model: join(dir, 'missing.onnx') })).rejects.toThrow(/cannot read ONNX model .*missing\.onnx: no such file/);
    const corrupt = join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    await expect(run({ model: corrupt })).rejects.toThrow(/corrupt\.onnx is not a valid ONNX model/);
  });

  it('formats unknown shapes as ?', () => {
    expect(formatLayerTable([{ name: 'relu_1', tensor: 't', op: 'Relu', node: 'n', shape: [], isDefault: false }])).toBe('   name    tensor  op    node  shape\n   relu_1  t       Relu  n     ?\n');
  });
});

describe('layerNames and --layer', () => {
  it('every name `layers` prints resolves to its tensor in resolveCaptureLayers', () => {
    const model = caseModel('LeNet with BatchNorm');
    const listed = listLayers(model);
    const names = layerNames(model);
    expect([...names.keys()].sort()).toEqual(listed.map((l) => l.name).sort());
    const resolved = resolveCaptureLayers([{ name: 'a', model, path: 'a.onnx' }], ['conv1.conv', 'conv1', 'flatten.1'], () => {});
    expect(resolved).toEqual([
      { name: 'conv1.conv', tensors: [listed.find((l) => l.name === 'conv1.conv')!.tensor] },
      { name: 'conv1', tensors: [listed.find((l) => l.name === 'conv1')!.tensor] },
      { name: 'flatten.1', tensors: [listed.find((l) => l.name === 'flatten.1')!.tensor] },
    ]);
  });
});
