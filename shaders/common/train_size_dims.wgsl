// The uniform block (binding 1) of the training shaders that walk `size` values per sample.
struct Dims {
  size: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(1) var<uniform> dims: Dims;
