// Reads an .onnx file (a serialized ModelProto) into the plain objects of src/inputs/onnx/model.ts.
// Weights end up as aligned Float32Arrays whatever their storage (raw_data bytes at any offset,
// float_data, DOUBLE, FLOAT16, BFLOAT16); integer tensors (shapes, pads, axes) as number arrays.
// Anything convergent cannot represent (external data, string or complex tensors, a missing
// graph or opset) is refused here with the file and tensor named, not later in a kernel.
import { readFile } from '../../platform/node-fs-promises.js';
import type { AttributeValue, Dim, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.js';
import {
  AttributeType,
  DataType,
  dataTypeName,
  ModelProto,
  type AttributeProtoObject,
  type ModelProtoObject,
  type NodeProtoObject,
  type TensorProtoObject,
  type ValueInfoProtoObject,
} from './schema.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8');

/** Reads and decodes an .onnx file; errors name the file. */
export async function readOnnxFile(path: string): Promise<OnnxModel> {
  return decodeOnnx(await readOnnxBytes(path), path);
}

/** The bytes of an ONNX model file, for callers that also hash them; errors as readOnnxFile's. */
export async function readOnnxBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.message;
    throw new Error(`cannot read ONNX model ${path}: ${why}`, { cause: e });
  }
}

/** Decodes a serialized ModelProto; `path` labels error messages. */
export function decodeOnnx(bytes: Uint8Array, path: string): OnnxModel {
  let proto: ModelProtoObject;
  try {
    const message = ModelProto.decode(bytes);
    proto = ModelProto.toObject(message, { longs: Number, enums: Number, arrays: false, defaults: false }) as ModelProtoObject;
  } catch (e) {
    throw new Error(`${path} is not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`, { cause: e });
  }
  const graph = proto.graph;
  if (!graph) throw new Error(`${path} is not an ONNX model: it has no graph${bytes.length === 0 ? ' (the file is empty)' : ''}`);
  const opsets = proto.opsetImport ?? [];
  const opsetEntry = opsets.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!opsetEntry) {
    const named = opsets.map((o) => `${o.domain}:${o.version}`).join(', ');
    throw new Error(`${path} imports no version of the default ONNX opset${named ? ` (only ${named})` : ''}`);
  }
  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) {
    const tensor = decodeTensor(t, path, 'initializer');
    initializers.set(tensor.name, tensor);
  }
  const nodes = (graph.node ?? []).map((n, i) => decodeNode(n, i, path));
  return {
    irVersion: proto.irVersion ?? 0,
    opset: opsetEntry.version ?? 1,
    producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' '),
    graphName: graph.name ?? '',
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(decodeValueInfo),
    outputs: (graph.output ?? []).map(decodeValueInfo),
    initializers,
    nodes,
  };
}

function decodeValueInfo(v: ValueInfoProtoObject): OnnxValueInfo {
  const tensorType = v.type?.tensorType;
  const dims: Dim[] = (tensorType?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined ? d.dimValue : d.dimParam ? d.dimParam : null));
  return { name: v.name ?? '', elemType: tensorType?.elemType ?? 0, dims };
}

function decodeNode(n: NodeProtoObject, index: number, path: string): OnnxNode {
  const opType = n.opType ?? '';
  const name = n.name || `${opType}_${index}`;
  const attributes: Record<string, AttributeValue> = {};
  const attributeTypes: Record<string, number> = {};
  for (const a of n.attribute ?? []) {
    const key = a.name ?? '';
    const decoded = decodeAttribute(a, `${path}: node ${name} (${opType}) attribute ${key}`);
    if (decoded === undefined) continue;
    attributes[key] = decoded.value;
    attributeTypes[key] = decoded.type;
  }
  return { name, opType, inputs: n.input ?? [], outputs: n.output ?? [], attributes, attributeTypes, domain: n.domain ?? '' };
}

/**
 * An attribute's value and type. Graph-valued and sparse attributes (If/Loop bodies, sparse
 * constants) are skipped: no supported op has them, and checkSupported refuses those ops by name.
 */
function decodeAttribute(a: AttributeProtoObject, label: string): { value: AttributeValue; type: number } | undefined {
  const type = a.type ?? inferAttributeType(a);
  switch (type) {
    case AttributeType.FLOAT:
      return { value: a.f ?? 0, type };
    case AttributeType.INT:
      return { value: a.i ?? 0, type };
    case AttributeType.STRING:
      return { value: a.s ? utf8.decode(a.s) : '', type };
    case AttributeType.TENSOR:
      if (!a.t) throw new Error(`${label}: TENSOR attribute without a tensor`);
      return { value: decodeTensor(a.t, label, 'tensor'), type };
    case AttributeType.FLOATS:
      return { value: a.floats ?? [], type };
    case AttributeType.INTS:
      return { value: a.ints ?? [], type };
    case AttributeType.STRINGS:
      return { value: (a.strings ?? []).map((s) => utf8.decode(s)), type };
    default:
      return undefined;
  }
}

/** IR version 1 files have no attribute type: the filled field tells. */
function inferAttributeType(a: AttributeProtoObject): number {
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.i !== undefined) return AttributeType.INT;
  if (a.s !== undefined) return AttributeType.STRING;
  if (a.t !== undefined) return AttributeType.TENSOR;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.ints?.length) return AttributeType.INTS;
  if (a.strings?.length) return AttributeType.STRINGS;
  return AttributeType.UNDEFINED;
}

const INTEGER_TYPES: Record<number, { bytes: number; read: (v: DataView, offset: number) => number }> = {
  [DataType.INT8]: { bytes: 1, read: (v, o) => v.getInt8(o) },
  [DataType.UINT8]: { bytes: 1, read: (v, o) => v.getUint8(o) },
  [DataType.BOOL]: { bytes: 1, read: (v, o) => v.getUint8(o) },
  [DataType.INT16]: { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  [DataType.UINT16]: { bytes: 2, read: (v, o) => v.getUint16(o, true) },
  [DataType.INT32]: { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  [DataType.UINT32]: { bytes: 4, read: (v, o) => v.getUint32(o, true) },
  [DataType.INT64]: { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [DataType.UINT64]: { bytes: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
};

/** Decodes one TensorProto; `where` and `kind` label errors (file, node, initializer or attribute). */
export function decodeTensor(t: TensorProtoObject, where: string, kind: string): OnnxTensor {
  const name = t.name ?? '';
  const dims = t.dims ?? [];
  const dataType = t.dataType ?? DataType.UNDEFINED;
  const label = `${where}: ${kind} tensor "${name}"`;
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new Error(
      `${label} keeps its data in an external file${location ? ` (${location})` : ''}; convergent reads self-contained models only (save with onnx.save_model(model, path, save_as_external_data=False))`,
    );
  }
  if (t.segment) throw new Error(`${label} is stored in segments, which convergent does not read`);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${label} has invalid dims ${JSON.stringify(dims)}`);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const checkCount = (n: number, source: string) => {
    if (n !== count) throw new Error(`${label} has dims ${JSON.stringify(dims)} (${count} values) but ${n} values in ${source}`);
  };
  const rawView = (bytesPer: number) => {
    if (!raw) return undefined;
    if (raw.length % bytesPer !== 0) throw new Error(`${label}: raw_data has ${raw.length} bytes, not a multiple of ${bytesPer} (${dataTypeName(dataType)})`);
    checkCount(raw.length / bytesPer, 'raw_data');
    return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  };

  switch (dataType) {
    case DataType.FLOAT: {
      if (raw) {
        rawView(4);
        const data = new Float32Array(count);
        if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(raw);
        else {
          const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
        }
        return { name, dims, data, dataType };
      }
      const values = t.floatData ?? [];
      checkCount(values.length, 'float_data');
      return { name, dims, data: Float32Array.from(values), dataType };
    }
    case DataType.DOUBLE: {
      const view = rawView(8);
      if (view) {
        const data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
        return { name, dims, data, dataType };
      }
      const values = t.doubleData ?? [];
      checkCount(values.length, 'double_data');
      return { name, dims, data: Float32Array.from(values), dataType };
    }
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      const toFloat = dataType === DataType.FLOAT16 ? halfToFloat : bfloat16ToFloat;
      const view = rawView(2);
      const data = new Float32Array(count);
      if (view) {
        for (let i = 0; i < count; i++) data[i] = toFloat(view.getUint16(2 * i, true));
      } else {
        // Without raw_data, 16-bit floats travel bit-wise in int32_data.
        const bits = t.int32Data ?? [];
        checkCount(bits.length, 'int32_data');
        for (let i = 0; i < count; i++) data[i] = toFloat(bits[i] & 0xffff);
      }
      return { name, dims, data, dataType };
    }
    default: {
      const integer = INTEGER_TYPES[dataType];
      if (!integer) {
        throw new Error(`${label} has data type ${dataTypeName(dataType)}; convergent reads float (FLOAT, DOUBLE, FLOAT16, BFLOAT16) and integer tensors only`);
      }
      const view = rawView(integer.bytes);
      if (view) {
        const ints = new Array<number>(count);
        for (let i = 0; i < count; i++) ints[i] = integer.read(view, integer.bytes * i);
        return { name, dims, ints, dataType };
      }
      const values = dataType === DataType.INT64 ? t.int64Data : dataType === DataType.UINT32 || dataType === DataType.UINT64 ? t.uint64Data : t.int32Data;
      checkCount((values ?? []).length, dataType === DataType.INT64 ? 'int64_data' : dataType === DataType.UINT32 || dataType === DataType.UINT64 ? 'uint64_data' : 'int32_data');
      return { name, dims, ints: [...(values ?? [])], dataType };
    }
  }
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits (the top half of a float32) to a number. */
const bfBits = new Uint32Array(1);
const bfValue = new Float32Array(bfBits.buffer);
function bfloat16ToFloat(b: number): number {
  bfBits[0] = b << 16;
  return bfValue[0];
}
