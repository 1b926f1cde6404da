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
//#include "common/walk_fields.wgsl"
}

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

//#include "common/per_element.wgsl"

fn element(i: u32) {
  let o = walk_offsets(i);
  let ia = o.x;
  let ib = o.y;
  if (FN == 0u) {
    y[i] = a[ia] + b[ib];
  } else {
    y[i] = a[ia] * b[ib];
  }
}
