// Max pooling for training (no padding): the forward pass records, for every output, the index
// of the input it took (the first maximum in row-major window order, as the reference); the
// backward pass routes each output gradient to that input, accumulating where windows overlap.

// x: `planes` planes of H x W (n samples x C channels); y and arg: planes of OH x OW. arg holds
// indices into x counted in floats from x (so the backward pass needs no shapes).
export function trainMaxPoolForward(x: usize, planes: i32, H: i32, W: i32, k: i32, stride: i32, OH: i32, OW: i32, y: usize, arg: usize): void {
  if (k == 2 && stride == 2) {
    maxPool2x2(x, planes, H, W, OH, OW, y, arg);
    return;
  }
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const first = plane + oy * stride * W + ox * stride;
        let best = load<f32>(x + (<usize>first << 2));
        let at = first;
        for (let ky = 0; ky < k; ky++) {
          const row = first + ky * W;
          for (let kx = 0; kx < k; kx++) {
            const v = load<f32>(x + (<usize>(row + kx) << 2));
            // Strictly greater: the first maximum wins. NaN never replaces (as ONNX runtimes).
            if (v > best) {
              best = v;
              at = row + kx;
            }
          }
        }
        store<f32>(y + (out << 2), best);
        store<i32>(arg + (out << 2), at);
        out++;
      }
    }
  }
}

// dx (inCount floats) = 0, then dx[arg[o]] += dy[o] for every output o in order.
export function trainMaxPoolBackward(dy: usize, arg: usize, outCount: i32, dx: usize, inCount: i32): void {
  memory.fill(dx, 0, <usize>inCount << 2);
  for (let o = 0; o < outCount; o++) {
    const at = dx + (<usize>load<i32>(arg + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + (<usize>o << 2)));
  }
}

// The 2x2 / stride 2 case (LeNet's), four outputs at a time: the even and odd columns of the two
// input rows are split by shuffles, and the four candidates are taken in the window's row-major
// order with a strict comparison, so the first maximum wins as in the general loop.
function maxPool2x2(x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, y: usize, arg: usize): void {
  // Four outputs read 8 input columns: vector blocks while 2 (ox + 4) <= W.
  const ow4 = min(OW, W >> 1) & ~3;
  const lane = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1);
  const down = i32x4.splat(W);
  const downOne = i32x4.splat(W + 1);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const row = plane + 2 * oy * W;
      const r0 = x + (<usize>row << 2);
      const r1 = r0 + (<usize>W << 2);
      let ox = 0;
      for (; ox < ow4; ox += 4) {
        const o = <usize>(2 * ox) << 2;
        const a0 = v128.load(r0 + o), a1 = v128.load(r0 + o, 16);
        const b0 = v128.load(r1 + o), b1 = v128.load(r1 + o, 16);
        const e0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        const o0 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const e1 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const o1 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const base = i32x4.add(i32x4.splat(row + 2 * ox), lane);
        let best = e0;
        let at = base;
        let m = f32x4.gt(o0, best);
        best = v128.bitselect(o0, best, m);
        at = v128.bitselect(i32x4.add(base, one), at, m);
        m = f32x4.gt(e1, best);
        best = v128.bitselect(e1, best, m);
        at = v128.bitselect(i32x4.add(base, down), at, m);
        m = f32x4.gt(o1, best);
        best = v128.bitselect(o1, best, m);
        at = v128.bitselect(i32x4.add(base, downOne), at, m);
        v128.store(y + ((out + <usize>ox) << 2), best);
        v128.store(arg + ((out + <usize>ox) << 2), at);
      }
      for (; ox < OW; ox++) {
        const first = row + 2 * ox;
        let best = load<f32>(x + (<usize>first << 2));
        let at = first;
        for (let c = 1; c < 4; c++) {
          const i = first + (c >> 1) * W + (c & 1);
          const v = load<f32>(x + (<usize>i << 2));
          if (v > best) {
            best = v;
            at = i;
          }
        }
        store<f32>(y + ((out + <usize>ox) << 2), best);
        store<i32>(arg + ((out + <usize>ox) << 2), at);
      }
      out += <usize>OW;
    }
  }
}
