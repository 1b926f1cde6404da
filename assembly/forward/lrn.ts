// ONNX LRN across channels (AlexNet / CaffeNet), the WASM twin of src/forward/reference/lrn.ts:
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)]) ^ beta
// Vectorised over the spatial positions of a channel. beta = 0.75 (every Caffe-era net) uses
// t^-0.75 = 1 / (sqrt(t) sqrt(sqrt(t))) with correctly rounded SIMD square roots; other betas
// call pow per element.

// x, y: (N, C, S). y must not alias x.
export function lrn(x: usize, N: i32, C: i32, S: i32, size: i32, alpha: f32, beta: f32, bias: f32, y: usize): void {
  const below = (size - 1) / 2;
  const above = size - 1 - below;
  const scale = alpha / <f32>size;
  const sv = f32x4.splat(scale);
  const bv = f32x4.splat(bias);
  const fast = beta == 0.75;
  // Other betas take the scalar loop for every position.
  const S4 = fast ? S & ~3 : 0;
  const planeB = <usize>S << 2;
  for (let n = 0; n < N; n++) {
    const xn = x + <usize>n * <usize>C * planeB;
    const yn = y + <usize>n * <usize>C * planeB;
    for (let c = 0; c < C; c++) {
      const lo = max(0, c - below);
      const hi = min(C - 1, c + above);
      const xc = xn + <usize>c * planeB;
      const yc = yn + <usize>c * planeB;
      let s = 0;
      for (; s < S4; s += 4) {
        const o = <usize>s << 2;
        let sum = f32x4.splat(0);
        for (let k = lo; k <= hi; k++) {
          const v = v128.load(xn + <usize>k * planeB + o);
          sum = f32x4.add(sum, f32x4.mul(v, v));
        }
        const t = f32x4.add(bv, f32x4.mul(sv, sum));
        const xv = v128.load(xc + o);
        const r = f32x4.sqrt(t);
        v128.store(yc + o, f32x4.div(xv, f32x4.mul(r, f32x4.sqrt(r))));
      }
      for (; s < S; s++) {
        const o = <usize>s << 2;
        let sum: f32 = 0;
        for (let k = lo; k <= hi; k++) {
          const v = load<f32>(xn + <usize>k * planeB + o);
          sum += v * v;
        }
        const t = bias + scale * sum;
        const d = fast ? Mathf.sqrt(t) * Mathf.sqrt(Mathf.sqrt(t)) : <f32>Math.pow(<f64>t, <f64>beta);
        store<f32>(yc + o, load<f32>(xc + o) / d);
      }
    }
  }
}
