// Forward GlobalAveragePool: one workgroup per (n, c) plane of `size` values; the invocations
// stride over the plane and their sums are reduced in workgroup memory.
const WG: u32 = 256u;

struct Params {
  planes: u32,
  size: u32,
  grid_x: u32,
  _pad0: u32,
}

//#include "common/x_to_y.wgsl"

//#include "common/workgroup_sum.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let plane = wid.y * params.grid_x + wid.x;
  if (plane >= params.planes) {
    return;
  }
  let base = plane * params.size;
  var s = 0.0;
  for (var j = li; j < params.size; j = j + WG) {
    s = s + x[base + j];
  }
  partial[li] = s;
  workgroupBarrier();
  reduce_sum(li);
  if (li == 0u) {
    y[plane] = partial[0] / f32(params.size);
  }
}
