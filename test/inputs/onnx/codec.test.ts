// The ONNX codec: encode -> decode round trips, the storage variants real files use (float_data,
// raw_data at odd byte offsets, DOUBLE, FLOAT16, int tensors in raw_data), and the refusals
// (external data, string tensors, no graph, not protobuf at all), each naming file and tensor.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f, floats, OnnxBuilder, tensor } from '../../../src/inputs/onnx/builder.js';
import { decodeOnnx, halfToFloat, readOnnxFile } from '../../../src/inputs/onnx/decode.js';
import { encodeOnnx } from '../../../src/inputs/onnx/encode.js';
import { AttributeType, DataType, ModelProto } from '../../../src/inputs/onnx/schema.js';

function sampleModel() {
  const b = new OnnxBuilder('sample');
  b.input('x', ['batch', 3, 5, 5]);
  b.initializer('w', [2, 3, 1, 1], Float32Array.from([0.5, -1, 2, 0.25, 3, -0.125]));
  b.initializer('shape', [2], [0, -1]);
  b.node('Conv', ['x', 'w'], ['c'], { pads: [0, 0, 0, 0], strides: [1, 1] }, 'conv');
  b.node('LeakyRelu', ['c'], ['r'], { alpha: f(1) });
  b.node('Reshape', ['r', 'shape'], ['y']);
  b.node('Constant', [], ['k'], { value: tensor('k', [2], Float32Array.from([1.5, 2.5])), value_floats: floats([1, 2]) });
  b.output('y', ['batch', 50]);
  return b.build({ opset: 13 });
}

/** A ModelProto around one initializer given as a raw TensorProto object. */
function withInitializer(t: Record<string, unknown>): Uint8Array {
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: 'ai.onnx', version: 11 }],
      graph: {
        name: 'g',
        node: [{ opType: 'Identity', input: ['t'], output: ['y'] }],
        initializer: [{ name: 't', ...t }],
        input: [{ name: 't', type: { tensorType: { elemType: 1 } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
}

describe('encode/decode', () => {
  it('round-trips a built model: nodes, attributes with their types, tensors, value infos', () => {
    const model = sampleModel();
    const back = decodeOnnx(encodeOnnx(model), 'sample.onnx');
    expect(back.opset).toBe(13);
    expect(back.irVersion).toBe(8);
    expect(back.graphName).toBe('sample');
    expect(back.inputs).toEqual([{ name: 'x', elemType: 1, dims: ['batch', 3, 5, 5] }]);
    expect(back.outputs).toEqual([{ name: 'y', elemType: 1, dims: ['batch', 50] }]);
    expect([...back.initializers.keys()]).toEqual(['w', 'shape']);
    expect(back.initializers.get('w')!.data).toEqual(model.initializers.get('w')!.data);
    expect(back.initializers.get('shape')).toMatchObject({ dims: [2], ints: [0, -1], dataType: DataType.INT64 });
    expect(back.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual(model.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]));
    const leaky = back.nodes[1];
    expect(leaky.attributes.alpha).toBe(1);
    expect(leaky.attributeTypes!.alpha).toBe(AttributeType.FLOAT);
    expect(back.nodes[0].attributeTypes!.pads).toBe(AttributeType.INTS);
    const constant = back.nodes[3];
    expect(constant.attributeTypes).toMatchObject({ value: AttributeType.TENSOR, value_floats: AttributeType.FLOATS });
    expect(constant.attributes.value).toMatchObject({ name: 'k', dims: [2], data: Float32Array.from([1.5, 2.5]) });
    // and the bytes are stable under a second round trip
    expect(encodeOnnx(back)).toEqual(encodeOnnx(model));
  });

  it('infers attribute types when a model is written by hand (known float attributes stay FLOAT)', () => {
    const model = sampleModel();
    for (const n of model.nodes) delete n.attributeTypes;
    const back = decodeOnnx(encodeOnnx(model), 'hand.onnx');
    expect(back.nodes[1].attributeTypes!.alpha).toBe(AttributeType.FLOAT);
    expect(back.nodes[0].attributeTypes!.strides).toBe(AttributeType.INTS);
  });

  it('names unnamed nodes <OpType>_<index> and reads the ai.onnx opset; initializers listed as inputs are not inputs', () => {
    const model = decodeOnnx(withInitializer({ dims: [2], dataType: 1, floatData: [1, 2] }), 'm.onnx');
    expect(model.nodes[0].name).toBe('Identity_0');
    expect(model.opset).toBe(11);
    expect(model.inputs).toEqual([]);
  });

  it('reads float_data, raw_data at an unaligned offset, DOUBLE, FLOAT16 and integer raw_data', () => {
    expect(decodeOnnx(withInitializer({ dims: [3], dataType: 1, floatData: [1, -2, 3.5] }), 'a').initializers.get('t')!.data).toEqual(Float32Array.from([1, -2, 3.5]));
    // raw bytes inside a larger buffer at offset 1: decode must copy, not view
    const raw = new Uint8Array(13);
    new DataView(raw.buffer).setFloat32(1, 0.75, true);
    new DataView(raw.buffer).setFloat32(5, -8, true);
    new DataView(raw.buffer).setFloat32(9, 1e-3, true);
    const t = decodeOnnx(withInitializer({ dims: [3], dataType: 1, rawData: raw.subarray(1) }), 'b').initializers.get('t')!;
    expect(t.data).toEqual(Float32Array.from([0.75, -8, 1e-3]));
    expect(t.data!.byteOffset % 4).toBe(0);
    const doubles = new Uint8Array(16);
    new DataView(doubles.buffer).setFloat64(0, 0.1, true);
    new DataView(doubles.buffer).setFloat64(8, -3, true);
    expect(decodeOnnx(withInitializer({ dims: [2], dataType: DataType.DOUBLE, rawData: doubles }), 'c').initializers.get('t')!.data).toEqual(Float32Array.from([0.1, -3]));
    expect(decodeOnnx(withInitializer({ dims: [2], dataType: DataType.DOUBLE, doubleData: [2.5, 7] }), 'd').initializers.get('t')!.data).toEqual(Float32Array.from([2.5, 7]));
    // binary16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 0x0001
    const halves = new Uint8Array(8);
    [0x3c00, 0xc000, 0x7bff, 0x0001].forEach((h, i) => new DataView(halves.buffer).setUint16(2 * i, h, true));
    expect(Array.from(decodeOnnx(withInitializer({ dims: [2, 2], dataType: DataType.FLOAT16, rawData: halves }), 'e').initializers.get('t')!.data!)).toEqual([1, -2, 65504, 2 ** -24]);
    expect(decodeOnnx(withInitializer({ dims: [1], dataType: DataType.FLOAT16, int32Data: [0x3800] }), 'f').initializers.get('t')!.data).toEqual(Float32Array.from([0.5]));
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    const int64 = new Uint8Array(16);
    new DataView(int64.buffer).setBigInt64(0, -1n, true);
    new DataView(int64.buffer).setBigInt64(8, 400n, true);
    expect(decodeOnnx(withInitializer({ dims: [2], dataType: DataType.INT64, rawData: int64 }), 'g').initializers.get('t')!.ints).toEqual([-1, 400]);
    expect(decodeOnnx(withInitializer({ dims: [2], dataType: DataType.INT32, int32Data: [7, -9] }), 'h').initializers.get('t')!.ints).toEqual([7, -9]);
    expect(decodeOnnx(withInitializer({ dims: [], dataType: DataType.INT64, int64Data: [3] }), 'i').initializers.get('t')!.ints).toEqual([3]);
  });

  it('refuses external data, unsupported types and wrong counts, naming the file and the tensor', () => {
    expect(() => decodeOnnx(withInitializer({ dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] }), 'ext.onnx')).toThrow(
      /ext\.onnx: initializer tensor "t" keeps its data in an external file \(weights\.bin\)/,
    );
    expect(() => decodeOnnx(withInitializer({ dims: [1], dataType: DataType.STRING, stringData: [new Uint8Array([65])] }), 's.onnx')).toThrow(/s\.onnx: initializer tensor "t" has data type STRING/);
    expect(() => decodeOnnx(withInitializer({ dims: [1], dataType: DataType.COMPLEX64, floatData: [1, 2] }), 'z.onnx')).toThrow(/"t" has data type COMPLEX64/);
    expect(() => decodeOnnx(withInitializer({ dims: [3], dataType: 1, floatData: [1, 2] }), 'n.onnx')).toThrow(/n\.onnx: initializer tensor "t" has dims \[3\] \(3 values\) but 2 values in float_data/);
    expect(() => decodeOnnx(withInitializer({ dims: [2], dataType: 1, rawData: new Uint8Array(7) }), 'r.onnx')).toThrow(/raw_data has 7 bytes, not a multiple of 4/);
  });

  it('refuses a model without a graph, without the default opset, and bytes that are not protobuf', () => {
    expect(() => decodeOnnx(new Uint8Array(0), 'empty.onnx')).toThrow(/empty\.onnx is not an ONNX model: it has no graph \(the file is empty\)/);
    const noOpset = ModelProto.encode(ModelProto.fromObject({ irVersion: 8, opsetImport: [{ domain: 'com.example', version: 1 }], graph: { name: 'g' } })).finish();
    expect(() => decodeOnnx(noOpset, 'custom.onnx')).toThrow(/custom\.onnx imports no version of the default ONNX opset \(only com\.example:1\)/);
    const junk = new TextEncoder().encode('this is a JPEG, honest\xff\xff\xff');
    expect(() => decodeOnnx(junk, 'junk.onnx')).toThrow(/junk\.onnx/);
  });

  it('readOnnxFile names a missing file and reads a written one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convergent-onnx-'));
    try {
      await expect(readOnnxFile(join(dir, 'nope.onnx'))).rejects.toThrow(/cannot read ONNX model .*nope\.onnx: no such file/);
      await expect(readOnnxFile(dir)).rejects.toThrow(/cannot read ONNX model .*: it is a directory/);
      const path = join(dir, 'sample.onnx');
      writeFileSync(path, encodeOnnx(sampleModel()));
      const model = await readOnnxFile(path);
      expect(model.nodes).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
