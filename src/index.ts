// The convergent library, in the order data takes through it: a backend, a probe (activation files
// or ONNX models over images) that streams layers into moments, an alignment that runs the methods
// and writes tables, and a report. The CLI (cli/) is a thin layer over exactly these exports.
// The platform-neutral kernels also have their own entry, `convergent/kernels` (no `node:` imports).

// Backends: where the kernels run (WebGPU, WASM SIMD, plain TypeScript).
export { createBackend } from './backend/select.js';
export type { BackendOptions } from './backend/select.js';
export type { Backend, BackendKind, BackendRequest } from './backend/types.js';
export type { GpuContext, AcquireGpuOptions } from './platform/webgpu.js'; // acquireGpu: with the kernels below

// Probe inputs: activation files (.npy folders, .npz) and image data for ONNX models.
export { openNetSource, ActivationInputError } from './inputs/activations/index.js';
export type { NetSource, ActivationBatch, LayerInfo as ActivationLayerInfo, OpenNetSourceOptions } from './inputs/activations/index.js';
export { openImageSource } from './inputs/data/source.js';
export { openProbeData, itemShapeFor } from './probe/probe-data.js';
export type { ProbeDataOptions } from './probe/probe-data.js';
export type { ImageSource, ImageBatch, OpenImageSourceOptions } from './inputs/data/source.js';
export type { PreprocessOptions } from './inputs/data/preprocess.js';
export { readNpy } from './inputs/npy/npy-read.js';
export { writeNpy } from './run-dir/npy-write.js';

// Forward passes: load an ONNX model, list its layers, run it on a backend.
export { readOnnxFile, decodeOnnx } from './inputs/onnx/decode.js';
export type { OnnxModel, Dim } from './inputs/onnx/model.js';
export { defaultLayers } from './inputs/onnx/layers.js';
export type { DefaultLayer } from './inputs/onnx/layers.js';
export { listLayers, type OnnxLayerInfo } from './forward/layer-shapes.js';
export { SUPPORTED_OPS, checkSupported, modelInputDims } from './forward/compile.js';
export { createForwardEngine } from './forward/select.js';
export type { ForwardEngineOptions } from './forward/select.js';
export type { ForwardEngine, ForwardNet } from './forward/engine.js';

// Probe: stream every layer of every net into joint moments (and plugin reducers).
export { probe, prepareProbe, runPreparedProbe, defaultBatchSamples } from './probe/probe.js';
export type { PreparedProbe } from './probe/probe.js';
export type { ProbeOptions, ProbeProgress } from './probe/probe.js';
export { probeOnnx, prepareOnnxProbe, runPreparedOnnxProbe, isOnnxPath } from './probe/forward-probe.js';
export type { PreparedOnnxProbe } from './probe/forward-probe.js';
export type { ForwardProbeOptions } from './probe/forward-probe.js';
export type { ProbeManifest, ProbeLayerRecord, ProbeDataRecord } from './run-dir/layout.js';
export { acquireRunLock, withRunLock } from './run-dir/lock.js';
export type { RunLock, LockOptions } from './run-dir/lock.js';

// Align: statistics, correlations and the methods' tables from a probed run.
export { align, loadLayerData } from './align/align.js';
export { readManifest } from './run-dir/manifest.js';
export type { AlignOptions, AlignResult } from './align/align.js';
export { DEFAULT_MIN_ACTIVE_IMAGES } from './align/rare-units.js';
export { selectMethods, selectReducers, reducersForMethods, reducerOptionsFor } from './align/method-selection.js';
export type { OptionsByName } from './align/method-selection.js';

// Methods and reducers: the registry, the built-in methods, and the shapes a plugin implements.
export { MethodRegistry } from './align/methods/registry.js';
export { builtinPlugin, DEFAULT_METHODS } from './align/methods/builtin/index.js';
export { metricMethods } from './align/methods/metrics/index.js';
export type { Method, MethodOption, MethodContext, MethodResult, LayerData, NetLayer } from './align/methods/types.js';
export { miHistogramsReducer } from './probe/reducers/mi-histograms.js';
export type { Reducer, ReducerLayer, ReducerState, ReducerBatch, ReducerOutput } from './probe/reducers/types.js';

// Plugins: methods, reducers and commands from a module (commands need no yargs).
export { PluginRegistry, validatePlugin } from './plugins/registry.js';
export { loadPlugin, readConfig } from './plugins/load.js';
export type { Plugin, PluginExport, PluginCommand, CommandOption, CommandArgs } from './plugins/types.js';

// Tables: what methods return (a small structural Table; arquero inside) and how a run writes them.
export type { Table, TableColumns } from './tables/types.js';
export { writeTable, tableNameProblem, TABLE_FORMATS } from './tables/write.js';
export type { TableFormat } from './tables/write.js';
export { joinOnShared, mergeMethodTables, TableCollector } from './tables/combine.js';

// Report: RUN/report.html (and PNG figures) from an aligned run.
export { buildReport, writeReport } from './report/build.js';
export type { Report, ReportOptions } from './report/build.js';
export { COLOR_MAPS } from './report/colormap.js';
export type { ColorMapName } from './report/colormap.js';

// Training: LeNets (and variants) on MNIST or image folders, written as ONNX.
export {
  ARCHS, TRAIN_DEFAULTS, buildNet, describeNet, loadTrainData, mnistTrainData, folderTrainData, trainNet, trainNets, keyFor,
  evaluateNet, exportOnnx, toOnnxModel, saveTrainedNet, modelPathFor,
} from './train/index.js';
export type {
  ArchName, NetSpec, LrSchedule, TrainBackend, TrainOptions, TrainData, TrainedNet, EpochReport, TrainEvents, TrainRunOptions, Evaluation, TrainRecord,
} from './train/index.js';

// Moment statistics: per-unit stats and correlations (exact merging: with the kernels below).
export { unitStats, correlationBlock, isDeadUnit } from './align/unit-stats.js';
export type { ActivationDtype } from './align/unit-stats.js';
export { ActivationRangeError } from './probe/moment-range.js';
export { LayerAccumulator, NonFiniteActivationError } from './probe/layer-accumulator.js';

// The kernels a user calls directly (also in `convergent/kernels`, which runs in browsers).
export * from './kernels/index.js';
