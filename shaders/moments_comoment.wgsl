// Moment kernel, pass 2 of 2: S2 = Xc Xc' over the samples of a chunk, in f32, for the upper
// triangle of TILE x TILE output tiles only (workgroups below the diagonal return at once).
//
// xc is the centred, zero-padded matrix from moments_center.wgsl: d_pad rows of stride4 vec4s, so
// no bounds checks are needed. Each workgroup of (TILE/4) x (TILE/4) invocations owns one output
// tile and one split (a range of sample tiles, workgroup_id.z); each invocation owns a 4 x 4 block
// of outputs held in registers. Per sample tile of TILE_K samples, both TILE x TILE_K slices are
// staged in workgroup memory transposed (sample-major, 4 units per vec4), then every invocation
// forms the 4 x 4 block's partial sum over those TILE_K samples.
//
// Rounding: the partial over TILE_K samples is added to a mid-level sum, which is added to the
// running total every MID tiles; a split's total therefore adds up at most TILE_K + MID +
// tiles/MID terms in any one chain instead of n, and splits are summed by moments_reduce.wgsl.
//
// The host substitutes TILE and TILE_K from the device limits.
const TILE: u32 = 64u;
const TILE_K: u32 = 32u;
const MID: u32 = 32u;

const T4: u32 = TILE / 4u;                        // vec4s across a tile; also invocations per side
const K4: u32 = TILE_K / 4u;                      // vec4s along a sample tile
const THREADS: u32 = T4 * T4;
const BLOCKS: u32 = T4 * K4;                      // 4 x 4 blocks per staged slice
const LOAD_ROUNDS: u32 = (2u * BLOCKS + THREADS - 1u) / THREADS;

struct Params {
  n_tiles: u32,           // output tiles per side: d_pad / TILE
  stride4: u32,           // vec4s per row of xc
  k_tiles: u32,           // sample tiles in the chunk: stride4 / K4
  k_tiles_per_split: u32, // sample tiles per split (workgroup_id.z)
  pairs: u32,             // n_tiles (n_tiles + 1) / 2 upper-triangle tiles
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xc: array<vec4<f32>>;
// [split][pair][TILE rows][T4 vec4s], pair = tj (tj + 1) / 2 + ti.
@group(0) @binding(2) var<storage, read_write> partials: array<vec4<f32>>;

// Sample-major: a_tile[k * T4 + (r4 ^ ((k / 4) & (T4 - 1)))] holds units 4 r4 .. 4 r4 + 3 of
// sample k (the XOR swizzle spreads the transposing stores over the banks).
var<workgroup> a_tile: array<vec4<f32>, TILE_K * T4>;
var<workgroup> b_tile: array<vec4<f32>, TILE_K * T4>;

@compute @workgroup_size(T4, T4)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let ti = wid.y;
  let tj = wid.x;
  if (ti > tj) {
    return;
  }
  let split = wid.z;
  let t_begin = split * params.k_tiles_per_split;
  let t_end = min(t_begin + params.k_tiles_per_split, params.k_tiles);
  let stride4 = params.stride4;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var mid0 = vec4<f32>(0.0);
  var mid1 = vec4<f32>(0.0);
  var mid2 = vec4<f32>(0.0);
  var mid3 = vec4<f32>(0.0);
  var in_mid = 0u;

  for (var t = t_begin; t < t_end; t = t + 1u) {
    // Stage both slices: each invocation loads 4 units x 4 samples and stores them transposed.
    for (var round = 0u; round < LOAD_ROUNDS; round = round + 1u) {
      let q = li + round * THREADS;
      if (q < 2u * BLOCKS) {
        let second = q >= BLOCKS;
        let b = select(q, q - BLOCKS, second);
        let r4 = b / K4;
        let c4 = b % K4;
        let tile_row = select(ti, tj, second);
        let base = (tile_row * TILE + r4 * 4u) * stride4 + t * K4 + c4;
        let v0 = xc[base];
        let v1 = xc[base + stride4];
        let v2 = xc[base + 2u * stride4];
        let v3 = xc[base + 3u * stride4];
        // Swizzled: the vec4 column of units r4 is stored at r4 ^ c4, so that the 4 x 4 blocks
        // of one row group (consecutive c4) land in different banks.
        let dst = c4 * 4u * T4 + (r4 ^ (c4 & (T4 - 1u)));
        if (second) {
          b_tile[dst] = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
          b_tile[dst + T4] = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
          b_tile[dst + 2u * T4] = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
          b_tile[dst + 3u * T4] = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
        } else {
          a_tile[dst] = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
          a_tile[dst + T4] = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
          a_tile[dst + 2u * T4] = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
          a_tile[dst + 3u * T4] = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
        }
      }
    }
    workgroupBarrier();

    var p0 = vec4<f32>(0.0);
    var p1 = vec4<f32>(0.0);
    var p2 = vec4<f32>(0.0);
    var p3 = vec4<f32>(0.0);
    for (var k = 0u; k < TILE_K; k = k + 1u) {
      let swizzle = (k / 4u) & (T4 - 1u);
      let a = a_tile[k * T4 + (lid.y ^ swizzle)];
      let b = b_tile[k * T4 + (lid.x ^ swizzle)];
      p0 = fma(vec4<f32>(a.x), b, p0);
      p1 = fma(vec4<f32>(a.y), b, p1);
      p2 = fma(vec4<f32>(a.z), b, p2);
      p3 = fma(vec4<f32>(a.w), b, p3);
    }
    workgroupBarrier();

    mid0 = mid0 + p0;
    mid1 = mid1 + p1;
    mid2 = mid2 + p2;
    mid3 = mid3 + p3;
    in_mid = in_mid + 1u;
    if (in_mid == MID) {
      acc0 = acc0 + mid0;
      acc1 = acc1 + mid1;
      acc2 = acc2 + mid2;
      acc3 = acc3 + mid3;
      mid0 = vec4<f32>(0.0);
      mid1 = vec4<f32>(0.0);
      mid2 = vec4<f32>(0.0);
      mid3 = vec4<f32>(0.0);
      in_mid = 0u;
    }
  }
  acc0 = acc0 + mid0;
  acc1 = acc1 + mid1;
  acc2 = acc2 + mid2;
  acc3 = acc3 + mid3;

  let pair = tj * (tj + 1u) / 2u + ti;
  let out = ((split * params.pairs + pair) * TILE + lid.y * 4u) * T4 + lid.x;
  partials[out] = acc0;
  partials[out + T4] = acc1;
  partials[out + 2u * T4] = acc2;
  partials[out + 3u * T4] = acc3;
}
