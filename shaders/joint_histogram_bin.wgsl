// Joint histograms, binning step (contract: src/kernels/joint-histogram/contract.ts): every f32
// value of a unit-major batch to its bin, bin(x) = #{k : edges[u][k] < x}, by a binary search over
// the unit's `ne` edges. The edges are f32, each the largest f32 <= the float64 edge, which makes
// the comparison with an f32 value exact. Four bins are packed little-endian in a u32: unit u's
// sample s is byte (s % 4) of word u * words + s / 4. One invocation per word.

const WG: u32 = 64u;

struct BinParams {
  units: u32,
  n: u32,
  words: u32,
  ne: u32,
  grid_x: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> bp: BinParams;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> edges: array<f32>;
@group(0) @binding(3) var<storage, read_write> packed: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * bp.grid_x) * WG + lid;
  if (i >= bp.units * bp.words) {
    return;
  }
  let u = i / bp.words;
  let w = i % bp.words;
  let e0 = u * bp.ne;
  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let s = w * 4u + k;
    if (s < bp.n) {
      let x = values[u * bp.n + s];
      var lo = 0u;
      var hi = bp.ne;
      while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (edges[e0 + mid] < x) {
          lo = mid + 1u;
        } else {
          hi = mid;
        }
      }
      word = word | (lo << (8u * k));
    }
  }
  packed[i] = word;
}

