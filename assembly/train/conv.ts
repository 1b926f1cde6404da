// Convolution layers for training: the forward pass as im2col + GEMM per sample (keeping each
// sample's column matrix for the backward pass), and the backward pass as two more GEMMs per
// sample (weights: dY col', input: col2im(W' dY)). The GEMM and im2col/col2im are the forward
// kernels' (assembly/forward/gemm.ts). Buffers are laid out by the host (src/train/wasm-core.ts).
//
// Shapes: x (n, C, H, W); w (M, C, k, k) = an M x (C k k) matrix; y (n, M, OH, OW); the column
// matrix of a sample is (C k k) x (OH OW); padding `pad` on every side, the same stride both ways.
import { col2im, im2col, sgemm } from '../forward/gemm';
import { addBiasPlanes, sumFloats } from './bias';

// y = conv(x) + b for n samples. Sample s's column matrix goes to col + s * colStride (bytes);
// colStride = 0 reuses one buffer (inference, where no backward pass follows).
export function trainConvForward(
  x: usize, n: i32, C: i32, H: i32, W: i32,
  w: usize, b: usize, M: i32, k: i32, stride: i32, pad: i32, OH: i32, OW: i32,
  col: usize, colStride: usize, y: usize,
): void {
  const P = OH * OW;
  const CKK = C * k * k;
  const inBytes = (<usize>C * <usize>H * <usize>W) << 2;
  const outBytes = (<usize>M * <usize>P) << 2;
  for (let s = 0; s < n; s++) {
    const cs = col + <usize>s * colStride;
    const ys = y + <usize>s * outBytes;
    im2col(x + <usize>s * inBytes, C, H, W, k, k, stride, stride, pad, pad, 1, 1, OH, OW, cs);
    sgemm(0, 0, M, P, CKK, 1, w, CKK, cs, P, 0, ys, P);
    addBiasPlanes(ys, b, M, P);
  }
}

// Given dy (n, M, OH, OW) and the column matrices of the forward pass: dw = sum_s dy_s col_s',
// db[m] = sum_s sum_p dy_s[m][p] (both overwritten, samples in order), and, when dx != 0,
// dx_s = col2im(W' dy_s) (overwritten) using dcol ((C k k) x (OH OW)) as scratch.
export function trainConvBackward(
  dy: usize, n: i32, C: i32, H: i32, W: i32,
  w: usize, M: i32, k: i32, stride: i32, pad: i32, OH: i32, OW: i32,
  col: usize, colStride: usize, dw: usize, db: usize, dcol: usize, dx: usize,
): void {
  const P = OH * OW;
  const CKK = C * k * k;
  const inBytes = (<usize>C * <usize>H * <usize>W) << 2;
  const outBytes = (<usize>M * <usize>P) << 2;
  for (let s = 0; s < n; s++) {
    const dys = dy + <usize>s * outBytes;
    sgemm(0, 1, M, CKK, P, 1, dys, P, col + <usize>s * colStride, P, s == 0 ? 0 : 1, dw, CKK);
    for (let m = 0; m < M; m++) {
      const g = sumFloats(dys + ((<usize>m * <usize>P) << 2), P);
      const at = db + (<usize>m << 2);
      store<f32>(at, s == 0 ? g : load<f32>(at) + g);
    }
    if (dx != 0) {
      sgemm(1, 0, CKK, P, M, 1, w, CKK, dys, P, 0, dcol, P);
      const dxs = dx + <usize>s * inBytes;
      memory.fill(dxs, 0, inBytes);
      col2im(dcol, C, H, W, k, k, stride, stride, pad, pad, 1, 1, OH, OW, dxs);
    }
  }
}
