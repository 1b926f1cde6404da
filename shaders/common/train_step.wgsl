// What every training shader shares: the step's uniform block (binding 0, written once per step
// by src/train/webgpu-trainer.ts) and the flat index of a 64-wide invocation of a 2-D dispatch.
struct Step {
  start: u32,
  n: u32,
  step: u32,
  pad0: u32,
  lr: f32,
  momentum: f32,
  decay: f32,
  scale: f32,
}
@group(0) @binding(0) var<uniform> st: Step;

/** The invocation's index over a dispatch of (x, y) workgroups of 64 (src/gpu/workgroups.ts grid()). */
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * 64u;
}
