// Builds OnnxModels by hand, for tests, benches and the training export:
//
//   const b = new OnnxBuilder('lenet');
//   b.input('x', ['N', 1, 28, 28]);
//   b.initializer('w', [6, 1, 5, 5], weights);           // Float32Array: a FLOAT tensor
//   b.initializer('shape', [2], [-1, 400]);              // number[]: an INT64 tensor
//   b.node('Conv', ['x', 'w'], ['y'], { pads: [2, 2, 2, 2] });
//   b.node('LeakyRelu', ['y'], ['z'], { alpha: f(1) });  // f(): a FLOAT attribute even if integral
//   b.output('z', ['N', 6, 28, 28]);
//   const model = b.build({ opset: 13 });
//
// Attribute typing: an integer is INT, any other number FLOAT, f(x) / floats([...]) force FLOAT /
// FLOATS, number arrays are INTS unless one is not an integer, strings STRING, string arrays
// STRINGS, OnnxTensor TENSOR. The types are recorded in node.attributeTypes for the encoder.
import type { AttributeValue, Dim, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.js';
import { AttributeType, DataType } from './schema.js';

/** A number written as a FLOAT attribute even when it is integral. */
export interface FloatAttr {
  float: number;
}
/** Numbers written as a FLOATS attribute even when all are integral. */
export interface FloatsAttr {
  floats: number[];
}

export const f = (value: number): FloatAttr => ({ float: value });
export const floats = (values: number[]): FloatsAttr => ({ floats: values });

export type BuilderAttr = AttributeValue | FloatAttr | FloatsAttr;

export interface BuildOptions {
  /** Default-domain opset version (default 13). */
  opset?: number;
  /** IR version (default 8, which onnxruntime reads for every opset from 7 up). */
  irVersion?: number;
  producer?: string;
}

export class OnnxBuilder {
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly initializers = new Map<string, OnnxTensor>();
  private readonly nodes: OnnxNode[] = [];

  constructor(readonly graphName = 'graph') {}

  /** A float graph input; symbolic dims (strings) accept any size. */
  input(name: string, dims: Dim[]): this {
    this.inputs.push({ name, elemType: DataType.FLOAT, dims: [...dims] });
    return this;
  }

  /** A weight: Float32Array -> FLOAT tensor, number[] -> INT64 tensor (shapes, pads, axes). */
  initializer(name: string, dims: number[], values: Float32Array | number[]): this {
    this.initializers.set(name, tensor(name, dims, values));
    return this;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, BuilderAttr> = {}, name?: string): this {
    const attributes: Record<string, AttributeValue> = {};
    const attributeTypes: Record<string, number> = {};
    for (const [key, raw] of Object.entries(attrs)) {
      const { value, type } = typedAttribute(raw);
      attributes[key] = value;
      attributeTypes[key] = type;
    }
    this.nodes.push({ name: name ?? `${opType}_${this.nodes.length}`, opType, inputs, outputs, attributes, attributeTypes, domain: '' });
    return this;
  }

  /** A graph output; dims may be left out (unknown shape). */
  output(name: string, dims: Dim[] = []): this {
    this.outputs.push({ name, elemType: DataType.FLOAT, dims: [...dims] });
    return this;
  }

  build(options: BuildOptions = {}): OnnxModel {
    return {
      irVersion: options.irVersion ?? 8,
      opset: options.opset ?? 13,
      producer: options.producer ?? 'convergent',
      graphName: this.graphName,
      inputs: this.inputs.map((v) => ({ ...v, dims: [...v.dims] })),
      outputs: this.outputs.map((v) => ({ ...v, dims: [...v.dims] })),
      initializers: new Map(this.initializers),
      nodes: this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })),
    };
  }
}

/** An OnnxTensor from float data or integers (INT64). */
export function tensor(name: string, dims: number[], values: Float32Array | number[]): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`tensor ${name}: dims ${JSON.stringify(dims)} need ${count} values, got ${values.length}`);
  if (values instanceof Float32Array) return { name, dims: [...dims], data: values, dataType: DataType.FLOAT };
  if (values.some((v) => !Number.isInteger(v))) throw new Error(`tensor ${name}: number[] values are INT64 and must be integers (pass a Float32Array for floats)`);
  return { name, dims: [...dims], ints: [...values], dataType: DataType.INT64 };
}

function typedAttribute(raw: BuilderAttr): { value: AttributeValue; type: number } {
  if (typeof raw === 'number') return { value: raw, type: Number.isInteger(raw) ? AttributeType.INT : AttributeType.FLOAT };
  if (typeof raw === 'string') return { value: raw, type: AttributeType.STRING };
  if (Array.isArray(raw)) {
    if (raw.some((v) => typeof v === 'string')) return { value: raw as string[], type: AttributeType.STRINGS };
    const nums = raw as number[];
    return { value: nums, type: nums.every((v) => Number.isInteger(v)) ? AttributeType.INTS : AttributeType.FLOATS };
  }
  if ('float' in raw) return { value: raw.float, type: AttributeType.FLOAT };
  if ('floats' in raw && !('dims' in raw)) return { value: (raw as FloatsAttr).floats, type: AttributeType.FLOATS };
  return { value: raw as OnnxTensor, type: AttributeType.TENSOR };
}
