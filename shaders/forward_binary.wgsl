// Forward Add / Mul with numpy broadcasting, one output element per invocation (FN 0 add, 1 mul).
// The host merges axes that both operands traverse alike, so `rank` is small; per output axis
// (outermost first, up to 8) the operands' element strides are 0 where they are broadcast.
const WG: u32 = 256u;
const FN: u32 = 0u;

struct Params {
  count: u32,
  grid_x: u32,
  rank: u32,
  _pad0: u32,
  dims: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
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
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = params.rank; d > 0u; d = d - 1u) {
    let q = (d - 1u) / 4u;
    let r = (d - 1u) % 4u;
    let size = params.dims[q][r];
    let coord = rest % size;
    rest = rest / size;
    ia = ia + coord * params.a_strides[q][r];
    ib = ib + coord * params.b_strides[q][r];
  }
  if (FN == 0u) {
    y[i] = a[ia] + b[ib];
  } else {
    y[i] = a[ia] * b[ib];
  }
}
