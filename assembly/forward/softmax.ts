// Softmax over the middle axis of x viewed as (outer, axis, inner), the WASM twin of
// src/forward/reference/softmax.ts: the maximum along the axis is subtracted before exp, and
// exp and the sum run in f64 (logit vectors are short; accuracy over speed).

// y must not alias x.
export function softmax(x: usize, outer: i32, axis: i32, inner: i32, y: usize): void {
  const strideB = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = (<usize>o * <usize>axis * <usize>inner) << 2;
    for (let i = 0; i < inner; i++) {
      const xp = x + base + (<usize>i << 2);
      const yp = y + base + (<usize>i << 2);
      let m: f32 = -Infinity;
      for (let a = 0; a < axis; a++) {
        const v = load<f32>(xp + <usize>a * strideB);
        if (v > m) m = v;
      }
      let sum: f64 = 0;
      for (let a = 0; a < axis; a++) {
        sum += Math.exp(<f64>load<f32>(xp + <usize>a * strideB) - <f64>m);
      }
      // exp again rather than keeping f64 values in scratch: the axis is short.
      for (let a = 0; a < axis; a++) {
        const e = Math.exp(<f64>load<f32>(xp + <usize>a * strideB) - <f64>m);
        store<f32>(yp + <usize>a * strideB, <f32>(e / sum));
      }
    }
  }
}
