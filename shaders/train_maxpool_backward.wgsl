// Training, WebGPU: max pooling backward without atomics. One thread per input value: it visits
// the (at most ceil(k / stride)^2) windows that contain it, finds each window's first maximum in
// row-major order (the reference's rule) from x, and adds the window's gradient where that is it.
//#include "common/train_step.wgsl"
struct Dims {
  C: u32,
  H: u32,
  W: u32,
  OH: u32,
  OW: u32,
  k: u32,
  stride: u32,
  pad0: u32,
}
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  let HW = d.H * d.W;
  if (idx >= st.n * d.C * HW) { return; }
  let plane = idx / HW;
  let r = idx - plane * HW;
  let iy = r / d.W;
  let ix = r - iy * d.W;
  let xp = plane * HW;
  let yp = plane * d.OH * d.OW;
  // Windows oy with oy * stride <= iy < oy * stride + k.
  let oy0 = select(0u, (iy + 1u - d.k + d.stride - 1u) / d.stride, iy + 1u > d.k);
  let oy1 = min(iy / d.stride, d.OH - 1u);
  let ox0 = select(0u, (ix + 1u - d.k + d.stride - 1u) / d.stride, ix + 1u > d.k);
  let ox1 = min(ix / d.stride, d.OW - 1u);
  var g = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    for (var ox = ox0; ox <= ox1; ox++) {
      let first = xp + oy * d.stride * d.W + ox * d.stride;
      var best = x[first];
      var at = first;
      for (var ky = 0u; ky < d.k; ky++) {
        for (var kx = 0u; kx < d.k; kx++) {
          let i = first + ky * d.W + kx;
          if (x[i] > best) {
            best = x[i];
            at = i;
          }
        }
      }
      if (at == idx) { g += dy[yp + oy * d.OW + ox]; }
    }
  }
  dx[idx] = g;
}
