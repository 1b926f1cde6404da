// Fully connected layers for training: y = x W' + b with x (n, I), W (O, I) (ONNX Gemm transB = 1,
// PyTorch Linear), y (n, O); the backward pass dW = dy' x, db = column sums of dy, dx = dy W.
import { sgemm } from '../forward/gemm';
import { addBiasRows, columnSums } from './bias';

export function trainFcForward(x: usize, n: i32, I: i32, w: usize, b: usize, O: i32, y: usize): void {
  sgemm(0, 1, n, O, I, 1, x, I, w, I, 0, y, O);
  addBiasRows(y, b, n, O);
}

// dw and db are overwritten; dx (when != 0) too.
export function trainFcBackward(dy: usize, x: usize, n: i32, I: i32, w: usize, O: i32, dw: usize, db: usize, dx: usize): void {
  sgemm(1, 0, O, I, n, 1, dy, O, x, I, 0, dw, I);
  columnSums(dy, n, O, db, false);
  if (dx != 0) sgemm(0, 0, n, I, O, 1, dy, O, w, I, 0, dx, I);
}
