// An execution plan: an ONNX graph compiled for one concrete input shape into a flat list of
// normalised steps. It is the contract between the planner (src/forward/compile.ts, which knows
// ONNX) and the op kernels (src/forward/reference, src/forward/wasm, src/forward/webgpu, which
// know nothing of ONNX). Everything is plain data, so a plan can be posted to a worker.
//
// Layout: every tensor is float32, dense, row-major (NCHW for images). Shapes are concrete.

export type Shape = number[];

/** A tensor of the plan. Constants carry their data (weights, folded BatchNorm, ...). */
export interface PlanTensor {
  id: number;
  /** The ONNX value name (for messages and captures). */
  name: string;
  shape: Shape;
  constant?: Float32Array;
}

/** Conv: x (N,C,H,W), w (M, C/group, kh, kw), optional bias (M). */
export interface ConvStep {
  kind: 'conv';
  inputs: [x: number, w: number] | [x: number, w: number, b: number];
  group: number;
  kernel: [kh: number, kw: number];
  strides: [sh: number, sw: number];
  /** top, left, bottom, right (auto_pad already resolved). */
  pads: [pt: number, pl: number, pb: number, pr: number];
  dilations: [dh: number, dw: number];
}

/** Y = alpha * op(A) op(B) + beta * C; A and B 2-D, C broadcastable to (M, N) (MatMul 2-D maps here). */
export interface GemmStep {
  kind: 'gemm';
  inputs: [a: number, b: number] | [a: number, b: number, c: number];
  alpha: number;
  beta: number;
  transA: boolean;
  transB: boolean;
}

/** numpy-style matmul of rank >= 2 operands with broadcast batch dimensions. */
export interface MatMulStep {
  kind: 'matmul';
  inputs: [a: number, b: number];
}

export type UnaryFn = 'relu' | 'leakyrelu' | 'clip' | 'sigmoid';

export interface UnaryStep {
  kind: 'unary';
  inputs: [x: number];
  fn: UnaryFn;
  /** leakyrelu slope */
  alpha: number;
  /** clip bounds (-Infinity / Infinity when absent) */
  min: number;
  max: number;
}

/** Elementwise a (op) b with numpy broadcasting to the output shape. */
export interface BinaryStep {
  kind: 'binary';
  inputs: [a: number, b: number];
  fn: 'add' | 'mul';
}

/** MaxPool / AveragePool over (N,C,H,W). Windows that stick out past the pads are clipped. */
export interface PoolStep {
  kind: 'maxpool' | 'avgpool';
  inputs: [x: number];
  kernel: [kh: number, kw: number];
  strides: [sh: number, sw: number];
  pads: [pt: number, pl: number, pb: number, pr: number];
  dilations: [dh: number, dw: number];
  /** avgpool: divide by the whole window including padding (count_include_pad = 1). */
  countIncludePad: boolean;
}

export interface GlobalAvgPoolStep {
  kind: 'globalavgpool';
  inputs: [x: number];
}

/** Local response normalisation across channels (ONNX LRN). */
export interface LrnStep {
  kind: 'lrn';
  inputs: [x: number];
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

/** y = x * scale[c] + shift[c] on (N,C,...): an unfolded BatchNormalization. */
export interface ChannelAffineStep {
  kind: 'channelaffine';
  inputs: [x: number, scale: number, shift: number];
}

/** Softmax over the middle axis of x viewed as (outer, axis, inner); opset rules already applied. */
export interface SoftmaxStep {
  kind: 'softmax';
  inputs: [x: number];
  outer: number;
  axis: number;
  inner: number;
}

/** Concatenation along `axis` of inputs viewed as (outer, size_k, inner). */
export interface ConcatStep {
  kind: 'concat';
  inputs: number[];
  axis: number;
}

export interface TransposeStep {
  kind: 'transpose';
  inputs: [x: number];
  perm: number[];
}

export interface PadStep {
  kind: 'pad';
  inputs: [x: number];
  mode: 'constant' | 'reflect' | 'edge';
  /** ONNX order: begins of every axis, then ends of every axis (non-negative after compile). */
  pads: number[];
  value: number;
}

/** Same data, new shape (Reshape, Flatten, Identity, Dropout): backends may alias the buffer. */
export interface ReshapeStep {
  kind: 'reshape';
  inputs: [x: number];
}

export type StepBody =
  | ConvStep
  | GemmStep
  | MatMulStep
  | UnaryStep
  | BinaryStep
  | PoolStep
  | GlobalAvgPoolStep
  | LrnStep
  | ChannelAffineStep
  | SoftmaxStep
  | ConcatStep
  | TransposeStep
  | PadStep
  | ReshapeStep;

/** A step: its normalised op, the tensor it writes, and the ONNX node it came from. */
export type Step = StepBody & {
  output: number;
  /** ONNX node name and op type, for error messages and labels. */
  node: string;
  opType: string;
};

export interface ExecutionPlan {
  /** Tensor ids index this array. */
  tensors: PlanTensor[];
  /** The data input (N,C,H,W or (N, features)). */
  input: number;
  /** Graph outputs. */
  outputs: number[];
  steps: Step[];
  /** Batch size the plan was compiled for. */
  batch: number;
}
