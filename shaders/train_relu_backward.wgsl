// Training, WebGPU: ReLU backward in place, dy = y > 0 ? dy : 0 over n * size values.
//#include "common/train_step.wgsl"
//#include "common/train_size_dims.wgsl"
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= st.n * dims.size) { return; }
  if (!(y[idx] > 0.0)) { dy[idx] = 0.0; }
}
