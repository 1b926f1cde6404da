// Training, WebGPU: bias gradients, one workgroup per channel m: db[m] = sum over samples s and
// positions p < P of dy[(s M + m) P + p] (P = OH OW for a conv, 1 for a fully connected layer).
// Partial sums per thread in order, then a fixed tree (deterministic).
//#include "common/train_step.wgsl"
struct Dims {
  M: u32,
  P: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;

const WG: u32 = 64u;
//#include "common/workgroup_sum.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let m = wg.x + wg.y * nwg.x;
  if (m >= d.M) { return; }
  var g = 0.0;
  for (var q = t; q < st.n * d.P; q += 64u) {
    let s = q / d.P;
    let p = q - s * d.P;
    g += dy[(s * d.M + m) * d.P + p];
  }
  partial[t] = g;
  workgroupBarrier();
  reduce_sum(t);
  if (t == 0u) { db[m] = partial[0]; }
}
