// Forward Pad (ONNX modes constant / reflect / edge; MODE 0 / 1 / 2), one output element per
// invocation over up to 8 axes (outermost first). Output coordinate o maps to input coordinate
// i = o - begin; out of [0, size): constant writes `value`, reflect mirrors about the edge
// without repeating it (-1 -> 1, size -> size - 2), edge clamps.
const WG: u32 = 256u;
const MODE: u32 = 0u;

struct Params {
  count: u32,
  grid_x: u32,
  rank: u32,
  value: f32,
  out_dims: array<vec4<u32>, 2>,
  in_dims: array<vec4<u32>, 2>,
  begins: array<vec4<u32>, 2>,
  in_strides: array<vec4<u32>, 2>,
}

//#include "common/x_to_y.wgsl"

//#include "common/per_element.wgsl"

fn element(i: u32) {
  var rest = i;
  var src = 0u;
  var inside = true;
  for (var k = params.rank; k > 0u; k = k - 1u) {
    let q = (k - 1u) / 4u;
    let r = (k - 1u) % 4u;
    let size = params.out_dims[q][r];
    let coord = i32(rest % size);
    rest = rest / size;
    let n = i32(params.in_dims[q][r]);
    var c = coord - i32(params.begins[q][r]);
    if (c < 0 || c >= n) {
      if (MODE == 0u) {
        inside = false;
      } else if (MODE == 1u) {
        // One reflection (ONNX requires pads < size for reflect); size 1 reflects onto itself.
        if (c < 0) { c = -c; }
        if (c >= n) { c = 2 * (n - 1) - c; }
        c = clamp(c, 0, n - 1);
      } else {
        c = clamp(c, 0, n - 1);
      }
    }
    src = src + u32(c) * params.in_strides[q][r];
  }
  if (inside) {
    y[i] = x[src];
  } else {
    y[i] = params.value;
  }
}
