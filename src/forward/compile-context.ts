// The planner's working state: values (ONNX names with a concrete shape, and data when known at
// compile time), the plan under construction, and a per-node view that reads attributes with
// ONNX defaults and validates them, so that every lowering in compile-ops.ts stays short and every
// error names the node and op.
import type { AttributeValue, OnnxNode, OnnxTensor } from '../inputs/onnx/model.js';
import type { PlanTensor, Step, StepBody } from './plan.js';
import { formatShape } from '../util/shape.js';

/** An ONNX value during planning. */
export interface Value {
  name: string;
  shape: number[];
  /** Known at compile time (initializer, Constant node, folded): float data ... */
  data?: Float32Array;
  /** ... or integers (shapes, pads, axes). */
  ints?: number[];
  /** The plan tensor holding it, once one exists (constants get one on first use). */
  id?: number;
}

export const isConstant = (v: Value): boolean => v.data !== undefined || v.ints !== undefined;
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The plan under construction: tensors and steps, plus which step wrote each tensor. */
export class PlanBuilder {
  readonly tensors: PlanTensor[] = [];
  readonly steps: Step[] = [];
  private readonly producers = new Map<number, Step>();

  tensor(name: string, shape: number[], constant?: Float32Array): number {
    const id = this.tensors.length;
    this.tensors.push(constant ? { id, name, shape: [...shape], constant } : { id, name, shape: [...shape] });
    return id;
  }

  /** The plan tensor of a value, creating it for a constant on first use. */
  idOf(v: Value): number {
    if (v.id === undefined) {
      if (!isConstant(v)) throw new Error(`value ${v.name} has no tensor`);
      v.id = this.tensor(v.name, v.shape, v.data ?? Float32Array.from(v.ints!));
    }
    return v.id;
  }

  push(step: Step): void {
    this.steps.push(step);
    this.producers.set(step.output, step);
  }

  /** The step that wrote a (non-constant) value, if any. */
  producerOf(v: Value): Step | undefined {
    return v.id === undefined ? undefined : this.producers.get(v.id);
  }
}

/** What a lowering may ask about the graph around its node (for fusions). */
export interface GraphView {
  /** How many live nodes read `name`, plus one if it is a graph output or captured. */
  uses(name: string): number;
  /** Whether fusions are allowed (off when only shapes are wanted: every value must stay). */
  readonly fuse: boolean;
}

type Num = number;

/** One node being lowered: inputs as Values, attributes with defaults, outputs to register. */
export class NodeContext {
  constructor(
    readonly node: OnnxNode,
    readonly opset: number,
    private readonly values: Map<string, Value>,
    readonly plan: PlanBuilder,
    readonly graph: GraphView,
  ) {}

  get label(): string {
    return `${this.node.opType} node "${this.node.name}"`;
  }

  fail(message: string): never {
    throw new Error(`${this.label}: ${message}`);
  }

  /** Whether optional input i is given (present and not the empty name). */
  has(i: number): boolean {
    return (this.node.inputs[i] ?? '') !== '';
  }

  input(i: number): Value {
    const name = this.node.inputs[i] ?? '';
    if (name === '') this.fail(`input ${i} is missing`);
    const v = this.values.get(name);
    if (!v) this.fail(`input ${i} "${name}" is not produced by any node, initializer or graph input`);
    return v;
  }

  optional(i: number): Value | undefined {
    return this.has(i) ? this.input(i) : undefined;
  }

  /** A constant float input (any float or int constant, as numbers). */
  constNumbers(i: number, what: string): number[] {
    const v = this.input(i);
    if (v.data) return Array.from(v.data);
    if (v.ints) return v.ints;
    this.fail(`${what} (input ${i} "${v.name}") must be a constant (an initializer or a Constant node), not computed`);
  }

  constInts(i: number, what: string): number[] {
    const v = this.input(i);
    if (v.ints) return v.ints;
    if (v.data && v.data.every((x) => Number.isInteger(x))) return Array.from(v.data);
    this.fail(`${what} (input ${i} "${v.name}") must be a constant integer tensor (an initializer or a Constant node)`);
  }

  private attr(key: string): AttributeValue | undefined {
    return this.node.attributes[key];
  }

  int(key: string, fallback: Num): Num {
    const a = this.attr(key);
    if (a === undefined) return fallback;
    if (typeof a !== 'number' || !Number.isInteger(a)) this.fail(`attribute ${key} must be an integer, got ${JSON.stringify(a)}`);
    return a;
  }

  float(key: string, fallback: Num): Num {
    const a = this.attr(key);
    if (a === undefined) return fallback;
    if (typeof a !== 'number') this.fail(`attribute ${key} must be a number, got ${JSON.stringify(a)}`);
    return a;
  }

  ints(key: string): number[] | undefined;
  ints(key: string, fallback: number[]): number[];
  ints(key: string, fallback?: number[]): number[] | undefined {
    const a = this.attr(key);
    if (a === undefined) return fallback;
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'number' || !Number.isInteger(x))) this.fail(`attribute ${key} must be a list of integers, got ${JSON.stringify(a)}`);
    return a as number[];
  }

  floats(key: string): number[] | undefined {
    const a = this.attr(key);
    if (a === undefined) return undefined;
    if (typeof a === 'number') return [a];
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'number')) this.fail(`attribute ${key} must be a list of numbers`);
    return a as number[];
  }

  string(key: string, fallback: string): string {
    const a = this.attr(key);
    if (a === undefined) return fallback;
    if (typeof a !== 'string') this.fail(`attribute ${key} must be a string, got ${JSON.stringify(a)}`);
    return a;
  }

  tensorAttr(key: string): OnnxTensor | undefined {
    const a = this.attr(key);
    if (a === undefined) return undefined;
    if (typeof a !== 'object' || Array.isArray(a)) this.fail(`attribute ${key} must be a tensor`);
    return a;
  }

  /** Normalises an axis of a rank-`rank` tensor (negative counts from the end). */
  axis(axis: number, rank: number, what = 'axis'): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) this.fail(`${what} ${axis} is out of range for a rank-${rank} input`);
    return a;
  }

  private register(out: number, v: Value): Value {
    const name = this.node.outputs[out];
    if (name === undefined || name === '') this.fail(`output ${out} is not named`);
    this.values.set(name, v);
    return v;
  }

  /** Adds a step writing output `out` (of shape `shape`). */
  emit(body: StepBody, shape: number[], out = 0): Value {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) this.fail(`computed output shape ${formatShape(shape)} is invalid`);
    if (shape.some((d) => d === 0)) this.fail(`computed output shape ${formatShape(shape)} is empty`);
    const name = this.node.outputs[out];
    const id = this.plan.tensor(name, shape);
    this.plan.push({ ...body, output: id, node: this.node.name, opType: this.node.opType } as Step);
    return this.register(out, { name, shape: [...shape], id });
  }

  /** Output `out` is `v` with another shape (same data): folded for constants, a reshape step otherwise. */
  alias(v: Value, shape: number[], out = 0): Value {
    if (sizeOf(shape) !== sizeOf(v.shape)) this.fail(`cannot view ${formatShape(v.shape)} as ${formatShape(shape)}`);
    if (isConstant(v)) return this.constant(shape, v.data ?? v.ints!, out);
    return this.emit({ kind: 'reshape', inputs: [this.plan.idOf(v)] }, shape, out);
  }

  /** Output `out` is known at compile time. */
  constant(shape: number[], values: Float32Array | number[], out = 0): Value {
    const name = this.node.outputs[out];
    if (values.length !== sizeOf(shape)) this.fail(`constant ${name} has ${values.length} values for shape ${formatShape(shape)}`);
    return this.register(out, values instanceof Float32Array ? { name, shape: [...shape], data: values } : { name, shape: [...shape], ints: [...values] });
  }

  /** A step writing a tensor of this node that is not one of its outputs (e.g. a 2-D view). */
  intermediate(body: StepBody, shape: number[], name: string): Value {
    const id = this.plan.tensor(name, shape);
    this.plan.push({ ...body, output: id, node: this.node.name, opType: this.node.opType } as Step);
    return { name, shape: [...shape], id };
  }

  /** `v` seen with another shape, inside this node: a reshaped constant, or a reshape step. */
  view(v: Value, shape: number[]): Value {
    if (sizeOf(shape) !== sizeOf(v.shape)) this.fail(`cannot view ${formatShape(v.shape)} as ${formatShape(shape)}`);
    const name = `${v.name}:${shape.length}d`;
    if (isConstant(v)) return v.data ? { name, shape: [...shape], data: v.data } : { name, shape: [...shape], ints: v.ints };
    return this.intermediate({ kind: 'reshape', inputs: [this.plan.idOf(v)] }, shape, name);
  }

  /** Registers an existing value (a fused step's output) as output `out`. */
  reuse(v: Value, out = 0): Value {
    return this.register(out, v);
  }
}
