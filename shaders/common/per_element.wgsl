// The entry point of the shaders that compute one output element per invocation: a 2-D grid of
// WG-wide workgroups (src/gpu/workgroups.ts linearGrid) numbers the invocations, and each one
// below `params.count` calls the including shader's `fn element(i: u32)`. The including shader
// declares WG and a uniform `params` with `count` and `grid_x`.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * params.grid_x + wid.x) * WG + li;
  if (i >= params.count) {
    return;
  }
  element(i);
}
