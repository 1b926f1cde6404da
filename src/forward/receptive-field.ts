// The receptive field of a captured tensor's spatial positions in the input image, so the report
// can crop the patch that drives a unit. Walks the data path (each step's first input) from the
// input to the tensor, composing per axis: jump j (input pixels between neighbouring outputs),
// size r (input pixels one output sees) and start (input coordinate of output 0's first pixel):
//   j' = j * stride,  r' = r + (k_eff - 1) * j,  start' = start - pad * j,  k_eff = (k - 1) * dilation + 1
// (Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks", Distill 2019).
// Steps that mix every position (gemm, globalavgpool, a reshape that flattens) make the field
// the whole image. For a residual Add only the first input's path is followed, an approximation.
import type { ExecutionPlan, Step } from './plan.js';

export interface AxisField {
  jump: number;
  size: number;
  start: number;
}

export interface ReceptiveField {
  /** False when the tensor has no spatial axes left (dense): every unit sees the whole input. */
  spatial: boolean;
  y: AxisField;
  x: AxisField;
}

const IDENTITY: AxisField = { jump: 1, size: 1, start: 0 };

/** The receptive field of tensor `id` of a plan whose input is (N, C, H, W). */
export function receptiveField(plan: ExecutionPlan, id: number): ReceptiveField {
  const producer = new Map<number, Step>(plan.steps.map((s) => [s.output, s]));
  const path: Step[] = [];
  for (let t = id; t !== plan.input; ) {
    const step = producer.get(t);
    if (!step) return { spatial: false, y: IDENTITY, x: IDENTITY }; // a constant: no image behind it
    path.push(step);
    t = step.inputs[0];
  }
  path.reverse();
  let y = IDENTITY;
  let x = IDENTITY;
  const rank = (t: number) => plan.tensors[t].shape.length;
  if (rank(plan.input) !== 4) return { spatial: false, y, x };
  for (const step of path) {
    switch (step.kind) {
      case 'conv':
      case 'maxpool':
      case 'avgpool': {
        y = compose(y, step.kernel[0], step.strides[0], step.pads[0], step.dilations[0]);
        x = compose(x, step.kernel[1], step.strides[1], step.pads[1], step.dilations[1]);
        break;
      }
      case 'pad': {
        // pads = [b_0 .. b_{r-1}, e_0 .. e_{r-1}] of a 4-D tensor: H is axis 2, W axis 3.
        const r = step.pads.length / 2;
        y = { ...y, start: y.start - step.pads[2] * y.jump };
        x = { ...x, start: x.start - step.pads[3] * x.jump };
        if (r !== 4) return { spatial: false, y: IDENTITY, x: IDENTITY };
        break;
      }
      case 'unary':
      case 'binary':
      case 'channelaffine':
      case 'lrn':
      case 'concat':
      case 'softmax':
        if (rank(step.output) !== 4) return { spatial: false, y: IDENTITY, x: IDENTITY };
        break;
      case 'reshape': {
        const a = plan.tensors[step.inputs[0]].shape;
        const b = plan.tensors[step.output].shape;
        if (b.length !== 4 || a[2] !== b[2] || a[3] !== b[3]) return { spatial: false, y: IDENTITY, x: IDENTITY };
        break;
      }
      default:
        return { spatial: false, y: IDENTITY, x: IDENTITY };
    }
  }
  return { spatial: rank(id) === 4, y, x };
}

function compose(f: AxisField, kernel: number, stride: number, pad: number, dilation: number): AxisField {
  const kEff = (kernel - 1) * dilation + 1;
  return { jump: f.jump * stride, size: f.size + (kEff - 1) * f.jump, start: f.start - pad * f.jump };
}

/** The input rectangle [y0, y1) x [x0, x1) seen by output position (y, x), clipped to the image. */
export function fieldRect(field: ReceptiveField, y: number, x: number, height: number, width: number): { y0: number; y1: number; x0: number; x1: number } {
  if (!field.spatial) return { y0: 0, y1: height, x0: 0, x1: width };
  const y0 = field.y.start + y * field.y.jump;
  const x0 = field.x.start + x * field.x.jump;
  return {
    y0: Math.max(0, y0),
    y1: Math.min(height, y0 + field.y.size),
    x0: Math.max(0, x0),
    x1: Math.min(width, x0 + field.x.size),
  };
}
