// Training, WebGPU: SGD with momentum and L2 weight decay on one parameter tensor (as
// torch.optim.SGD): g = grad + decay w; v = momentum v + g; w = w - lr v.
//#include "common/train_step.wgsl"
struct Dims {
  count: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= d.count) { return; }
  let wi = w[idx];
  let g = grad[idx] + st.decay * wi;
  let vi = st.momentum * v[idx] + g;
  v[idx] = vi;
  w[idx] = wi - st.lr * vi;
}
