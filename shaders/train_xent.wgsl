// Training, WebGPU: softmax cross-entropy of a batch. dlogits = (softmax(z) - onehot) * scale and
// the batch's summed loss in losses[step]. One workgroup: thread t takes rows t, t + 64, ... and
// sums their losses in order; thread 0 then adds the 64 partial sums in order (deterministic).
//#include "common/train_step.wgsl"
struct Dims {
  classes: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(1) var<uniform> dims: Dims;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> pairs: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) t: u32) {
  let K = dims.classes;
  var sumLoss = 0.0;
  for (var j = t; j < st.n; j += 64u) {
    let row = j * K;
    var m = logits[row];
    for (var k = 1u; k < K; k++) { m = max(m, logits[row + k]); }
    var s = 0.0;
    for (var k = 0u; k < K; k++) { s += exp(logits[row + k] - m); }
    let label = pairs[st.start + j].y;
    sumLoss += log(s) + m - logits[row + label];
    for (var k = 0u; k < K; k++) {
      let p = exp(logits[row + k] - m) / s;
      dlogits[row + k] = (p - select(0.0, 1.0, k == label)) * st.scale;
    }
  }
  partial[t] = sumLoss;
  workgroupBarrier();
  if (t == 0u) {
    var total = 0.0;
    for (var i = 0u; i < 64u; i++) { total += partial[i]; }
    losses[st.step] = total;
  }
}
