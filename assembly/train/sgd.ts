// SGD with momentum and L2 weight decay (torch.optim.SGD, dampening 0, not Nesterov) over the
// flat parameter array: g = grad + wd w; v = momentum v + g; w = w - lr v. f32, four at a time.
export function trainSgd(w: usize, grad: usize, v: usize, count: i32, lr: f32, momentum: f32, wd: f32): void {
  const c4 = count & ~3;
  const lrv = f32x4.splat(lr);
  const mv = f32x4.splat(momentum);
  const wdv = f32x4.splat(wd);
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const wi = v128.load(w + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(wdv, wi));
    const vi = f32x4.add(f32x4.mul(mv, v128.load(v + o)), g);
    v128.store(v + o, vi);
    v128.store(w + o, f32x4.sub(wi, f32x4.mul(lrv, vi)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    const g = load<f32>(grad + o) + wd * wi;
    const vi = momentum * load<f32>(v + o) + g;
    store<f32>(v + o, vi);
    store<f32>(w + o, wi - lr * vi);
  }
}

// dst[i] += src[i] (the two shards' gradients of a batch; a + b == b + a exactly, so either
// worker of a pair ends with the same sum).
export function trainAddInto(dst: usize, src: usize, count: i32): void {
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
