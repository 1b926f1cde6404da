// Forward activations, 4 values per invocation: FN 0 relu, 1 leakyrelu (slope alpha),
// 2 clip (to [lo, hi], infinite when absent), 3 sigmoid. Tensors are padded to 16 bytes on the
// device, so the last vec4 may cover up to 3 values past the end: they are padding and ignored.
const WG: u32 = 256u;
const FN: u32 = 0u;

struct Params {
  count4: u32,
  grid_x: u32,
  alpha: f32,
  lo: f32,
  hi: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

fn apply(v: vec4<f32>) -> vec4<f32> {
  let zero = vec4<f32>(0.0);
  if (FN == 0u) {
    // select keeps NaN (NaN < 0 is false), like the reference.
    return select(v, zero, v < zero);
  } else if (FN == 1u) {
    return select(v, v * params.alpha, v < zero);
  } else if (FN == 2u) {
    return min(max(v, vec4<f32>(params.lo)), vec4<f32>(params.hi));
  }
  return 1.0 / (1.0 + exp(-v));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * params.grid_x + wid.x) * WG + li;
  if (i < params.count4) {
    y[i] = apply(x[i]);
  }
}
