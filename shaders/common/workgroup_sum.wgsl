// The sum of a workgroup's WG values by a fixed tree in workgroup memory (deterministic: the
// same additions in the same order on every device). Each invocation li stores its value in
// partial[li] and reaches a workgroupBarrier(); reduce_sum(li) then leaves the sum in partial[0].
// Call it from uniform control flow (it has barriers). The including shader declares WG.
var<workgroup> partial: array<f32, WG>;

fn reduce_sum(li: u32) {
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) {
      partial[li] = partial[li] + partial[li + half];
    }
    workgroupBarrier();
  }
}
