// Forward Conv (NCHW) as an implicit GEMM, per group g:
//   Y_g[m, p] = sum_k Wt_g[k, m] * X_col[k, p] (+ bias[m])
// with k = (c, ky, kx) over the group's C/group input channels and the kernel window
// (K = C/group * kh * kw), and p = (n, oy, ox) over the batch and the output pixels
// (P = N * OH * OW). X_col is never formed: each tile of it is gathered from x straight into
// workgroup memory, zero where the window sits on the padding.
//
// The weights come repacked (forward_conv_pack.wgsl, once per weight tensor and input size):
// k-major, output channels contiguous, each group's block zero-padded to K_PAD x MG_PAD (multiples
// of TK and TM), so the weight tile is copied with aligned vec4 loads and no bounds checks. After
// the weights the same buffer holds a table of K_PAD entries k -> (offset of (c, ky dh, kx dw) in the input
// plane stack, ky dh, kx dw), so gathering the input needs no integer division per k.
//
// One workgroup of (TP/RP) x (TM/RM) invocations owns a TM (channels) x TP (pixels) output tile;
// each invocation owns an RM x RP register block: channel quads ty, ty + TY, ... and pixel quads
// tx, tx + TX, ... (strided, so that neighbouring invocations read neighbouring vec4s of the
// staged tiles and write neighbouring pixels). Per step of TK k-values both tiles are staged in
// workgroup memory as vec4s (4 channels / 4 pixels each); every invocation then reads RM/4 + RP/4
// vec4s per k for RM x RP fused multiply-adds.
//
// The host substitutes TM, TP, TK, RM, RP (from the device limits and the layer's shape) and
// HAS_BIAS; all shapes are in `params`.
const TM: u32 = 64u;
const TP: u32 = 64u;
const TK: u32 = 16u;
const RM: u32 = 4u;
const RP: u32 = 4u;
const HAS_BIAS: u32 = 1u;

const M4: u32 = TM / 4u;
const P4: u32 = TP / 4u;
const TX: u32 = TP / RP;         // invocations along the pixels
const TY: u32 = TM / RM;         // invocations along the channels
const AM: u32 = RM / 4u;         // channel quads per invocation
const AP: u32 = RP / 4u;         // pixel quads per invocation
const THREADS: u32 = TX * TY;
// (k, pixel quad) pairs of the input tile and (k, channel quad) pairs of the weight tile, spread
// over the invocations. The host keeps THREADS a multiple of P4, so an invocation always loads the
// same pixel quad and its pixels' coordinates are computed once.
const X_ROUNDS: u32 = (TK * P4 + THREADS - 1u) / THREADS;
const W_ROUNDS: u32 = (TK * M4 + THREADS - 1u) / THREADS;

struct Params {
  c: u32,        // input channels
  h: u32,
  w: u32,
  m: u32,        // output channels
  oh: u32,
  ow: u32,
  mg: u32,       // output channels per group
  cg: u32,       // input channels per group
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  pt: i32,       // top pad
  pl: i32,       // left pad
  dh: u32,
  dw: u32,
  k: u32,        // cg * kh * kw
  p: u32,        // n * oh * ow
  k_pad: u32,    // k rounded up to TK
  mg_pad: u32,   // mg rounded up to TM
  m_tiles: u32,  // mg_pad / TM
  grid_x: u32,   // workgroups along x (pixel tiles are wid.y * grid_x + wid.x)
  table: u32,    // vec4 index of the k table in wt: group * k_pad * mg_pad / 4
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// [group][k_pad][mg_pad / 4] weights as f32 bit patterns, then the k table: k_pad vec4s of i32
// (offset, dy, dx, 0). Read as integers so the table never passes through float registers.
@group(0) @binding(2) var<storage, read> wt: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// w_tile[k * M4 + i]: channels 4i..4i+3 of the tile at k; x_tile[k * P4 + j]: pixels 4j..4j+3.
var<workgroup> w_tile: array<vec4<f32>, TK * M4>;
var<workgroup> x_tile: array<vec4<f32>, TK * P4>;

@compute @workgroup_size(TX, TY)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let p_tile = wid.y * params.grid_x + wid.x;
  let p0 = p_tile * TP;
  // Uniform across the workgroup (grid rounding), so the barriers below stay in uniform control flow.
  if (p0 >= params.p) {
    return;
  }
  let g = wid.z / params.m_tiles;
  let m_tile = wid.z % params.m_tiles;
  let hw = params.h * params.w;
  let ohw = params.oh * params.ow;

  // The four pixels this invocation gathers: the input offset of each one's window origin
  // (may be negative: the origin can sit in the padding) and the origin itself.
  let quad = li % P4;
  let pix = vec4<u32>(p0 + quad * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  let in_range = pix < vec4<u32>(params.p);
  let n = pix / ohw;
  let rem = pix % ohw;
  let iy0 = vec4<i32>((rem / params.ow) * params.sh) - vec4<i32>(params.pt);
  let ix0 = vec4<i32>((rem % params.ow) * params.sw) - vec4<i32>(params.pl);
  let origin = vec4<i32>((n * params.c + g * params.cg) * hw) + iy0 * i32(params.w) + ix0;
  let hi = vec4<i32>(i32(params.h));
  let wi = vec4<i32>(i32(params.w));
  let zero_i = vec4<i32>(0);

  // With one invocation row (TY == 1) the weight reads below are the same for the whole
  // workgroup: spelled as a constant so that compilers see a broadcast.
  let ty = select(lid.y, 0u, TY == 1u);
  let row4 = params.mg_pad / 4u;
  let w_group = g * params.k_pad;

  // acc[(4 i + c) * AP + j]: channel 4 (i TY + ty) + c, pixels of quad j TX + tx.
  var acc: array<vec4<f32>, RM * AP>;
  for (var i = 0u; i < RM * AP; i = i + 1u) {
    acc[i] = vec4<f32>(0.0);
  }

  let k_tiles = params.k_pad / TK;
  for (var t = 0u; t < k_tiles; t = t + 1u) {
    let k0 = t * TK;
    for (var r = 0u; r < W_ROUNDS; r = r + 1u) {
      let e = li + r * THREADS;
      if (e < TK * M4) {
        let kr = e / M4;
        let m4 = e % M4;
        w_tile[e] = bitcast<vec4<f32>>(wt[(w_group + k0 + kr) * row4 + m_tile * M4 + m4]);
      }
    }
    for (var r = 0u; r < X_ROUNDS; r = r + 1u) {
      let e = li + r * THREADS;
      if (e < TK * P4) {
        let kr = e / P4;
        let k = k0 + kr;
        var v = vec4<f32>(0.0);
        if (k < params.k) {
          let tap = bitcast<vec4<i32>>(wt[params.table + k]);
          let iy = iy0 + vec4<i32>(tap.y);
          let ix = ix0 + vec4<i32>(tap.z);
          let ok = in_range & (iy >= zero_i) & (iy < hi) & (ix >= zero_i) & (ix < wi);
          // Lanes outside the input read element 0 (always valid) and are zeroed.
          let idx = select(vec4<u32>(0u), vec4<u32>(origin + vec4<i32>(tap.x)), ok);
          v = select(vec4<f32>(0.0), vec4<f32>(x[idx.x], x[idx.y], x[idx.z], x[idx.w]), ok);
        }
        x_tile[e] = v;
      }
    }
    workgroupBarrier();

    for (var kr = 0u; kr < TK; kr = kr + 1u) {
      var b: array<vec4<f32>, AP>;
      for (var j = 0u; j < AP; j = j + 1u) {
        b[j] = x_tile[kr * P4 + j * TX + lid.x];
      }
      for (var i = 0u; i < AM; i = i + 1u) {
        let a = w_tile[kr * M4 + i * TY + ty];
        for (var j = 0u; j < AP; j = j + 1u) {
          let r = 4u * i * AP + j;
          acc[r] = fma(vec4<f32>(a.x), b[j], acc[r]);
          acc[r + AP] = fma(vec4<f32>(a.y), b[j], acc[r + AP]);
          acc[r + 2u * AP] = fma(vec4<f32>(a.z), b[j], acc[r + 2u * AP]);
          acc[r + 3u * AP] = fma(vec4<f32>(a.w), b[j], acc[r + 3u * AP]);
        }
      }
    }
    workgroupBarrier();
  }

  // Output: channel g * mg + ml, pixel p at y[(n * m + channel) * ohw + p % ohw], n = p / ohw.
  for (var j = 0u; j < AP; j = j + 1u) {
    let out_pix = vec4<u32>(p0 + (j * TX + lid.x) * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
    let out_ok = out_pix < vec4<u32>(params.p);
    let out_base = (out_pix / ohw) * params.m * ohw + out_pix % ohw;
    for (var i = 0u; i < AM; i = i + 1u) {
      for (var c = 0u; c < 4u; c = c + 1u) {
        let ml = m_tile * TM + (i * TY + ty) * 4u + c;
        if (ml < params.mg) {
          let ch = g * params.mg + ml;
          var v = acc[(4u * i + c) * AP + j];
          if (HAS_BIAS == 1u) {
            v = v + vec4<f32>(bias[ch]);
          }
          let o = out_base + vec4<u32>(ch * ohw);
          if (out_ok.x) { y[o.x] = v.x; }
          if (out_ok.y) { y[o.y] = v.y; }
          if (out_ok.z) { y[o.z] = v.z; }
          if (out_ok.w) { y[o.w] = v.w; }
        }
      }
    }
  }
}
