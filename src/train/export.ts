// A trained net as a standard ONNX model (opset 13): Conv / Relu / MaxPool / Flatten / Gemm with
// a symbolic batch dimension, the weights as FLOAT initializers. Node and value names are the
// layer names (conv1, relu1, pool1, ..., fc2; the output is "logits"), so the probe's default
// layers (a ReLU after a Conv or Gemm) are conv1, conv2, ... and fc1, ...
import { OnnxBuilder, f } from '../inputs/onnx/builder.js';
import { encodeOnnx } from '../inputs/onnx/encode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import type { NetSpec, ParamRef } from './model.js';

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';
export const BATCH_DIM = 'N';

export interface ExportInfo {
  /** Recorded as the graph name, e.g. "lenet-seed1". */
  name?: string;
}

/** The ONNX model of `spec` with weights `params` (the flat array of src/train/model.ts). */
export function toOnnxModel(spec: NetSpec, params: Float32Array, info: ExportInfo = {}): OnnxModel {
  if (params.length !== spec.paramCount) throw new Error(`export: ${params.length} parameters for a net of ${spec.paramCount}`);
  const b = new OnnxBuilder(info.name ?? `${spec.arch}${spec.width > 1 ? `-w${spec.width}` : ''}`);
  b.input(INPUT_NAME, [BATCH_DIM, ...spec.inputShape]);
  const weight = (ref: ParamRef) => {
    b.initializer(ref.name, ref.shape, params.slice(ref.offset, ref.offset + ref.size));
    return ref.name;
  };
  let x = INPUT_NAME;
  spec.layers.forEach((l, i) => {
    const y = i === spec.layers.length - 1 ? OUTPUT_NAME : l.name;
    if (l.kind === 'conv') {
      b.node('Conv', [x, weight(l.weight), weight(l.bias)], [y], {
        kernel_shape: [l.kernel, l.kernel],
        strides: [l.stride, l.stride],
        pads: [l.pad, l.pad, l.pad, l.pad],
        dilations: [1, 1],
        group: 1,
      }, l.name);
    } else if (l.kind === 'relu') {
      b.node('Relu', [x], [y], {}, l.name);
    } else if (l.kind === 'maxpool') {
      b.node('MaxPool', [x], [y], { kernel_shape: [l.kernel, l.kernel], strides: [l.stride, l.stride], pads: [0, 0, 0, 0] }, l.name);
    } else {
      if (l.inShape.length > 1) {
        const flat = `${l.name}_flatten`;
        b.node('Flatten', [x], [flat], { axis: 1 }, flat);
        x = flat;
      }
      b.node('Gemm', [x, weight(l.weight), weight(l.bias)], [y], { alpha: f(1), beta: f(1), transA: 0, transB: 1 }, l.name);
    }
    x = y;
  });
  b.output(OUTPUT_NAME, [BATCH_DIM, spec.classes]);
  return b.build({ opset: 13, producer: 'convergent train' });
}

/** The .onnx bytes of a trained net. */
export function exportOnnx(spec: NetSpec, params: Float32Array, info: ExportInfo = {}): Uint8Array {
  return encodeOnnx(toOnnxModel(spec, params, info));
}
