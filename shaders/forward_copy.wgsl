// Strided copy over an index space of up to 8 axes (outermost first): the element at coordinates
// (c_0, ..., c_r-1) moves from src[src_base + sum c_d src_strides[d]] to
// dst[dst_base + sum c_d dst_strides[d]]. Transpose (dst contiguous, src strides permuted),
// Concat (src contiguous, dst rows wider) and the unit-major capture (dst rows of another buffer)
// are all this one kernel; the host merges axes that both sides traverse contiguously.
//#include "common/index_walk.wgsl"

const WG: u32 = 256u;

struct Params {
  count: u32,
  grid_x: u32,
  rank: u32,
  src_base: u32,
  dst_base: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
//#include "common/walk_fields.wgsl"
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

//#include "common/per_element.wgsl"

fn element(i: u32) {
  let o = walk_offsets(i);
  let s = params.src_base + o.x;
  let d = params.dst_base + o.y;
  dst[d] = src[s];
}
