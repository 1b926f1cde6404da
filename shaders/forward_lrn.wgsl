// Forward LRN across channels on x viewed as (N, C, inner), one element per invocation:
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - below, c + above]) ^ beta
// (the window clipped to the channels that exist; below = floor((size-1)/2), above = ceil).
const WG: u32 = 256u;

struct Params {
  count: u32,
  grid_x: u32,
  channels: u32,
  inner: u32,
  below: u32,
  above: u32,
  scale: f32,    // alpha / size
  bias: f32,
  beta: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

//#include "common/x_to_y.wgsl"

//#include "common/per_element.wgsl"

fn element(i: u32) {
  let inner = params.inner;
  let c = (i / inner) % params.channels;
  // Offset of channel 0 at this position.
  let c0 = i - c * inner;
  let lo = select(0u, c - params.below, c >= params.below);
  let hi = min(params.channels - 1u, c + params.above);
  var s = 0.0;
  for (var k = lo; k <= hi; k = k + 1u) {
    let v = x[c0 + k * inner];
    s = s + v * v;
  }
  y[i] = x[i] / pow(params.bias + params.scale * s, params.beta);
}
