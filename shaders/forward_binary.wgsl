// Forward Add / Mul with numpy broadcasting, one output element per invocation (FN 0 add, 1 mul).
// The host merges axes that both operands traverse alike, so `rank` is small; per output axis
// (outermost first, up to 8) the operands' element strides are 0 where they are broadcast.
//#include "common/index_walk.wgsl"

const WG: u32 = 256u;
const FN: u32 = 0u;

struct Params {
  count: u32,
  grid_x: u32,
  rank: u32,
  _pad0: u32,
  dims: array<vec4<u32>, 2>,
  strides_a: array<vec4<u32>, 2>, // of a
  strides_b: array<vec4<u32>, 2>, // of b
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * params.grid_x + wid.x) * WG + li;
  if (i >= params.count) {
    return;
  }
  let o = walk_offsets(i);
  let ia = o.x;
  let ib = o.y;
  if (FN == 0u) {
    y[i] = a[ia] + b[ib];
  } else {
    y[i] = a[ia] * b[ib];
  }
}
