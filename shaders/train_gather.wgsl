// Training, WebGPU: copies the batch's samples from the data set on the device into the input
// tensor. pairs[start + j] = (item index, label) of batch sample j; x[j][i] = images[item][i].
//#include "common/train_step.wgsl"
//#include "common/train_size_dims.wgsl"
@group(0) @binding(2) var<storage, read> images: array<f32>;
@group(0) @binding(3) var<storage, read> pairs: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= st.n * dims.size) { return; }
  let j = idx / dims.size;
  let i = idx - j * dims.size;
  let item = pairs[st.start + j].x;
  x[idx] = images[item * dims.size + i];
}
