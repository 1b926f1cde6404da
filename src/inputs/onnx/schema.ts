// The subset of onnx.proto that convergent reads and writes, as a protobufjs JSON descriptor (no
// .proto file to ship or parse at run time). Field numbers are those of the ONNX specification,
// https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (checked against that file: ModelProto
// ir_version=1 producer_name=2 producer_version=3 domain=4 model_version=5 doc_string=6 graph=7
// opset_import=8 metadata_props=14; GraphProto node=1 name=2 initializer=5 doc_string=10 input=11
// output=12 value_info=13; NodeProto input=1 output=2 name=3 op_type=4 attribute=5 doc_string=6
// domain=7; AttributeProto name=1 f=2 i=3 s=4 t=5 g=6 floats=7 ints=8 strings=9 tensors=10
// graphs=11 doc_string=13 type=20 ref_attr_name=21; TensorProto dims=1 data_type=2 segment=3
// float_data=4 int32_data=5 string_data=6 int64_data=7 name=8 raw_data=9 double_data=10
// uint64_data=11 doc_string=12 external_data=13 data_location=14; ValueInfoProto name=1 type=2
// doc_string=3; TypeProto tensor_type=1 denotation=6, TypeProto.Tensor elem_type=1 shape=2;
// TensorShapeProto dim=1, Dimension dim_value=1 dim_param=2 denotation=3; OperatorSetIdProto
// domain=1 version=2; StringStringEntryProto key=1 value=2).
//
// onnx.proto is proto2: repeated scalars are unpacked unless marked [packed = true] (only the
// TensorProto *_data fields are). protobufjs defaults JSON descriptors to proto3 (packed), so every
// type is marked proto2 and packing is stated per field; decoding accepts both encodings anyway.
// Graph-valued attributes (If/Loop bodies) are declared so that they are skipped cleanly.
import protobuf from 'protobufjs';

/** TensorProto.DataType codes. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** The name of a TensorProto.DataType code, for messages. */
export function dataTypeName(code: number): string {
  const entry = Object.entries(DataType).find(([, v]) => v === code);
  return entry ? entry[0] : `type ${code}`;
}

/** AttributeProto.AttributeType codes. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
} as const;

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };

const opt = (type: string, id: number): FieldJson => ({ type, id });
const rep = (type: string, id: number, packed?: boolean): FieldJson =>
  packed === undefined ? { type, id, rule: 'repeated' } : { type, id, rule: 'repeated', options: { packed } };

const message = (fields: Record<string, FieldJson>, nested?: Record<string, unknown>) => ({ edition: 'proto2', fields, ...(nested ? { nested } : {}) });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: message({
          irVersion: opt('int64', 1),
          producerName: opt('string', 2),
          producerVersion: opt('string', 3),
          domain: opt('string', 4),
          modelVersion: opt('int64', 5),
          docString: opt('string', 6),
          graph: opt('GraphProto', 7),
          opsetImport: rep('OperatorSetIdProto', 8),
          metadataProps: rep('StringStringEntryProto', 14),
        }),
        OperatorSetIdProto: message({
          domain: opt('string', 1),
          version: opt('int64', 2),
        }),
        StringStringEntryProto: message({
          key: opt('string', 1),
          value: opt('string', 2),
        }),
        GraphProto: message({
          node: rep('NodeProto', 1),
          name: opt('string', 2),
          initializer: rep('TensorProto', 5),
          docString: opt('string', 10),
          input: rep('ValueInfoProto', 11),
          output: rep('ValueInfoProto', 12),
          valueInfo: rep('ValueInfoProto', 13),
        }),
        NodeProto: message({
          input: rep('string', 1),
          output: rep('string', 2),
          name: opt('string', 3),
          opType: opt('string', 4),
          attribute: rep('AttributeProto', 5),
          docString: opt('string', 6),
          domain: opt('string', 7),
        }),
        AttributeProto: message({
          name: opt('string', 1),
          f: opt('float', 2),
          i: opt('int64', 3),
          s: opt('bytes', 4),
          t: opt('TensorProto', 5),
          g: opt('GraphProto', 6),
          floats: rep('float', 7, false),
          ints: rep('int64', 8, false),
          strings: rep('bytes', 9),
          tensors: rep('TensorProto', 10),
          graphs: rep('GraphProto', 11),
          docString: opt('string', 13),
          type: opt('int32', 20),
          refAttrName: opt('string', 21),
        }),
        TensorProto: message(
          {
            dims: rep('int64', 1, false),
            dataType: opt('int32', 2),
            segment: opt('Segment', 3),
            floatData: rep('float', 4, true),
            int32Data: rep('int32', 5, true),
            stringData: rep('bytes', 6),
            int64Data: rep('int64', 7, true),
            name: opt('string', 8),
            rawData: opt('bytes', 9),
            doubleData: rep('double', 10, true),
            uint64Data: rep('uint64', 11, true),
            docString: opt('string', 12),
            externalData: rep('StringStringEntryProto', 13),
            dataLocation: opt('int32', 14),
          },
          { Segment: message({ begin: opt('int64', 1), end: opt('int64', 2) }) },
        ),
        ValueInfoProto: message({
          name: opt('string', 1),
          type: opt('TypeProto', 2),
          docString: opt('string', 3),
        }),
        TypeProto: message(
          {
            tensorType: opt('Tensor', 1),
            denotation: opt('string', 6),
          },
          { Tensor: message({ elemType: opt('int32', 1), shape: opt('TensorShapeProto', 2) }) },
        ),
        TensorShapeProto: message(
          { dim: rep('Dimension', 1) },
          { Dimension: message({ dimValue: opt('int64', 1), dimParam: opt('string', 2), denotation: opt('string', 3) }) },
        ),
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);

/** The ModelProto message type (decode/encode whole .onnx files). */
export const ModelProto = root.lookupType('onnx.ModelProto');
export const TensorProto = root.lookupType('onnx.TensorProto');

// --- Plain-object shapes of the decoded messages (toObject with longs as numbers). ---

export interface TensorProtoObject {
  dims?: number[];
  dataType?: number;
  segment?: { begin?: number; end?: number };
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  rawData?: Uint8Array;
  doubleData?: number[];
  uint64Data?: number[];
  externalData?: { key?: string; value?: string }[];
  dataLocation?: number;
}

export interface AttributeProtoObject {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoObject;
  g?: unknown;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProtoObject[];
  graphs?: unknown[];
  type?: number;
  refAttrName?: string;
}

export interface NodeProtoObject {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttributeProtoObject[];
  domain?: string;
}

export interface ValueInfoProtoObject {
  name?: string;
  type?: {
    tensorType?: {
      elemType?: number;
      shape?: { dim?: { dimValue?: number; dimParam?: string }[] };
    };
  };
}

export interface GraphProtoObject {
  node?: NodeProtoObject[];
  name?: string;
  initializer?: TensorProtoObject[];
  input?: ValueInfoProtoObject[];
  output?: ValueInfoProtoObject[];
  valueInfo?: ValueInfoProtoObject[];
}

export interface ModelProtoObject {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProtoObject;
  opsetImport?: { domain?: string; version?: number }[];
  metadataProps?: { key?: string; value?: string }[];
}
