// The definition of training in plain TypeScript and float64: every layer's forward and backward
// pass, softmax cross-entropy, and the SGD update. The WASM and WebGPU trainers are tested against
// it, and it is tested against finite differences (test/train/gradients.test.ts). It is written for
// clarity, not speed: loops follow the formulas.
//
// A batch of n samples is stored sample-major: sample s of a layer with per-sample size S occupies
// [s S, (s + 1) S), images as (C, H, W) row-major inside, as ONNX's NCHW.
import type { ConvLayer, FcLayer, Layer, MaxPoolLayer, NetSpec } from './model.js';

export type Numbers = ArrayLike<number>;

export interface Hyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/**
 * The products a convolution is made of, as indices: for every output y[s, m, oy, ox] of the batch
 * (flat index o), output(o, m), then tap(o, wi, xi) for each in-bounds tap, in (c, ky, kx) order:
 * W[m, c, ky, kx] at params[wi] times x[s, c, oy*st-p+ky, ox*st-p+kx] at x[xi]. Forward and
 * backward walk the same taps, so they are adjoint by construction.
 */
function forEachConvTap(l: ConvLayer, n: number, output: (o: number, m: number) => void, tap: (o: number, wi: number, xi: number) => void): void {
  const [C, H, W] = l.inShape;
  const [M, OH, OW] = l.outShape;
  const { kernel: K, stride: st, pad: p } = l;
  for (let s = 0; s < n; s++) {
    for (let m = 0; m < M; m++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const o = s * l.outSize + (m * OH + oy) * OW + ox;
          output(o, m);
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < K; ky++) {
              const iy = oy * st - p + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < K; kx++) {
                const ix = ox * st - p + kx;
                if (ix < 0 || ix >= W) continue;
                tap(o, l.weight.offset + ((m * C + c) * K + ky) * K + kx, s * l.inSize + (c * H + iy) * W + ix);
              }
            }
          }
        }
      }
    }
  }
}

/** y = conv(x) + b: y[s,m,oy,ox] = b[m] + sum_{c,ky,kx} W[m,c,ky,kx] x[s,c,oy*st-p+ky,ox*st-p+kx]. */
function convForward(l: ConvLayer, params: Numbers, x: Numbers, n: number): Float64Array {
  const y = new Float64Array(n * l.outSize);
  forEachConvTap(
    l,
    n,
    (o, m) => (y[o] = params[l.bias.offset + m]),
    (o, wi, xi) => (y[o] += params[wi] * x[xi]),
  );
  return y;
}

/** The adjoint of convForward: dW, db (added into `grad`) and dx. */
function convBackward(l: ConvLayer, params: Numbers, x: Numbers, dy: Numbers, n: number, grad: Float64Array): Float64Array {
  const dx = new Float64Array(n * l.inSize);
  forEachConvTap(
    l,
    n,
    (o, m) => (grad[l.bias.offset + m] += dy[o]),
    (o, wi, xi) => {
      grad[wi] += dy[o] * x[xi];
      dx[xi] += dy[o] * params[wi];
    },
  );
  return dx;
}

/** y[s,c,oy,ox] = max over the window of x; the first maximum (row-major) is the one that routes the gradient. */
function maxPoolArgmax(l: MaxPoolLayer, x: Numbers, n: number): { y: Float64Array; arg: Int32Array } {
  const [C, H, W] = l.inShape;
  const [, OH, OW] = l.outShape;
  const y = new Float64Array(n * l.outSize);
  const arg = new Int32Array(n * l.outSize);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < C; c++) {
      const plane = s * l.inSize + c * H * W;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < l.kernel; ky++) {
            for (let kx = 0; kx < l.kernel; kx++) {
              const i = plane + (oy * l.stride + ky) * W + ox * l.stride + kx;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          const o = s * l.outSize + (c * OH + oy) * OW + ox;
          y[o] = best;
          arg[o] = at;
        }
      }
    }
  }
  return { y, arg };
}

function fcForward(l: FcLayer, params: Numbers, x: Numbers, n: number): Float64Array {
  const I = l.inSize;
  const O = l.outSize;
  const y = new Float64Array(n * O);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < O; j++) {
      let sum = params[l.bias.offset + j];
      for (let i = 0; i < I; i++) sum += params[l.weight.offset + j * I + i] * x[s * I + i];
      y[s * O + j] = sum;
    }
  }
  return y;
}

function fcBackward(l: FcLayer, params: Numbers, x: Numbers, dy: Numbers, n: number, grad: Float64Array): Float64Array {
  const I = l.inSize;
  const O = l.outSize;
  const dx = new Float64Array(n * I);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < O; j++) {
      const g = dy[s * O + j];
      grad[l.bias.offset + j] += g;
      for (let i = 0; i < I; i++) {
        grad[l.weight.offset + j * I + i] += g * x[s * I + i];
        dx[s * I + i] += g * params[l.weight.offset + j * I + i];
      }
    }
  }
  return dx;
}

/** One layer's output for a batch of n samples. */
export function layerForward(layer: Layer, params: Numbers, x: Numbers, n: number): Float64Array {
  switch (layer.kind) {
    case 'conv':
      return convForward(layer, params, x, n);
    case 'fc':
      return fcForward(layer, params, x, n);
    case 'maxpool':
      return maxPoolArgmax(layer, x, n).y;
    case 'relu':
      return Float64Array.from({ length: n * layer.inSize }, (_, i) => Math.max(0, x[i]));
  }
}

/**
 * One layer's backward pass: given its input x and the loss gradient dy at its output, adds the
 * gradients of its parameters into `grad` (indexed like the parameter array) and returns dx.
 */
export function layerBackward(layer: Layer, params: Numbers, x: Numbers, dy: Numbers, n: number, grad: Float64Array): Float64Array {
  switch (layer.kind) {
    case 'conv':
      return convBackward(layer, params, x, dy, n, grad);
    case 'fc':
      return fcBackward(layer, params, x, dy, n, grad);
    case 'maxpool': {
      const { arg } = maxPoolArgmax(layer, x, n);
      const dx = new Float64Array(n * layer.inSize);
      for (let o = 0; o < arg.length; o++) dx[arg[o]] += dy[o];
      return dx;
    }
    case 'relu':
      // The derivative at 0 is taken as 0, as every framework does.
      return Float64Array.from({ length: n * layer.inSize }, (_, i) => (x[i] > 0 ? dy[i] : 0));
  }
}

/** Every layer's input and the final logits: acts[0] = x, acts[i + 1] = layer i's output. */
export function forwardAll(spec: NetSpec, params: Numbers, x: Numbers, n: number): Float64Array[] {
  const acts: Float64Array[] = [Float64Array.from(x as ArrayLike<number>)];
  for (const layer of spec.layers) acts.push(layerForward(layer, params, acts[acts.length - 1], n));
  return acts;
}

/**
 * Mean softmax cross-entropy over the batch and its gradient with respect to the logits:
 * loss = (1/n) sum_s (log sum_k exp z_sk - z_s,label), dz = (softmax(z) - onehot) / n.
 */
export function softmaxCrossEntropy(logits: Numbers, labels: ArrayLike<number>, n: number, classes: number): { loss: number; dlogits: Float64Array } {
  const dz = new Float64Array(n * classes);
  let loss = 0;
  for (let s = 0; s < n; s++) {
    const row = s * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[row + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[row + k] - max);
    const label = labels[s];
    if (!(label >= 0 && label < classes)) throw new Error(`softmax cross-entropy: sample ${s} has label ${label}, outside 0..${classes - 1}`);
    loss += Math.log(sum) + max - logits[row + label];
    for (let k = 0; k < classes; k++) dz[row + k] = (Math.exp(logits[row + k] - max) / sum - (k === label ? 1 : 0)) / n;
  }
  return { loss: loss / n, dlogits: dz };
}

/** Mean loss of the batch and its gradient with respect to every parameter. */
export function lossAndGradient(spec: NetSpec, params: Numbers, x: Numbers, labels: ArrayLike<number>, n: number): { loss: number; grad: Float64Array; logits: Float64Array } {
  const acts = forwardAll(spec, params, x, n);
  const logits = acts[acts.length - 1];
  const { loss, dlogits } = softmaxCrossEntropy(logits, labels, n, spec.classes);
  const grad = new Float64Array(spec.paramCount);
  let dy: Float64Array = dlogits;
  for (let i = spec.layers.length - 1; i >= 0; i--) dy = layerBackward(spec.layers[i], params, acts[i], dy, n, grad);
  return { loss, grad, logits };
}

/**
 * SGD with momentum and L2 weight decay, as PyTorch's torch.optim.SGD (dampening 0, not Nesterov),
 * decay applied to every parameter (biases too, as `SGD(net.parameters(), weight_decay=...)` does):
 *   g = grad + wd * w;  v = momentum * v + g;  w = w - lr * v.
 * Updates `params` and `velocity` in place.
 */
export function sgdUpdate(params: Float64Array | Float32Array, velocity: Float64Array | Float32Array, grad: Numbers, h: Hyper): void {
  for (let i = 0; i < params.length; i++) {
    const g = grad[i] + h.weightDecay * params[i];
    velocity[i] = h.momentum * velocity[i] + g;
    params[i] = params[i] - h.lr * velocity[i];
  }
}

/** One training step in float64: returns the loss before the update. */
export function referenceStep(spec: NetSpec, params: Float64Array, velocity: Float64Array, x: Numbers, labels: ArrayLike<number>, n: number, h: Hyper): number {
  const { loss, grad } = lossAndGradient(spec, params, x, labels, n);
  sgdUpdate(params, velocity, grad, h);
  return loss;
}
