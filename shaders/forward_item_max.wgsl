// Per plane of a (planes, S) block of f32 (S = the positions of one map): the maximum over the S
// positions and the first position holding it. A batch-first (N, C, S) tensor is N x C planes; a
// unit-major (C, N x S) capture is C x N planes. The probe's top-k records need only these pairs,
// so the activations themselves never leave the device.
//
// LANES invocations per plane, WG / LANES planes per workgroup: LANES = 1 for dense layers (S = 1,
// a plain scan per invocation, no idle lanes), up to WG for large maps. Lanes stride over the
// plane and their (value, position) pairs are reduced in workgroup memory. The reduction keeps
// the larger value and, on a tie, the smaller position, so the result is the first maximum
// whatever LANES is (the same as a scan with a strict `>`). Where a plane holds NaN the result
// is unspecified: the probe rejects non-finite layers through their moments anyway.
//
// Plane p is x[src_base + p * S ...]. Output (u32 words, so that values and positions share one
// buffer and one read-back):
//   out[value_base + p]    = bitcast<u32>(max)
//   out[position_base + p] = position of the max
const WG: u32 = 64u;
const LANES: u32 = 1u;
const NONE: u32 = 0xffffffffu;

struct Params {
  planes: u32,
  size: u32,
  grid_x: u32,
  src_base: u32,
  value_base: u32,
  position_base: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_at: array<u32, WG>;

/** Whether (v, a) beats (w, b): larger, or equal and earlier. NONE marks "no value yet". */
fn beats(v: f32, a: u32, w: f32, b: u32) -> bool {
  if (a == NONE) {
    return false;
  }
  return b == NONE || v > w || (v == w && a < b);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lane = li % LANES;
  let plane = (wid.y * params.grid_x + wid.x) * (WG / LANES) + li / LANES;
  // No early return: every invocation must reach the barriers below.
  let valid = plane < params.planes;
  var v = 0.0;
  var a = NONE;
  if (valid) {
    let first = params.src_base + plane * params.size;
    for (var j = lane; j < params.size; j = j + LANES) {
      let w = x[first + j];
      if (beats(w, j, v, a)) {
        v = w;
        a = j;
      }
    }
  }
  best_value[li] = v;
  best_at[li] = a;
  workgroupBarrier();
  // Each plane's lanes are a contiguous, aligned run of LANES slots: halve it down to lane 0.
  for (var half = LANES / 2u; half > 0u; half = half / 2u) {
    if (lane < half && beats(best_value[li + half], best_at[li + half], best_value[li], best_at[li])) {
      best_value[li] = best_value[li + half];
      best_at[li] = best_at[li + half];
    }
    workgroupBarrier();
  }
  if (valid && lane == 0u) {
    out[params.value_base + plane] = bitcast<u32>(best_value[li]);
    out[params.position_base + plane] = best_at[li];
  }
}
