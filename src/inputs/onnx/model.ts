// A decoded ONNX model as plain objects: what src/inputs/onnx/decode.ts produces from the protobuf bytes
// and src/inputs/onnx/encode.ts turns back into bytes. Only what convergent reads is kept; everything is
// plain data (no protobuf classes), so models can be built by hand in tests, benches and `train`.

/** A dimension: a number, or a symbolic name such as "batch" (from dim_param), or null if unknown. */
export type Dim = number | string | null;

export type AttributeValue = number | string | number[] | string[] | OnnxTensor;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /**
   * Float tensors (FLOAT, and DOUBLE/FLOAT16 converted) as Float32Array; INT64/INT32 tensors
   * (shapes, pads, axes) as plain number arrays in `ints`.
   */
  data?: Float32Array;
  ints?: number[];
  /** ONNX TensorProto.DataType code of the source (1 FLOAT, 6 INT32, 7 INT64, 11 DOUBLE, ...). */
  dataType: number;
}

export interface OnnxNode {
  /** The node's name; decode fills in `<op>_<index>` when the file leaves it empty. */
  name: string;
  opType: string;
  /** Empty string = optional input left out. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  /**
   * AttributeProto.AttributeType code per attribute (1 FLOAT, 2 INT, 6 FLOATS, 7 INTS, ...), as
   * decoded, so that encode writes back `alpha: 1` as FLOAT 1.0 rather than INT 1. Optional: when
   * absent, encode infers the type from the op's schema and the JS value (see src/inputs/onnx/encode.ts).
   */
  attributeTypes?: Record<string, number>;
  /** '' for the default ONNX domain. */
  domain: string;
}

export interface OnnxValueInfo {
  name: string;
  /** ONNX element type code (1 = float). */
  elemType: number;
  dims: Dim[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ('' / 'ai.onnx') opset. */
  opset: number;
  producer: string;
  graphName: string;
  /** Graph inputs that are not initializers (the data inputs). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Map<string, OnnxTensor>;
  /** In file order (ONNX requires topological order). */
  nodes: OnnxNode[];
}
