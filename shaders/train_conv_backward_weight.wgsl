// Training, WebGPU: the weight gradient of a convolution, one workgroup per weight
// W[m,c,ky,kx]: dw = sum over samples s and outputs (oy, ox) of dy[s,m,oy,ox] x[s,c,iy,ix]
// (iy = oy * stride - pad + ky, zero outside). Thread t sums the positions t, t + 64, ... of the
// n * OH * OW in order; the 64 partial sums are then added by a fixed tree (deterministic).
//#include "common/train_step.wgsl"
//#include "common/train_conv_dims.wgsl"
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;

const WG: u32 = 64u;
//#include "common/workgroup_sum.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let widx = wg.x + wg.y * nwg.x;
  let KK = d.k * d.k;
  let total = d.M * d.C * KK;
  // The whole workgroup leaves together (uniform control flow for the barriers).
  if (widx >= total) { return; }
  let m = widx / (d.C * KK);
  let r = widx - m * d.C * KK;
  let c = r / KK;
  let r2 = r - c * KK;
  let ky = i32(r2 / d.k);
  let kx = i32(r2 - (r2 / d.k) * d.k);
  let P = d.OH * d.OW;
  let stride = i32(d.stride);
  let pad = i32(d.pad);
  var g = 0.0;
  for (var q = t; q < st.n * P; q += 64u) {
    let s = q / P;
    let p = q - s * P;
    let oy = p / d.OW;
    let ox = p - oy * d.OW;
    let iy = i32(oy) * stride - pad + ky;
    let ix = i32(ox) * stride - pad + kx;
    if (iy >= 0 && iy < i32(d.H) && ix >= 0 && ix < i32(d.W)) {
      g += dy[(s * d.M + m) * P + p] * x[((s * d.C + c) * d.H + u32(iy)) * d.W + u32(ix)];
    }
  }
  partial[t] = g;
  workgroupBarrier();
  reduce_sum(t);
  if (t == 0u) { dw[widx] = partial[0]; }
}
