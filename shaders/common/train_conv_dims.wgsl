// The shape of a convolution layer for its two backward shaders (one uniform buffer serves both):
// input (C, H, W), output (M, OH, OW), a k x k kernel moved by `stride` over `pad` zeros.
struct Dims {
  C: u32,
  H: u32,
  W: u32,
  M: u32,
  OH: u32,
  OW: u32,
  k: u32,
  stride: u32,
  pad: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(1) var<uniform> d: Dims;
