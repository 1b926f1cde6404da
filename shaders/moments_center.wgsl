// Moment kernel, pass 1 of 2: per unit (row), a shift c close to the batch mean, the centred and
// zero-padded copy xc = x - c that the co-moment GEMM reads, and S1 = sum_s xc_s.
//
// One workgroup per padded row. The shift is c = x_0 + mean(x - x_0), so even a unit with mean 1e4
// and std 1 gets a shift within rounding of its mean (the sum runs over small numbers). The host
// forms mean = c + S1 / n and M2 = S2 - S1 S1' / n exactly in float64, so c need not be exact.
//
// The host substitutes WG (the workgroup size) from the device limits.
const WG: u32 = 256u;

struct Params {
  d: u32,          // valid rows (units)
  d_pad: u32,      // rows of xc (a multiple of the GEMM tile); rows >= d are written as zeros
  n: u32,          // valid samples in this chunk
  in_stride: u32,  // floats between consecutive rows of x
  in_offset: u32,  // first sample of this chunk within each row of x
  out_stride: u32, // floats per row of xc (n rounded up to the GEMM's sample tile)
  groups_x: u32,   // workgroups along x of the dispatch (rows beyond 65535 wrap into y)
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> xc: array<f32>;
// [0, d_pad): shift c; [d_pad, 2 d_pad): S1.
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;

var<workgroup> scratch: array<f32, WG>;

fn workgroup_sum(lid: u32, value: f32) -> f32 {
  workgroupBarrier(); // earlier readers of scratch are done
  scratch[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      scratch[lid] = scratch[lid] + scratch[lid + stride];
    }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&scratch[0]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * params.groups_x;
  if (row >= params.d_pad) {
    return;
  }
  let out_base = row * params.out_stride;
  if (row >= params.d) {
    for (var s = lid; s < params.out_stride; s = s + WG) {
      xc[out_base + s] = 0.0;
    }
    if (lid == 0u) {
      stats[row] = 0.0;
      stats[params.d_pad + row] = 0.0;
    }
    return;
  }
  let in_base = row * params.in_stride + params.in_offset;
  let n = params.n;

  // Shift: first sample plus the mean of the deviations from it.
  let x0 = x[in_base];
  var partial = 0.0;
  for (var s = lid; s < n; s = s + WG) {
    partial = partial + (x[in_base + s] - x0);
  }
  let c = x0 + workgroup_sum(lid, partial) / f32(n);

  // Centred, zero-padded copy and its sum.
  var s1 = 0.0;
  for (var s = lid; s < params.out_stride; s = s + WG) {
    var v = 0.0;
    if (s < n) {
      v = x[in_base + s] - c;
    }
    xc[out_base + s] = v;
    s1 = s1 + v;
  }
  let total = workgroup_sum(lid, s1);
  if (lid == 0u) {
    stats[row] = c;
    stats[params.d_pad + row] = total;
  }
}
