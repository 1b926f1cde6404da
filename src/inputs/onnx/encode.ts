// Writes an OnnxModel back to ModelProto bytes: float tensors as raw_data (little-endian float32,
// the compact form every runtime reads), integer tensors as int64_data (int32_data for INT32).
// Attribute types come from node.attributeTypes when the model was decoded or built; otherwise
// from the op schema for the float attributes of the ops convergent knows (so `alpha: 1` on a
// LeakyRelu is written FLOAT 1.0, as onnxruntime requires), otherwise from the JS value.
import type { AttributeValue, Dim, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.js';
import { AttributeType, DataType, ModelProto } from './schema.js';

/** Attributes that the ONNX operator schemas declare FLOAT / FLOATS although values may be integral. */
const FLOAT_ATTRIBUTES: Record<string, string[]> = {
  LeakyRelu: ['alpha'],
  Elu: ['alpha'],
  Selu: ['alpha', 'gamma'],
  HardSigmoid: ['alpha', 'beta'],
  Gemm: ['alpha', 'beta'],
  BatchNormalization: ['epsilon', 'momentum'],
  InstanceNormalization: ['epsilon'],
  LayerNormalization: ['epsilon'],
  LRN: ['alpha', 'beta', 'bias'],
  Clip: ['min', 'max'],
  Pad: ['value'],
  Dropout: ['ratio'],
  Constant: ['value_float', 'value_floats'],
};

/** The AttributeType an attribute is written with. */
export function attributeTypeOf(node: OnnxNode, key: string): number {
  const declared = node.attributeTypes?.[key];
  if (declared !== undefined) return declared;
  const value = node.attributes[key];
  const float = FLOAT_ATTRIBUTES[node.opType]?.includes(key) ?? false;
  if (typeof value === 'number') return float || !Number.isInteger(value) ? AttributeType.FLOAT : AttributeType.INT;
  if (typeof value === 'string') return AttributeType.STRING;
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v === 'string')) return AttributeType.STRINGS;
    return float || (value as number[]).some((v) => !Number.isInteger(v)) ? AttributeType.FLOATS : AttributeType.INTS;
  }
  return AttributeType.TENSOR;
}

const utf8 = new TextEncoder();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serializes a model to .onnx bytes. */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  const graph = {
    name: model.graphName,
    node: model.nodes.map(encodeNode),
    initializer: [...model.initializers.values()].map(encodeTensor),
    input: model.inputs.map(encodeValueInfo),
    output: model.outputs.map(encodeValueInfo),
  };
  const proto = {
    irVersion: model.irVersion,
    producerName: model.producer,
    opsetImport: [{ domain: '', version: model.opset }],
    graph,
  };
  const err = ModelProto.verify(proto);
  if (err) throw new Error(`cannot encode ONNX model ${model.graphName}: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(proto)).finish();
}

function encodeNode(node: OnnxNode): Record<string, unknown> {
  const attribute = Object.entries(node.attributes).map(([key, value]) => encodeAttribute(node, key, value));
  return { name: node.name, opType: node.opType, input: node.inputs, output: node.outputs, attribute, domain: node.domain };
}

function encodeAttribute(node: OnnxNode, key: string, value: AttributeValue): Record<string, unknown> {
  const type = attributeTypeOf(node, key);
  const label = `node ${node.name} (${node.opType}) attribute ${key}`;
  const numbers = (v: AttributeValue): number[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new Error(`${label}: expected a list of numbers`);
    return v as number[];
  };
  switch (type) {
    case AttributeType.FLOAT:
      if (typeof value !== 'number') throw new Error(`${label}: expected a number`);
      return { name: key, type, f: value };
    case AttributeType.INT:
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${label}: expected an integer`);
      return { name: key, type, i: value };
    case AttributeType.STRING:
      if (typeof value !== 'string') throw new Error(`${label}: expected a string`);
      return { name: key, type, s: utf8.encode(value) };
    case AttributeType.FLOATS:
      return { name: key, type, floats: numbers(value) };
    case AttributeType.INTS: {
      const ints = numbers(value);
      if (ints.some((v) => !Number.isInteger(v))) throw new Error(`${label}: expected integers`);
      return { name: key, type, ints };
    }
    case AttributeType.STRINGS:
      if (!Array.isArray(value)) throw new Error(`${label}: expected a list of strings`);
      return { name: key, type, strings: (value as unknown[]).map((s) => utf8.encode(String(s))) };
    case AttributeType.TENSOR:
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${label}: expected a tensor`);
      return { name: key, type, t: encodeTensor(value) };
    default:
      throw new Error(`${label}: cannot encode attribute type ${type}`);
  }
}

/** A tensor as a TensorProto object: float data as raw little-endian float32. */
export function encodeTensor(t: OnnxTensor): Record<string, unknown> {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data) {
    if (t.data.length !== count) throw new Error(`tensor ${t.name}: dims ${JSON.stringify(t.dims)} need ${count} values, data has ${t.data.length}`);
    let raw: Uint8Array;
    if (LITTLE_ENDIAN) raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // the writer copies it
    else {
      raw = new Uint8Array(t.data.length * 4);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < t.data.length; i++) view.setFloat32(4 * i, t.data[i], true);
    }
    return { name: t.name, dims: t.dims, dataType: DataType.FLOAT, rawData: raw };
  }
  const ints = t.ints ?? [];
  if (ints.length !== count) throw new Error(`tensor ${t.name}: dims ${JSON.stringify(t.dims)} need ${count} values, ints has ${ints.length}`);
  if (t.dataType === DataType.INT32) return { name: t.name, dims: t.dims, dataType: DataType.INT32, int32Data: ints };
  return { name: t.name, dims: t.dims, dataType: DataType.INT64, int64Data: ints };
}

function encodeValueInfo(v: OnnxValueInfo): Record<string, unknown> {
  // No dims = shape unknown: the shape is left out rather than declared a scalar.
  const shape = v.dims.length === 0 ? undefined : { dim: v.dims.map(encodeDim) };
  return { name: v.name, type: { tensorType: { elemType: v.elemType || DataType.FLOAT, ...(shape ? { shape } : {}) } } };
}

function encodeDim(d: Dim): Record<string, unknown> {
  if (typeof d === 'number') return { dimValue: d };
  if (typeof d === 'string') return { dimParam: d };
  return {};
}
