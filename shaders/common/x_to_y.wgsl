// The bindings of a shader that maps one tensor x to another y under the uniform block `params`
// (the including shader declares its struct Params).
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
