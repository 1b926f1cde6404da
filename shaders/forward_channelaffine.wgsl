// Forward per-channel affine map (an unfolded BatchNormalization): on x viewed as
// (N, C, inner), y = x * scale[c] + shift[c]. One element per invocation.
const WG: u32 = 256u;

struct Params {
  count: u32,
  grid_x: u32,
  channels: u32,
  inner: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

//#include "common/per_element.wgsl"

fn element(i: u32) {
  let c = (i / params.inner) % params.channels;
  y[i] = x[i] * scale[c] + shift[c];
}
