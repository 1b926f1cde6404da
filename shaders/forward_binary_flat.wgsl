// Forward Add / Mul of two operands of the same shape (FN 0 add, 1 mul), 4 values per invocation
// (the device tensors are padded to 16 bytes; values past the end are padding).
const WG: u32 = 256u;
const FN: u32 = 0u;

struct Params {
  count4: u32,
  grid_x: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * params.grid_x + wid.x) * WG + li;
  if (i >= params.count4) {
    return;
  }
  if (FN == 0u) {
    y[i] = a[i] + b[i];
  } else {
    y[i] = a[i] * b[i];
  }
}
