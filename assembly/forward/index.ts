// Forward-pass kernels (conv, pooling, GEMM, ...): each file re-exports its functions here.
// The op kernels carry a `fwd` prefix in the module's flat export namespace (training has its
// own softmax, pooling, ... exports); sgemm / im2col / col2im are shared with training.
export { sgemm, im2col, col2im } from './gemm';
export { gemmTransB as fwdGemmTransB } from './fc';
export { conv2d as fwdConv2d } from './conv';
export { convWinograd as fwdConvWinograd } from './winograd';
export { convWinograd5 as fwdConvWinograd5 } from './winograd5';
export { pool2d as fwdPool2d, globalAvgPool as fwdGlobalAvgPool } from './pool';
export { unary as fwdUnary, binary as fwdBinary, channelAffine as fwdChannelAffine } from './elementwise';
export { lrn as fwdLrn } from './lrn';
export { softmax as fwdSoftmax } from './softmax';
export { copyBlocks as fwdCopyBlocks, gather as fwdGather, pad as fwdPad } from './layout';
