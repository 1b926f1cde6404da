// Matrix products: ONNX Gemm (2-D, optional transposes, alpha, beta, broadcast C) and numpy-style
// MatMul with broadcast batch dimensions. Dot products run in float64, rounded to float32 once.
import { broadcastShapes, broadcastStrides, checkTensor, forEachRow, output, type RefTensor, sizeOf } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface GemmParams {
  alpha: number;
  beta: number;
  /** A is stored (K, M) and used transposed. */
  transA: boolean;
  /** B is stored (N, K) and used transposed (the layout of a fully connected layer's weights). */
  transB: boolean;
}

/** A (M, K) matrix operand inside a flat array: element (i, k) is data[offset + i*rowStride + k*colStride]. */
interface MatrixView {
  data: Float32Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * op(A) (M, K) times op(B) (K, N) as float64, row-major (M, N). The loop order follows B's
 * layout so that every inner loop is contiguous and B is streamed once, however many rows A has:
 * rank-1 updates (k outer) when B's rows are contiguous, dot products (j outer) when its columns
 * are (B transposed: a fully connected layer's (N, K) weights).
 */
function product(a: MatrixView, b: MatrixView, M: number, K: number, N: number): Float64Array {
  const acc = new Float64Array(M * N);
  const ad = a.data;
  const bd = b.data;
  if (b.rowStride === 1 && b.colStride !== 1) {
    for (let j = 0; j < N; j++) {
      const bCol = b.offset + j * b.colStride;
      for (let i = 0; i < M; i++) {
        const aRow = a.offset + i * a.rowStride;
        let s = 0;
        for (let k = 0; k < K; k++) s += ad[aRow + k * a.colStride] * bd[bCol + k];
        acc[i * N + j] = s;
      }
    }
  } else {
    for (let k = 0; k < K; k++) {
      const bRow = b.offset + k * b.rowStride;
      for (let i = 0; i < M; i++) {
        const av = ad[a.offset + i * a.rowStride + k * a.colStride];
        const row = i * N;
        for (let j = 0; j < N; j++) acc[row + j] += av * bd[bRow + j * b.colStride];
      }
    }
  }
  return acc;
}

/**
 * Y (M, N) = alpha * op(A) op(B) + beta * C, with op(A) (M, K), op(B) (K, N) and C (optional)
 * broadcastable to (M, N) the numpy way ([], [N], [1, N], [M, 1], [M, N], ...). As in
 * onnxruntime, C is not read when beta is 0 (so an infinite C does not turn Y into NaN).
 */
export function gemm(a: RefTensor, b: RefTensor, c: RefTensor | undefined, p: GemmParams, out?: Float32Array): RefTensor {
  checkTensor('gemm A', a);
  checkTensor('gemm B', b);
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`gemm: A ${formatShape(a.shape)} and B ${formatShape(b.shape)} must be 2-D`);
  const [M, K] = p.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [KB, N] = p.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (K !== KB) {
    throw new Error(`gemm: op(A) is ${M}x${K} (A ${formatShape(a.shape)}, transA ${p.transA}), op(B) is ${KB}x${N} (B ${formatShape(b.shape)}, transB ${p.transB})`);
  }
  let cStrides: number[] | undefined;
  if (c) {
    checkTensor('gemm C', c);
    cStrides = broadcastStrides('gemm C', c.shape, [M, N]);
  }
  const y = output('gemm', [M, N], out);
  const av: MatrixView = { data: a.data, offset: 0, rowStride: p.transA ? 1 : K, colStride: p.transA ? M : 1 };
  const bv: MatrixView = { data: b.data, offset: 0, rowStride: p.transB ? 1 : N, colStride: p.transB ? K : 1 };
  const { alpha, beta } = p;
  const addC = c !== undefined && beta !== 0;
  const acc = product(av, bv, M, K, N);
  if (addC) {
    const cd = c.data;
    const [ci, cj] = cStrides!;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) y.data[i * N + j] = alpha * acc[i * N + j] + beta * cd[i * ci + j * cj];
  } else {
    for (let i = 0; i < M * N; i++) y.data[i] = alpha * acc[i];
  }
  return y;
}

/**
 * Output shape of numpy.matmul: batch dimensions (all but the last two) broadcast; a 1-D A is a
 * row vector and a 1-D B a column vector, whose added axis is dropped from the result.
 */
export function matmulOutputShape(aShape: readonly number[], bShape: readonly number[]): number[] {
  if (aShape.length === 0 || bShape.length === 0) throw new Error(`matmul: operands must have rank >= 1, got ${formatShape(aShape)} and ${formatShape(bShape)}`);
  const a2 = aShape.length === 1 ? [1, aShape[0]] : aShape;
  const b2 = bShape.length === 1 ? [bShape[0], 1] : bShape;
  const [M, K] = a2.slice(-2);
  const [KB, N] = b2.slice(-2);
  if (K !== KB) throw new Error(`matmul: A ${formatShape(aShape)} has ${K} columns, B ${formatShape(bShape)} has ${KB} rows`);
  const batch = broadcastShapes('matmul batch dimensions', a2.slice(0, -2), b2.slice(0, -2));
  return [...batch, ...(aShape.length === 1 ? [] : [M]), ...(bShape.length === 1 ? [] : [N])];
}

/** numpy.matmul(A, B) for operands of rank >= 1 (see matmulOutputShape). */
export function matmul(a: RefTensor, b: RefTensor, out?: Float32Array): RefTensor {
  checkTensor('matmul A', a);
  checkTensor('matmul B', b);
  const shape = matmulOutputShape(a.shape, b.shape);
  const a2 = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const b2 = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [M, K] = a2.slice(-2);
  const N = b2[b2.length - 1];
  const batch = broadcastShapes('matmul batch dimensions', a2.slice(0, -2), b2.slice(0, -2));
  const y = output('matmul', shape, out);
  // Batch offsets in matrices, scaled to elements; the trailing axis of 1 makes forEachRow call
  // back once per batch index.
  const sa = broadcastStrides('matmul A', a2.slice(0, -2), batch).map((s) => s * M * K);
  const sb = broadcastStrides('matmul B', b2.slice(0, -2), batch).map((s) => s * K * N);
  if (sizeOf(batch) === 0 || M * N === 0) return y;
  forEachRow([...batch, 1], [
    [...sa, 0],
    [...sb, 0],
  ], ([aOff, bOff], r) => {
    y.data.set(product({ data: a.data, offset: aOff, rowStride: K, colStride: 1 }, { data: b.data, offset: bOff, rowStride: N, colStride: 1 }, M, K, N), r * M * N);
  });
  return y;
}
