// The deconvnet's heavy steps on the WASM module's training backward kernels, in float32:
//   convTranspose   per group, dcol = W_g' dy_g (sgemm) then col2im: exactly how
//                   assembly/train/conv.ts computes a conv's input gradient, here with groups,
//                   rectangular kernels, strides, pads and dilations (col2im has them all)
//   denseTranspose  sgemm of the signal row with the weight (trainFcBackward's input gradient)
//   unpool          trainMaxPoolBackward (each output's signal to its recorded input index)
//   relu            trainReluForward on the signal (the deconvnet rectifies the backward signal)
// One instance per plan: every conv and dense weight is uploaded once, beside scratch buffers
// sized for the plan's largest tensor and column matrix, so a view costs its arithmetic only.
import type { WasmExports } from '../../kernels/wasm-module.js';
import { WasmInstance } from '../../kernels/wasm-module.js';
import { sizeOf } from '../reference/tensor.js';
import type { ExecutionPlan } from '../plan.js';
import type { ConvTransposeCall, DeconvOps, DenseTransposeCall } from './ops.js';

/** The deconvnet's ops for `plan` (batch 1) on a new WASM instance. */
export async function createWasmDeconvOps(plan: ExecutionPlan): Promise<DeconvOps> {
  return wasmDeconvOps(plan, await WasmInstance.create());
}

export function wasmDeconvOps(plan: ExecutionPlan, wasm: WasmInstance): DeconvOps {
  const weightIds: number[] = [];
  let largest = 1;
  let largestCol = 1;
  for (const step of plan.steps) {
    for (const id of [...step.inputs, step.output]) largest = Math.max(largest, sizeOf(plan.tensors[id].shape));
    if (step.kind === 'conv' || step.kind === 'gemm' || step.kind === 'matmul') {
      if (plan.tensors[step.inputs[1]].constant) weightIds.push(step.inputs[1]);
    }
    if (step.kind === 'conv') {
      const [, Cg, KH, KW] = plan.tensors[step.inputs[1]].shape;
      const out = plan.tensors[step.output].shape;
      largestCol = Math.max(largestCol, Cg * KH * KW * out[2] * out[3]);
    }
  }
  const ids = [...new Set(weightIds)];
  const sizes = ids.map((id) => 4 * plan.tensors[id].constant!.length);
  // signal in, signal out, column scratch, switches (i32)
  const offsets = wasm.layout([...sizes, 4 * largest, 4 * largest, 4 * largestCol, 4 * largest], 'the deconvnet views (weights and scratch)');
  const weightAt = new Map<number, number>();
  ids.forEach((id, k) => {
    weightAt.set(id, offsets[k]);
    wasm.f32(offsets[k], plan.tensors[id].constant!.length).set(plan.tensors[id].constant!);
  });
  const [inAt, outAt, colAt, switchAt] = offsets.slice(ids.length);
  const e: WasmExports = wasm.exports;
  const put = (s: Float64Array) => wasm.f32(inAt, s.length).set(s);
  const take = (at: number, n: number) => Float64Array.from(wasm.f32(at, n));
  const weightOf = (id: number) => {
    const at = weightAt.get(id);
    if (at === undefined) throw new Error(`deconv views (WASM): weight ${plan.tensors[id].name} was not uploaded`);
    return at;
  };
  return {
    name: 'wasm-simd (float32, training backward kernels)',
    convTranspose(call: ConvTransposeCall, s: Float64Array): Float64Array {
      const { step } = call;
      const [, C, H, W] = call.inShape;
      const [, M, OH, OW] = call.outShape;
      const [KH, KW] = step.kernel;
      const Cg = C / step.group;
      const Mg = M / step.group;
      const CgKK = Cg * KH * KW;
      const w = weightOf(call.weightId);
      // Only the rows and columns where the signal is not zero: a view starts from one position,
      // so the early (widest) layers carry a small window of it. The window is a conv output of
      // its own, whose row 0 is row y0: col2im takes it with the pads moved by y0 and x0 strides.
      const box = nonZeroBox(s, M, OH, OW);
      wasm.f32(outAt, C * H * W).fill(0);
      if (!box) return new Float64Array(C * H * W);
      const [y0, x0, oh, ow] = box;
      const P = oh * ow;
      const cropped = wasm.f32(inAt, M * P);
      for (let m = 0; m < M; m++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) cropped[(m * oh + y) * ow + x] = s[(m * OH + y0 + y) * OW + x0 + x];
      const [sh, sw] = step.strides;
      for (let g = 0; g < step.group; g++) {
        e.sgemm(1, 0, CgKK, P, Mg, 1, w + 4 * g * Mg * CgKK, CgKK, inAt + 4 * g * Mg * P, P, 0, colAt, P);
        e.col2im(colAt, Cg, H, W, KH, KW, sh, sw, step.pads[0] - y0 * sh, step.pads[1] - x0 * sw, step.dilations[0], step.dilations[1], oh, ow, outAt + 4 * g * Cg * H * W);
      }
      return take(outAt, C * H * W);
    },
    denseTranspose(call: DenseTransposeCall, s: Float64Array): Float64Array {
      const { K, M, transB, alpha } = call;
      put(s);
      // a (1 x K) = alpha * s (1 x M) op(B)': B (M x K) when transB, else (K x M) read transposed.
      if (transB) e.sgemm(0, 0, 1, K, M, alpha, inAt, M, weightOf(call.weightId), K, 0, outAt, K);
      else e.sgemm(0, 1, 1, K, M, alpha, inAt, M, weightOf(call.weightId), M, 0, outAt, K);
      return take(outAt, K);
    },
    unpool(s: Float64Array, switches: Int32Array, inputSize: number): Float64Array {
      // A window without input taps (switch -1) gives nothing: its signal is dropped here, as the
      // kernel has no "nowhere" index.
      const dy = wasm.f32(inAt, s.length);
      const arg = wasm.i32(switchAt, s.length);
      for (let o = 0; o < s.length; o++) {
        dy[o] = switches[o] >= 0 ? s[o] : 0;
        arg[o] = Math.max(0, switches[o]);
      }
      e.trainMaxPoolBackward(inAt, switchAt, s.length, outAt, inputSize);
      return take(outAt, inputSize);
    },
    relu(s: Float64Array): Float64Array {
      put(s);
      e.trainReluForward(inAt, s.length);
      s.set(wasm.f32(inAt, s.length));
      return s;
    },
    dispose() {},
  };
}

/** [y0, x0, rows, columns] of the smallest window holding every non-zero of s (M planes of OH x OW), or undefined if all are zero. */
function nonZeroBox(s: Float64Array, M: number, OH: number, OW: number): [number, number, number, number] | undefined {
  let y0 = OH;
  let y1 = -1;
  let x0 = OW;
  let x1 = -1;
  for (let m = 0; m < M; m++) {
    for (let y = 0; y < OH; y++) {
      for (let x = 0, at = (m * OH + y) * OW; x < OW; x++, at++) {
        if (s[at] === 0) continue;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  return y1 < 0 ? undefined : [y0, x0, y1 - y0 + 1, x1 - x0 + 1];
}
