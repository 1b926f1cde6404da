// `convergent/node`: the library for Node (and Deno), i.e. everything of `convergent` (re-exported
// below, so one import serves a Node program) and what needs a file system, a terminal or
// node:worker_threads: activation and image folders, ONNX and .npy files, the run directory
// (probe, align and report of a run, its manifest and lock), plugin files, training data loaders
// and saving. The CLI (cli/) is a thin layer over exactly these exports.
export * from './index.js';

// Probe inputs from files: activation files (.npy folders, .npz) and image data for ONNX models.
export { openNetSource, ActivationInputError } from './inputs/activations/index.js';
export type { NetSource, ActivationBatch, LayerInfo as ActivationLayerInfo, OpenNetSourceOptions } from './inputs/activations/index.js';
export { openImageSource } from './inputs/data/source.js';
export { openProbeData, itemShapeFor } from './probe/probe-data.js';
export type { ProbeDataOptions } from './probe/probe-data.js';
export { readNpy } from './inputs/npy/npy-read.js';
export { writeNpy } from './run-dir/npy-write.js';
export { readOnnxFile } from './inputs/onnx/decode.js';

// Probe: stream every layer of every net into a run directory's joint moments (and plugin reducers).
export { probe, prepareProbe, runPreparedProbe, defaultBatchSamples } from './probe/probe.js';
export type { PreparedProbe } from './probe/probe.js';
export type { ProbeOptions, ProbeProgress } from './probe/probe.js';
export { probeOnnx, prepareOnnxProbe, runPreparedOnnxProbe, isOnnxPath } from './probe/forward-probe.js';
export type { PreparedOnnxProbe } from './probe/forward-probe.js';
export type { ForwardProbeOptions } from './probe/forward-probe.js';
export { acquireRunLock, withRunLock } from './run-dir/lock.js';
export type { RunLock, LockOptions } from './run-dir/lock.js';

// Align: statistics, correlations and the methods' tables from a probed run.
export { align, loadLayerData } from './align/align.js';
export { readManifest } from './run-dir/manifest.js';
export type { AlignOptions, AlignResult } from './align/align.js';

// Plugins from a module file, and the config that names them.
export { loadPlugin, readConfig } from './plugins/load.js';

// Tables written into a run.
export { writeTable } from './tables/write.js';

// Report: RUN/report.html (and PNG figures) from an aligned run.
export { buildReport, writeReport } from './report/build.js';
// Fig. 2's deconvnet views (RUN/views/), drawn before the report for ONNX runs (`convergent report` does).
export { drawFig2Views, type Fig2ViewsOptions } from './views/fig2-views.js';
export type { ViewsStatus } from './views/status.js';

// Training data from MNIST or an image folder, and trained nets saved as ONNX files.
export { loadTrainData, mnistTrainData, folderTrainData } from './train/data.js';
export { modelPathFor, saveTrainedNet } from './train/save.js';
