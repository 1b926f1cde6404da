// Repacks Conv weights for forward_conv.wgsl: w (M, C/group, kh, kw), i.e. per group a
// (MG, K) row-major matrix, becomes wt[g][k][m] of shape (group, K_PAD, MG_PAD) with the output
// channels contiguous and zeros in the padding (as u32 bit patterns). After it (at float `count`) comes the k table,
// K_PAD entries of 4 bitcast i32: for k = (c, ky, kx), the offset c H W + ky dh W + kx dw of the
// tap in the input, ky dh and kx dw (zeros past K). Runs once per weight tensor and input size
// (the host caches the result).
const WG: u32 = 256u;

struct Params {
  k: u32,        // C/group * kh * kw
  mg: u32,       // output channels per group
  k_pad: u32,
  mg_pad: u32,
  count: u32,    // group * k_pad * mg_pad
  grid_x: u32,
  kh: u32,
  kw: u32,
  dh: u32,
  dw: u32,
  h: u32,        // input height and width
  w: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// u32, so that the table's small integers never pass through a float register (denormals could be
// flushed); the weights are stored as their bit patterns.
@group(0) @binding(2) var<storage, read_write> wt: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let e = (wid.y * params.grid_x + wid.x) * WG + li;
  if (e < params.count) {
    let m = e % params.mg_pad;
    let gk = e / params.mg_pad;
    let k = gk % params.k_pad;
    let g = gk / params.k_pad;
    var v = 0.0;
    if (k < params.k && m < params.mg) {
      v = w[(g * params.mg + m) * params.k + k];
    }
    wt[e] = bitcast<u32>(v);
    return;
  }
  let k = e - params.count;
  if (k >= params.k_pad) {
    return;
  }
  var tap = vec4<i32>(0);
  if (k < params.k) {
    let khw = params.kh * params.kw;
    let c = k / khw;
    let dy = ((k % khw) / params.kw) * params.dh;
    let dx = (k % params.kw) * params.dw;
    tap = vec4<i32>(i32(c * params.h * params.w + dy * params.w + dx), i32(dy), i32(dx), 0);
  }
  let t = params.count + 4u * k;
  wt[t] = bitcast<u32>(tap.x);
  wt[t + 1u] = bitcast<u32>(tap.y);
  wt[t + 2u] = bitcast<u32>(tap.z);
  wt[t + 3u] = bitcast<u32>(tap.w);
}
