// Forward GlobalAveragePool: one workgroup per (n, c) plane of `size` values; the invocations
// stride over the plane and their sums are reduced in workgroup memory.
const WG: u32 = 256u;

struct Params {
  planes: u32,
  size: u32,
  grid_x: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WG>;

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
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) {
      partial[li] = partial[li] + partial[li + half];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    y[plane] = partial[0] / f32(params.size);
  }
}
