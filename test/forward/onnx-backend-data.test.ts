// Optional conformance run on real files: the ONNX project's backend test data (models exported by
// PyTorch, with recorded inputs and outputs; onnx/backend/test/data in github.com/onnx/onnx).
// Not vendored: point CONVERGENT_ONNX_TESTDATA at that folder of an onnx checkout to run it. Every
// model convergent supports (after turning extra graph inputs into initializers from the recorded
// data) is decoded, compiled and run on the reference kernels and compared with the recorded
// output; the others must be refused by checkSupported, not crash.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSupported } from '../../src/forward/compile.js';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { decodeOnnx, decodeTensor } from '../../src/inputs/onnx/decode.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import { TensorProto, type TensorProtoObject } from '../../src/inputs/onnx/schema.js';
import { expectClose, runPlanWith } from './harness.js';

const root = process.env.CONVERGENT_ONNX_TESTDATA;
if (!root) console.warn('ONNX backend test data skipped: set CONVERGENT_ONNX_TESTDATA=<onnx checkout>/onnx/backend/test/data to run it');

function readTensor(path: string) {
  const message = TensorProto.decode(readFileSync(path));
  return decodeTensor(TensorProto.toObject(message, { longs: Number, enums: Number, defaults: false }) as TensorProtoObject, path, 'test data');
}

interface Case {
  name: string;
  dir: string;
}

function cases(): Case[] {
  if (!root) return [];
  const out: Case[] = [];
  for (const group of ['node', 'pytorch-converted', 'pytorch-operator']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (existsSync(join(dir, name, 'model.onnx')) && existsSync(join(dir, name, 'test_data_set_0'))) out.push({ name: `${group}/${name}`, dir: join(dir, name) });
    }
  }
  return out;
}

/**
 * Most of these files are opset 6 (PyTorch of 2017). Opset 7 changed only the legacy broadcast
 * attributes of Add/Mul/Gemm and dropped is_test; a file that uses neither means the same at
 * opset 7, so it is run as such (convergent itself refuses opset < 7).
 */
function asOpset7(model: OnnxModel): OnnxModel {
  if (model.opset !== 6) return model;
  const legacy = model.nodes.some((n) => 'broadcast' in n.attributes || 'consumed_inputs' in n.attributes || (['Add', 'Mul'].includes(n.opType) && 'axis' in n.attributes));
  if (legacy) return model;
  const nodes = model.nodes.map((n) => {
    const { is_test: _, ...attributes } = n.attributes;
    return { ...n, attributes };
  });
  return { ...model, opset: 7, nodes };
}

/** The model with graph inputs 1.. turned into initializers holding the recorded data. */
function freezeExtraInputs(model: OnnxModel, dir: string): OnnxModel {
  const initializers = new Map(model.initializers);
  model.inputs.slice(1).forEach((input, k) => {
    const t = readTensor(join(dir, 'test_data_set_0', `input_${k + 1}.pb`));
    initializers.set(input.name, { ...t, name: input.name });
  });
  return { ...model, inputs: model.inputs.slice(0, 1), initializers };
}

describe.skipIf(!root)('ONNX backend test data (real exported files)', () => {
  const all = cases();
  const tally = { run: 0, refused: 0 };
  for (const c of all) {
    it(c.name, async () => {
      const path = join(c.dir, 'model.onnx');
      let model: OnnxModel;
      try {
        model = decodeOnnx(readFileSync(path), path);
      } catch (e) {
        // Refusals must name the file (external data, string tensors, ...).
        expect((e as Error).message).toContain(path);
        tally.refused++;
        return;
      }
      if (model.inputs.length === 0) return;
      const frozen = freezeExtraInputs(asOpset7(model), c.dir);
      try {
        checkSupported(frozen, path);
      } catch (e) {
        expect((e as Error).message).toContain(path);
        tally.refused++;
        return;
      }
      const input = readTensor(join(c.dir, 'test_data_set_0', 'input_0.pb'));
      const expected = readTensor(join(c.dir, 'test_data_set_0', 'output_0.pb'));
      if (!input.data || !expected.data) return; // integer tensors: not a float net
      let actual;
      try {
        actual = await runPlanWith(frozen, input.data, input.dims, createReferenceKernels());
      } catch (e) {
        // Supported ops with unsupported attributes (1-D or 3-D windows, ...) must say why.
        expect((e as Error).message).toMatch(/node "|not supported|only 2-D/);
        tally.refused++;
        return;
      }
      tally.run++;
      if (process.env.CONVERGENT_ONNX_TESTDATA_VERBOSE) console.info(`ran ${c.name}: ${frozen.nodes.map((n) => n.opType).join(', ')}`);
      expect(actual.dims).toEqual(expected.dims);
      expectClose(actual.data, expected.data, 1e-4, c.name);
    });
  }
  it('ran some models', () => {
    console.info(`ONNX backend test data: ${tally.run} models run and matched, ${tally.refused} refused with a reason, of ${all.length}`);
    expect(tally.run).toBeGreaterThan(0);
  });
});
