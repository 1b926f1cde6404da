// ReLU for training, in place: the forward pass overwrites its input (the backward pass needs only
// the output's sign), the backward pass zeroes the gradient where the output is not positive.

export function trainReluForward(x: usize, count: i32): void {
  const c4 = count & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, max(load<f32>(x + o), 0));
  }
}

// dy[i] = y[i] > 0 ? dy[i] : 0 (the derivative at 0 is taken as 0).
export function trainReluBackward(y: usize, dy: usize, count: i32): void {
  const c4 = count & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dy + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    if (!(load<f32>(y + o) > 0)) store<f32>(dy + o, 0);
  }
}
