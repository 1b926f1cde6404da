// Moment kernel, split reduction: out[i] = sum over splits of partials[split][i], for the packed
// upper-triangle tiles of S2 (vec4 elements). Splits are few (at most a few dozen), summed in order.
const WG: u32 = 256u;

struct Params {
  len4: u32,     // vec4 elements per split
  splits: u32,
  groups_x: u32, // workgroups along x of the dispatch
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> sums: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * params.groups_x) * WG + lid;
  if (i >= params.len4) {
    return;
  }
  var s = vec4<f32>(0.0);
  for (var z = 0u; z < params.splits; z = z + 1u) {
    s = s + partials[z * params.len4 + i];
  }
  sums[i] = s;
}
