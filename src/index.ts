// The convergent library, platform-neutral: it runs in browsers, Deno and Node, and bundles for the
// browser with no `node:` import (test/package/browser-bundle.test.ts checks it). In the order data
// takes through it: a backend, ONNX models decoded from bytes and run forward, layers streamed into
// moments, the methods on in-memory layer data, tables in memory, and the kernels.
// What needs a file system, a terminal or node:worker_threads (run directories, probe/align/report
// of a run, activation and image folders, plugin files, locks) is in `convergent/node` (src/node.ts),
// which also re-exports everything here. The kernels alone are `convergent/kernels`.

// Backends: where the kernels run (WebGPU, WASM SIMD, plain TypeScript).
export { createBackend } from './backend/select.js';
export type { BackendOptions } from './backend/select.js';
export type { Backend, BackendKind, BackendRequest } from './backend/types.js';
export type { GpuContext, AcquireGpuOptions } from './platform/webgpu.js'; // acquireGpu: with the kernels below

// Probe inputs in memory: image batches and their preprocessing, .npy bytes.
export type { ImageSource, ImageBatch, OpenImageSourceOptions } from './inputs/data/source.js';
export type { PreprocessOptions } from './inputs/data/preprocess.js';
export { encodeNpy } from './run-dir/npy-write.js';

// Forward passes: decode an ONNX model from its bytes, list its layers, run it on a backend.
export { decodeOnnx } from './inputs/onnx/decode.js';
export type { OnnxModel, Dim } from './inputs/onnx/model.js';
export { defaultLayers } from './inputs/onnx/layers.js';
export type { DefaultLayer } from './inputs/onnx/layers.js';
export { listLayers, type OnnxLayerInfo } from './forward/layer-shapes.js';
export { SUPPORTED_OPS, checkSupported, modelInputDims } from './forward/compile.js';
export { createForwardEngine } from './forward/select.js';
export type { ForwardEngineOptions } from './forward/select.js';
export type { ForwardEngine, ForwardNet } from './forward/engine.js';

// What a probe records (the run's manifest; probing itself writes a run: `convergent/node`).
export type { ProbeManifest, ProbeLayerRecord, ProbeDataRecord } from './run-dir/layout.js';

// Align in memory: a layer's moments as the methods see them, and which methods and reducers run.
export { makeLayerData } from './align/layer-data.js';
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

// Plugins: methods, reducers and commands (commands need no yargs); loading one from a file: `convergent/node`.
export { PluginRegistry, validatePlugin } from './plugins/registry.js';
export type { Plugin, PluginExport, PluginCommand, CommandOption, CommandArgs } from './plugins/types.js';

// Tables: what methods return (a small structural Table; arquero inside); writing them: `convergent/node`.
export type { Table, TableColumns } from './tables/types.js';
export { tableNameProblem, TABLE_FORMATS } from './tables/write.js';
export type { TableFormat } from './tables/write.js';
export { joinOnShared, mergeMethodTables, TableCollector } from './tables/combine.js';

// Report: the page rendered from a run's data in memory (loading a run directory and writing
// report.html: buildReport and writeReport in `convergent/node`), and its colour maps.
export { renderReport } from './report/render.js';
export type { Report, RenderOptions } from './report/render.js';
export { runDataFrom } from './report/run-data.js';
export type { RunData } from './report/run-data.js';
export type { RunFiles } from './report/run-files.js';
export type { ReportOptions } from './report/build.js';
export { COLOR_MAPS } from './report/colormap.js';
export type { ColorMapName } from './report/colormap.js';

// The whole study in memory (what the web page runs): ONNX model bytes and images in batches ->
// probe -> align -> report, every file of the run in a MemoryRun (zipFiles: a .zip that
// `convergent align` and `report` take once unzipped).
export { runStudy } from './study/study.js';
export type { StudyOptions, StudyResult } from './study/study.js';
export { MemoryRun } from './study/memory-run.js';
export { zipFiles } from './study/zip.js';
export { lazyImageSource, mnistImages, fileImages } from './study/image-source.js';
export type { LazyImages } from './study/image-source.js';

// Training: LeNets (and variants) on data in memory, exported as ONNX bytes (data loaders and saving: `convergent/node`).
export { ARCHS, buildNet, describeNet } from './train/model.js';
export { TRAIN_DEFAULTS } from './train/options.js';
export { keyFor, trainNet, trainNets } from './train/train.js';
export { evaluateNet } from './train/evaluate.js';
export { exportOnnx, toOnnxModel } from './train/export.js';
export type { ArchName, NetSpec } from './train/model.js';
export type { LrSchedule, TrainBackend, TrainOptions } from './train/options.js';
export type { TrainData } from './train/data.js';
export type { TrainedNet, EpochReport, TrainEvents, TrainRunOptions } from './train/train.js';
export type { Evaluation } from './train/evaluate.js';
export type { TrainRecord } from './train/save.js';

// Moment statistics: per-unit stats and correlations (exact merging: with the kernels below).
export { unitStats, correlationBlock, isDeadUnit } from './align/unit-stats.js';
export type { ActivationDtype } from './align/unit-stats.js';
export { ActivationRangeError } from './probe/moment-range.js';
export { LayerAccumulator, NonFiniteActivationError } from './probe/layer-accumulator.js';

// The kernels a user calls directly (also in `convergent/kernels`, which holds only those).
export * from './kernels/index.js';
