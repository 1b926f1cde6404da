// Index spaces of up to 8 axes (outermost first), each per-axis list packed in the uniform block
// as array<vec4<u32>, 2>; the host merges axes that every operand walks alike, so rank is small.
//
// The uniform `params` (binding 0, declared here) holds the walk: the including shader's struct
// Params has a `rank` and ends with common/walk_fields.wgsl (`dims`, `strides_a`, `strides_b`).
// (The function reads them in place: passing the arrays as arguments copies them per invocation,
// which costs these one-element-per-invocation kernels about a third of their speed.)

@group(0) @binding(0) var<uniform> params: Params;

/** The element offsets under strides_a and strides_b of flat index i of the index space dims (row-major). */
fn walk_offsets(i: u32) -> vec2<u32> {
  var rest = i;
  var a = 0u;
  var b = 0u;
  for (var k = params.rank; k > 0u; k = k - 1u) {
    let q = (k - 1u) / 4u;
    let r = (k - 1u) % 4u;
    let size = params.dims[q][r];
    let coord = rest % size;
    rest = rest / size;
    a = a + coord * params.strides_a[q][r];
    b = b + coord * params.strides_b[q][r];
  }
  return vec2<u32>(a, b);
}
