// Training, WebGPU: ReLU backward in place, dy = y > 0 ? dy : 0 over n * size values.
struct Step {
  start: u32,
  n: u32,
  step: u32,
  pad0: u32,
  lr: f32,
  momentum: f32,
  decay: f32,
  scale: f32,
}
struct Dims {
  size: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> dims: Dims;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= st.n * dims.size) { return; }
  if (!(y[idx] > 0.0)) { dy[idx] = 0.0; }
}
