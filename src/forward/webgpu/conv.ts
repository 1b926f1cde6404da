// Conv on WebGPU: the weights are repacked (forward_conv_pack.wgsl; cached per uploaded weight
// tensor, tile and input size) and the convolution runs as a tiled implicit GEMM
// (forward_conv.wgsl), one dispatch for all groups, with the tile gemmTile() picks (tiles.ts).
import type { ConvStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid, roundUp } from '../../gpu/workgroups.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape, outputShape } from '../step-shapes.js';
import { tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { gemmTile } from './tiles.js';

export function runConv(ctx: OpContext, call: OpCall<ConvStep>): void {
  const { step, inputs, output } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  const wShape = inputShape(call, 1);
  const yShape = outputShape(call);
  if (xShape.length !== 4 || wShape.length !== 4 || yShape.length !== 4) {
    throw new Error(`${what}: expected 4-D x, w and y, got x ${formatShape(xShape)}, w ${formatShape(wShape)}, y ${formatShape(yShape)}`);
  }
  const [N, C, H, W] = xShape;
  const [M, Cg, kh, kw] = wShape;
  const [, , OH, OW] = yShape;
  const group = step.group;
  if (Cg * group !== C || M % group !== 0 || yShape[0] !== N || yShape[1] !== M || kh !== step.kernel[0] || kw !== step.kernel[1]) {
    throw new Error(`${what}: x ${formatShape(xShape)}, w ${formatShape(wShape)}, group ${group}, kernel ${step.kernel.join('x')} do not give y ${formatShape(yShape)}`);
  }
  const span = (size: number, k: number, s: number, pa: number, pb: number, d: number) => Math.floor((size + pa + pb - d * (k - 1) - 1) / s) + 1;
  const [pt, pl, pb, pr] = step.pads;
  if (OH !== span(H, kh, step.strides[0], pt, pb, step.dilations[0]) || OW !== span(W, kw, step.strides[1], pl, pr, step.dilations[1])) {
    throw new Error(`${what}: x ${formatShape(xShape)}, kernel ${kh}x${kw}, strides ${step.strides.join('x')}, pads [${step.pads.join(', ')}], dilations ${step.dilations.join('x')} do not give y ${formatShape(yShape)}`);
  }
  const hasBias = step.inputs.length === 3;
  if (hasBias && inputs[2].size !== M) throw new Error(`${what}: bias has ${inputs[2].size} values for ${M} output channels`);
  const P = N * OH * OW;
  if (P === 0 || M === 0) return;
  const mg = M / group;
  const K = Cg * kh * kw;
  const tile = gemmTile(ctx.tiles, mg, P, ctx.limits.maxComputeWorkgroupStorageSize, group);
  const kPad = roundUp(Math.max(K, 1), tile.tk);
  const mgPad = roundUp(mg, tile.tm);
  const mTiles = mgPad / tile.tm;
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (group * mTiles > maxPerDim) throw new Error(`${what}: ${group} groups x ${mTiles} channel tiles exceed the device's dispatch limit`);

  // Weights (group x kPad x mgPad) followed by the k table (kPad x 4): see forward_conv_pack.wgsl.
  const count = group * kPad * mgPad;
  const key = `conv-pack group ${group} tile ${tile.tm}x${tile.tk} dilations ${step.dilations.join('x')} input ${H}x${W}`;
  const packed = ctx.derived(inputs[1], key, [count + 4 * kPad], (target) => {
    const wg = ctx.tiles.workgroup;
    const { workgroups, gridX } = linearGrid(count + kPad, wg, maxPerDim);
    ctx.commands.dispatch({
      label: labelOf(call, 'conv-pack'),
      pipeline: ctx.pipeline('conv-pack', 'forward_conv_pack', { WG: wg }),
      uniforms: packUniforms('forward_conv_pack', `${what} (weight repack)`, {
        k: K, mg, k_pad: kPad, mg_pad: mgPad, count, grid_x: gridX, kh, kw, dh: step.dilations[0], dw: step.dilations[1], h: H, w: W,
      }),
      storage: [tensorBinding(inputs[1]), tensorBinding(target)],
      workgroups,
    });
  });
  try {
    const [gx, gy] = linearGrid(P, tile.tn, maxPerDim).workgroups;
    const [sh, sw] = step.strides;
    const [dh, dw] = step.dilations;
    const uniforms = packUniforms('forward_conv', what, {
      c: C, h: H, w: W, m: M, oh: OH, ow: OW, mg, cg: Cg, kh, kw, sh, sw, pt, pl, dh, dw,
      k: K, p: P, k_pad: kPad, mg_pad: mgPad, m_tiles: mTiles, grid_x: gx, table: count / 4,
    });
    ctx.commands.dispatch({
      label: what,
      pipeline: ctx.pipeline('conv', 'forward_conv', { TM: tile.tm, TP: tile.tn, TK: tile.tk, RM: tile.rm, RP: tile.rn, HAS_BIAS: hasBias ? 1 : 0 }),
      uniforms,
      // Without a bias the weights stand in for binding 3 (never read: HAS_BIAS is 0).
      storage: [tensorBinding(inputs[0]), tensorBinding(packed.tensor), tensorBinding(hasBias ? inputs[2] : inputs[1]), tensorBinding(output)],
      workgroups: [gx, gy, group * mTiles],
    });
  } finally {
    packed.release();
  }
}
