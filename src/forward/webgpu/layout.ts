// Data movement on WebGPU: Concat, Transpose and Pad, and the strided copy they (and the
// unit-major capture) share.
import type { ConcatStep, PadStep, TransposeStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid } from '../../gpu/workgroups.js';
import { mergeAxes } from '../axes.js';
import { sizeOf, stridesOf } from '../reference/tensor.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape, outputShape } from '../step-shapes.js';
import { type GpuTensor, MAX_WALK_AXES, tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';


export interface StridedCopy {
  label: string;
  src: GPUBufferBinding;
  dst: GPUBufferBinding;
  /** Index space, outermost axis first. */
  dims: number[];
  srcStrides: number[];
  dstStrides: number[];
  srcBase?: number;
  dstBase?: number;
}

/** Encodes dst[dstBase + sum c_d dstStrides[d]] = src[srcBase + sum c_d srcStrides[d]] over `dims`. */
export function encodeStridedCopy(ctx: OpContext, copy: StridedCopy): void {
  const count = sizeOf(copy.dims);
  if (count === 0) return;
  const merged = mergeAxes(copy.dims, [copy.srcStrides, copy.dstStrides, stridesOf(copy.dims)]);
  if (merged.dims.length > MAX_WALK_AXES) throw new Error(`${copy.label}: more than ${MAX_WALK_AXES} axes after merging (${formatShape(copy.dims)})`);
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: copy.label,
    pipeline: ctx.pipeline('copy', 'forward_copy', { WG: wg }),
    uniforms: packUniforms('forward_copy', copy.label, {
      count,
      grid_x: gridX,
      rank: merged.dims.length,
      src_base: copy.srcBase ?? 0,
      dst_base: copy.dstBase ?? 0,
      dims: merged.dims,
      strides_a: merged.strides[0],
      strides_b: merged.strides[1],
    }),
    storage: [copy.src, copy.dst],
    workgroups,
  });
}

export function runConcat(ctx: OpContext, call: OpCall<ConcatStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const yShape = outputShape(call);
  const axis = step.axis < 0 ? step.axis + yShape.length : step.axis;
  if (axis < 0 || axis >= yShape.length) throw new Error(`${what}: axis ${step.axis} out of range for y ${formatShape(yShape)}`);
  const outer = sizeOf(yShape.slice(0, axis));
  const inner = sizeOf(yShape.slice(axis + 1));
  const total = yShape[axis];
  let offset = 0;
  call.inputs.forEach((input: GpuTensor, i) => {
    const shape = inputShape(call, i);
    const size = shape[axis];
    if (shape.length !== yShape.length || shape.some((d, j) => j !== axis && d !== yShape[j])) {
      throw new Error(`${what}: input ${i} ${formatShape(shape)} does not fit y ${formatShape(yShape)} along axis ${axis}`);
    }
    const rowLength = size * inner;
    if (outer === 1) {
      // One contiguous block: a plain buffer copy.
      ctx.commands.copy(input.buffer, 0, call.output.buffer, offset * inner * 4, rowLength * 4);
    } else {
      encodeStridedCopy(ctx, {
        label: `${what} (input ${i})`,
        src: tensorBinding(input),
        dst: tensorBinding(call.output),
        dims: [outer, rowLength],
        srcStrides: [rowLength, 1],
        dstStrides: [total * inner, 1],
        dstBase: offset * inner,
      });
    }
    offset += size;
  });
  if (offset !== total) throw new Error(`${what}: inputs add up to ${offset} along axis ${axis}, y has ${total}`);
}

export function runTranspose(ctx: OpContext, call: OpCall<TransposeStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  const yShape = outputShape(call);
  const perm = step.perm;
  const valid = perm.length === xShape.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i) && perm.every((p, i) => xShape[p] === yShape[i]);
  if (!valid) throw new Error(`${what}: perm [${perm.join(', ')}] does not take x ${formatShape(xShape)} to y ${formatShape(yShape)}`);
  const xStrides = stridesOf(xShape);
  encodeStridedCopy(ctx, {
    label: what,
    src: tensorBinding(call.inputs[0]),
    dst: tensorBinding(call.output),
    dims: yShape,
    srcStrides: perm.map((p) => xStrides[p]),
    dstStrides: stridesOf(yShape),
  });
}

const PAD_MODE = { constant: 0, reflect: 1, edge: 2 } as const;

export function runPad(ctx: OpContext, call: OpCall<PadStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  const yShape = outputShape(call);
  const rank = xShape.length;
  const mode = PAD_MODE[step.mode];
  if (mode === undefined) throw new Error(`${what}: unknown pad mode ${step.mode}`);
  if (step.pads.length !== 2 * rank || step.pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`${what}: pads [${step.pads.join(', ')}] do not fit x ${formatShape(xShape)} (2 non-negative values per axis)`);
  }
  const begins = step.pads.slice(0, rank);
  if (yShape.length !== rank || yShape.some((d, i) => d !== xShape[i] + begins[i] + step.pads[rank + i])) {
    throw new Error(`${what}: pads [${step.pads.join(', ')}] do not take x ${formatShape(xShape)} to y ${formatShape(yShape)}`);
  }
  if (rank > MAX_WALK_AXES) throw new Error(`${what}: rank ${rank} over ${MAX_WALK_AXES}`);
  if (mode !== 0 && xShape.some((d, i) => d === 0 && yShape[i] > 0)) throw new Error(`${what}: ${step.mode} padding of an empty axis`);
  const count = sizeOf(yShape);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('pad', 'forward_pad', { WG: wg, MODE: mode }),
    uniforms: packUniforms('forward_pad', what, {
      count,
      grid_x: gridX,
      rank,
      value: step.value,
      out_dims: yShape,
      in_dims: xShape,
      begins,
      in_strides: stridesOf(xShape),
    }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}
