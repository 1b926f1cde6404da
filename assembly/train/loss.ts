// Softmax cross-entropy for training. Exponentials and sums in f64 (WASM's own exp, so the result
// does not depend on the JS engine's Math.exp), gradients rounded to f32 once.

// logits (n, K) f32, labels n i32. Writes dlogits = (softmax - onehot) * scale and returns the
// summed (not averaged) loss sum_s (log sum_k exp z_sk - z_s,label). Labels are checked by the host.
export function trainSoftmaxXent(logits: usize, labels: usize, n: i32, K: i32, scale: f64, dlogits: usize): f64 {
  let loss: f64 = 0;
  for (let s = 0; s < n; s++) {
    const row = logits + ((<usize>s * <usize>K) << 2);
    const grad = dlogits + ((<usize>s * <usize>K) << 2);
    let m: f64 = -Infinity;
    for (let k = 0; k < K; k++) m = max(m, <f64>load<f32>(row + (<usize>k << 2)));
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(<f64>load<f32>(row + (<usize>k << 2)) - m);
    const label = load<i32>(labels + (<usize>s << 2));
    loss += Math.log(sum) + m - <f64>load<f32>(row + (<usize>label << 2));
    for (let k = 0; k < K; k++) {
      const p = Math.exp(<f64>load<f32>(row + (<usize>k << 2)) - m) / sum;
      store<f32>(grad + (<usize>k << 2), <f32>((p - (k == label ? 1.0 : 0.0)) * scale));
    }
  }
  return loss;
}
