// Training, WebGPU: fully connected backward, y = x W' + b with x (n, I), W (O, I), dy (n, O).
// Entry point `weight`: one thread per W[j][i], dw = sum over samples s (in order) of
// dy[s][j] x[s][i]. Entry point `input`: one thread per x[s][i], dx = sum over j of dy[s][j] W[j][i].
//#include "common/train_step.wgsl"
struct Dims {
  I: u32,
  O: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// a = x (n, I); out = dw (O, I).
@compute @workgroup_size(64)
fn weight(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= d.O * d.I) { return; }
  let j = idx / d.I;
  let i = idx - j * d.I;
  var g = 0.0;
  for (var s = 0u; s < st.n; s++) { g += dy[s * d.O + j] * a[s * d.I + i]; }
  out[idx] = g;
}

// a = W (O, I); out = dx (n, I).
@compute @workgroup_size(64)
fn input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= st.n * d.I) { return; }
  let s = idx / d.I;
  let i = idx - s * d.I;
  var g = 0.0;
  for (var j = 0u; j < d.O; j++) { g += dy[s * d.O + j] * a[j * d.I + i]; }
  out[idx] = g;
}
