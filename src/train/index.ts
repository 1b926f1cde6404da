// Training LeNets (issue 4): the public surface for `convergent train` and `convergent demo`.
export { ARCHS, buildNet, describeNet, initParams, resolveNet, type ArchName, type Layer, type LayerPlan, type NetSpec, type ParamRef, type Shape3 } from './model.js';
export { TRAIN_DEFAULTS, checkTrainOptions, epochLearningRates, type LrSchedule, type TrainBackend, type TrainOptions } from './options.js';
export { FOLDER_HELD_OUT, FOLDER_SPLIT_SEED, folderTrainData, loadTrainData, mnistTrainData, type TrainData } from './data.js';
export { TRAIN_CODE_VERSION, hashBytes, trainingKey, type TrainingKeyOptions } from './key.js';
export { epochOrder, keyFor, netSpecFor, trainNet, trainNets, type EpochReport, type TrainEvents, type TrainRunOptions, type TrainedNet } from './train.js';
export { argmaxRows, evaluateNet, netLogits, type Evaluation } from './evaluate.js';
export { BATCH_DIM, INPUT_NAME, OUTPUT_NAME, exportOnnx, toOnnxModel } from './export.js';
export { modelPathFor, recordPathFor, saveTrainedNet, trainRecord, type TrainRecord } from './save.js';
