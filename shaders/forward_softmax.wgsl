// Forward Softmax over the middle axis of x viewed as (outer, axis, inner): one workgroup per row
// (outer index o, inner index i; the row's values are `inner` apart). The maximum and then the
// sum of exp(x - max) are reduced in workgroup memory; exp is recomputed for the output.
const WG: u32 = 256u;

struct Params {
  rows: u32,
  axis: u32,
  inner: u32,
  grid_x: u32,
}

//#include "common/x_to_y.wgsl"

//#include "common/workgroup_sum.wgsl"

fn reduce_max(li: u32) {
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) {
      partial[li] = max(partial[li], partial[li + half]);
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wid.y * params.grid_x + wid.x;
  if (row >= params.rows) {
    return;
  }
  let inner = params.inner;
  let base = (row / inner) * params.axis * inner + row % inner;

  var m = -3.4028234663852886e38;
  for (var a = li; a < params.axis; a = a + WG) {
    m = max(m, x[base + a * inner]);
  }
  partial[li] = m;
  workgroupBarrier();
  reduce_max(li);
  let row_max = partial[0];
  workgroupBarrier();

  var s = 0.0;
  for (var a = li; a < params.axis; a = a + WG) {
    s = s + exp(x[base + a * inner] - row_max);
  }
  partial[li] = s;
  workgroupBarrier();
  reduce_sum(li);
  let inv = 1.0 / partial[0];

  for (var a = li; a < params.axis; a = a + WG) {
    y[base + a * inner] = exp(x[base + a * inner] - row_max) * inv;
  }
}
