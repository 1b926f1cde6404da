// Conv on WASM (assembly/forward/conv.ts, winograd.ts, winograd5.ts): Winograd F(2x2, 3x3) and
// F(2x2, 5x5) for wide 3 x 3 and 5 x 5 stride-1 layers, else im2col + GEMM over several images
// at once, direct GEMM for 1 x 1 stride-1 layers, and a depthwise loop. Every choice depends on
// the layer and the output size only, never on how the batch is split, so batch slices
// (src/forward/wasm/parallel.ts) give bit-identical results.
import type { ConvStep } from '../plan.js';
import { type WasmOpCall, type WasmOpContext } from './context.js';
import { formatShape } from '../../util/shape.js';
import { inputShape } from '../step-shapes.js';

/**
 * Images per conv GEMM: enough that the GEMM has about GEMM_COLUMNS columns (one packed block of
 * assembly/forward/gemm.ts), so small feature maps (13 x 13) share one packing of the weights.
 * Depends on the output size only, never on how the batch is split, and batching does not change
 * any output's summation order anyway.
 */
const GEMM_COLUMNS = 1024;
const imagesPerGemm = (P: number, N: number) => Math.max(1, Math.min(N, Math.floor(GEMM_COLUMNS / P)));

/**
 * 3 x 3 and 5 x 5, stride 1, dilation 1 convolutions with at least this many input and output
 * channels per group run as Winograd F(2x2, 3x3) / F(2x2, 5x5) (assembly/forward/winograd*.ts):
 * fewer channels do not repay the transforms. The choice depends on the layer only, never on
 * the batch.
 */
const WINOGRAD_MIN_CHANNELS = 16;
/**
 * Tiles (GEMM columns) transformed together by the Winograd path: whole images up to about this
 * many. Measured (CPU time, 8 AlexNet images): 128 to 1024 columns run conv3-5 within 5 % of
 * each other; LeNet's conv2 (16 tiles an image) is 20 % faster at 128 than at 256.
 */
const WINOGRAD_COLUMNS = 128;
const useWinograd = (kh: number, kw: number, step: { strides: number[]; dilations: number[] }, Cg: number, Mg: number) =>
  (kh === 3 || kh === 5) && kw === kh && step.strides[0] === 1 && step.strides[1] === 1 && step.dilations[0] === 1 && step.dilations[1] === 1 && Cg >= WINOGRAD_MIN_CHANNELS && Mg >= WINOGRAD_MIN_CHANNELS;

export function runConv(ctx: WasmOpContext, call: WasmOpCall<ConvStep>): void {
  const { step, inputs: [x, w, b], output: y } = call;
  const { ex } = ctx;
  const [N, C, H, W] = inputShape(call, 0);
  const [M, Cg, kh, kw] = inputShape(call, 1);
  const [, , OH, OW] = y.shape;
  const g = step.group;
  if (Cg * g !== C || M % g !== 0) throw new Error(`conv: x ${formatShape([N, C, H, W])}, w ${formatShape([M, Cg, kh, kw])} and group ${g} do not fit`);
  const depthwise = g === C && g > 1;
  if (!depthwise && useWinograd(kh, kw, step, Cg, M / g)) {
    const tiles = Math.ceil(OH / 2) * Math.ceil(OW / 2);
    const batch = Math.max(1, Math.min(N, Math.floor(WINOGRAD_COLUMNS / tiles)));
    const T = batch * tiles;
    const Mg = M / g;
    // Transformed tile positions: 16 for 3 x 3 filters, 36 for 5 x 5.
    const positions = (kh + 1) * (kh + 1);
    const filterBytes = g * positions * Mg * Cg * 4;
    // A constant weight's transform is computed once and kept with it (it cost as much as a
    // batch of 8 images' GEMMs at AlexNet's conv3); a computed weight is transformed per call.
    const constant = call.plan.tensors[step.inputs[1]]?.constant !== undefined;
    const kept = constant ? ctx.derived(w, `winograd ${kh}x${kw} filters, ${g} groups of ${Mg} x ${Cg}`, filterBytes) : undefined;
    const tileBytes = positions * (Cg * T + Mg * T) * 4;
    const work = ctx.scratch(tileBytes + (kept ? 0 : filterBytes));
    const u = kept ? kept.offset : work + tileBytes;
    const run = kh === 3 ? ex.fwdConvWinograd : ex.fwdConvWinograd5;
    run(x.offset, N, C, H, W, w.offset, M, b ? b.offset : 0, g, step.pads[0], step.pads[1], OH, OW, y.offset, batch, work, u, kept && !kept.fresh ? 0 : 1);
    return;
  }
  const P = OH * OW;
  const batch = depthwise ? 1 : imagesPerGemm(P, N);
  const direct = batch === 1 && kh === 1 && kw === 1 && step.strides[0] === 1 && step.strides[1] === 1 && step.pads[0] === 0 && step.pads[1] === 0 && OH === H && OW === W;
  const colFloats = direct || depthwise ? 0 : Cg * kh * kw * P * batch;
  const cFloats = batch > 1 ? (M / g) * P * batch : 0;
  const col = colFloats + cFloats > 0 ? ctx.scratch((colFloats + cFloats) * 4) : 0;
  ex.fwdConv2d(
    x.offset, N, C, H, W, w.offset, M, kh, kw, b ? b.offset : 0, g,
    step.strides[0], step.strides[1], step.pads[0], step.pads[1], step.dilations[0], step.dilations[1],
    OH, OW, y.offset, col, batch, col + colFloats * 4,
  );
}
