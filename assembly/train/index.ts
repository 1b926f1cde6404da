// Training kernels (backward passes, SGD): each file re-exports its functions here.
// The host side is src/train/wasm-core.ts, which lays out every buffer once per net.
export { trainConvForward, trainConvBackward } from './conv';
export { trainFcForward, trainFcBackward } from './fc';
export { trainMaxPoolForward, trainMaxPoolBackward } from './pool';
export { trainReluForward, trainReluBackward } from './relu';
export { trainSoftmaxXent } from './loss';
export { trainSgd, trainAddInto } from './sgd';
