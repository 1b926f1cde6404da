  // The walk that common/index_walk.wgsl reads (the host fills it from mergeAxes): per axis,
  // outermost first, the size and the element strides of operand a (or the source) and of
  // operand b (or the destination), 0 where an operand is broadcast.
  dims: array<vec4<u32>, 2>,
  strides_a: array<vec4<u32>, 2>,
  strides_b: array<vec4<u32>, 2>,
