// Training, WebGPU: the input gradient of a convolution, one thread per input value:
// dx[s,c,iy,ix] = sum over m, ky, kx with iy = oy * stride - pad + ky (likewise x) of
// W[m,c,ky,kx] dy[s,m,oy,ox]. Terms in order m, ky, kx.
//#include "common/train_step.wgsl"
//#include "common/train_conv_dims.wgsl"
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  let HW = d.H * d.W;
  let per = d.C * HW;
  if (idx >= st.n * per) { return; }
  let s = idx / per;
  let r = idx - s * per;
  let c = r / HW;
  let r2 = r - c * HW;
  let iy = i32(r2 / d.W);
  let ix = i32(r2 - (r2 / d.W) * d.W);
  let stride = i32(d.stride);
  let pad = i32(d.pad);
  let K = i32(d.k);
  var g = 0.0;
  for (var m = 0u; m < d.M; m++) {
    let dyPlane = (s * d.M + m) * d.OH * d.OW;
    let wTaps = (m * d.C + c) * d.k * d.k;
    for (var ky = 0; ky < K; ky++) {
      let ty = iy + pad - ky;
      if (ty < 0 || ty % stride != 0) { continue; }
      let oy = ty / stride;
      if (oy >= i32(d.OH)) { continue; }
      for (var kx = 0; kx < K; kx++) {
        let tx = ix + pad - kx;
        if (tx < 0 || tx % stride != 0) { continue; }
        let ox = tx / stride;
        if (ox >= i32(d.OW)) { continue; }
        g += w[wTaps + u32(ky * K + kx)] * dy[dyPlane + u32(oy) * d.OW + u32(ox)];
      }
    }
  }
  dx[idx] = g;
}
