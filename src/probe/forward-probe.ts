// `probe` from ONNX models: batches of images flow decode -> forward pass of every net -> moments
// of every captured layer (plus reducers and the top-k records), and only the reduced state is
// kept, so memory is D x D per layer whatever the number of images. Writes the same run directory
// as the probe from activation files, plus RUN/reducers/topk/ (values, items, positions, patches).
//
// On the webgpu backend (when no plugin reducer needs the activations on the host) the captures
// never leave the device: src/forward/webgpu/device-engine.ts hands back per batch only the
// layers' moments, each item's per-unit maxima (top-k) and the predicted classes. Its moments
// differ from the host path's in rounding only: the GPU kernel centres each batch on its own mean
// before its float32 sums (the host path subtracts the first batch's mean), and batches merge in
// float64 either way.
// This file chooses the layers and prepares the probe (every input checked before a device
// opens); forward-probe-run.ts runs its batch loop, probe-data.ts opens its images and
// patches.ts draws the top-k patches.
import type { Backend } from '../backend/types.js';
import type { ImageSource } from '../inputs/data/source.js';
import { classMappingNotes } from '../inputs/data/class-mapping.js';
import type { ForwardEngine } from '../forward/engine.js';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { checkSupported } from '../forward/compile.js';
import { decodeOnnx, readOnnxBytes } from '../inputs/onnx/decode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { resolveReducerOptions } from './reducers/options.js';
import type { Reducer } from './reducers/types.js';
import { checkPathNames, type ProbeManifest, type ProbeProvenance } from '../run-dir/layout.js';
import { passesOf, validateLimit, validateNets, validateReducerNames } from './probe.js';
import type { ProbeDataOptions } from './probe-data.js';
import { checkBlocks } from './blocks.js';
import type { GatherOptions } from './moment-gather.js';
import { dataProvenance, onnxNetProvenance, pluginReducerRecords, probeProvenance } from './provenance.js';
import type { CheckpointEvery } from './checkpoint.js';
import { openNextPass, type NextPass } from './next-pass.js';
import { checkShardable } from './reducer-states.js';
import { checkShardNotEmpty, type Shard } from './shard.js';
import { planLayerCka, refuseLayerCkaShard, type LayerCkaPlan } from './layer-cka/plan.js';
import { DEFAULT_BATCH_ITEMS, runPreparedOnnxProbe } from './forward-probe-run.js';
import { captureShapes, classifierOutput, resolveCaptureLayers, type CaptureLayer, type LayerShape } from './capture-layers.js';

export { captureShapes, resolveCaptureLayers, type CaptureLayer, type LayerShape } from './capture-layers.js';

export { DEFAULT_BATCH_ITEMS, runPreparedOnnxProbe, toUnitMajor } from './forward-probe-run.js';

export interface ForwardProbeOptions {
  /** Each net: a name and an .onnx file. */
  nets: { name: string; path: string }[];
  data: ImageSource;
  /** How the data was named on the command line, for the manifest. */
  dataLabel?: string;
  /** The data flags that opened `data` (openProbeData's `spec`): recorded in the manifest's provenance. */
  dataSpec?: ProbeDataOptions;
  out: string;
  backend: Backend;
  /** `NAME=TENSOR` or `NAME` (a default layer's short name, or a tensor name); default: every ReLU after a Conv or Gemm. */
  layers?: string[];
  limitItems?: number;
  /** Items per batch (default DEFAULT_BATCH_ITEMS, 64). */
  batchItems?: number;
  /** Top activations kept per unit (default 9; 0 = none, and no patches). */
  topK?: number;
  /** Draw each unit's top-k patches as PNG (default true when topK > 0). */
  patches?: boolean;
  reducers?: Reducer[];
  reducerOptions?: Record<string, Record<string, unknown>>;
  threads?: number;
  /** For tests: a ready engine instead of one made for the backend. */
  engine?: ForwardEngine;
  command?: string;
  /** Replace a run already in `out` (only once the new probe is complete); without it, such a run is refused. */
  overwrite?: boolean;
  /** Probe only part `index` of `count` of the items (src/probe/shard.ts), for `merge`. */
  shard?: Shard;
  /** Also keep the state of this many contiguous blocks of items, for align's jackknife intervals (src/probe/blocks.ts). */
  blocks?: number;
  /** For tests and benchmarks: the layers' gathering of batches before the moment update (src/probe/moment-gather.ts); default: fc-sized layers gather 512 samples. */
  momentGather?: GatherOptions;
  /** How often to save the whole state (src/probe/checkpoint.ts); null: never; default every 5 minutes. */
  checkpointEvery?: CheckpointEvery | null;
  /** Continue the unfinished probe in `out` (src/probe/resume.ts). */
  resume?: boolean;
  /** With `shard`: run the next pass of the reducers this merged run owes one (its pendingPasses). */
  nextPassFrom?: string;
  onStart?: (items: number, passes: number) => void;
  onProgress?: (itemsDone: number) => void;
  onDone?: () => void;
  log?: (message: string) => void;
}

export function isOnnxPath(path: string): boolean {
  return /\.onnx$/i.test(path);
}

/** What a probe from ONNX models needs before a device: everything but the backend. */
export type ForwardProbeInputs = Omit<ForwardProbeOptions, 'backend'>;

/** A probe from ONNX models, checked and planned without a device (prepareOnnxProbe), run by runPreparedOnnxProbe. */
export interface PreparedOnnxProbe {
  readonly inputs: ForwardProbeInputs;
  readonly models: { name: string; path: string; model: OnnxModel }[];
  readonly itemShape: number[];
  readonly layers: CaptureLayer[];
  readonly shapes: LayerShape[][];
  readonly fields: ReceptiveField[][];
  /** Per net, the classifier output captured for the accuracy (labelled data only). */
  readonly outputs: (string | undefined)[];
  readonly items: number;
  readonly reducerOptions: Map<Reducer, Record<string, unknown>>;
  /** How the data is named in probe.json: the caller's label, or the first item's description. */
  readonly dataLabel: string;
  /** What probe.json records under `provenance`, the models hashed from the bytes decoded. */
  readonly provenance: ProbeProvenance;
  /** `nextPassFrom`: the merged run and the reducers it owes a pass. */
  readonly nextPass?: NextPass;
  /** `--method layer-cka` (reducer layer-cka): its blocks, memory checked (src/probe/layer-cka/plan.ts). */
  readonly layerCka?: LayerCkaPlan;
}

/** The probe from ONNX models: prepareOnnxProbe, then runPreparedOnnxProbe on `options.backend`. */
export async function probeOnnx(options: ForwardProbeOptions): Promise<ProbeManifest> {
  return runPreparedOnnxProbe(await prepareOnnxProbe(options), options.backend);
}

/**
 * Every check that needs no device: net names, limit, reducer names and options, the models read
 * and their ops supported, the layers resolved to tensors, their shapes compiled and compared, the
 * data not empty. The command line calls it before it opens a backend.
 */
export async function prepareOnnxProbe(inputs: ForwardProbeInputs): Promise<PreparedOnnxProbe> {
  const log = inputs.log ?? (() => {});
  validateNets(inputs.nets);
  validateLimit(inputs.limitItems);
  validateReducerNames(inputs.reducers ?? []);
  const models: { name: string; path: string; model: OnnxModel }[] = [];
  const netRecords: ProbeProvenance['nets'] = [];
  for (const net of inputs.nets) {
    if (!isOnnxPath(net.path)) throw new Error(`net ${net.name}: ${net.path} is not an .onnx file; with --data every net must be an ONNX model`);
    // Read once: the same bytes are decoded and hashed for the provenance.
    const bytes = await readOnnxBytes(net.path);
    const model = decodeOnnx(bytes, net.path);
    checkSupported(model, net.path);
    models.push({ name: net.name, path: net.path, model });
    netRecords.push(onnxNetProvenance(net, bytes));
  }
  const data = inputs.data;
  const itemShape = [...data.itemShape];
  const layers = resolveCaptureLayers(models, inputs.layers, log);
  checkPathNames('layer', layers.map((l) => l.name));
  const { shapes, fields, outputShapes } = captureShapes(models, layers, itemShape);
  const labels = data.labels;
  const classes = labels ? Math.max(...labels) + 1 : 0;
  const outputs = models.map((m, k) => (labels ? classifierOutput(m.model, outputShapes[k], classes) : undefined));
  // Class folders: say which folder is which output index, and warn where a net cannot match them.
  for (const note of classMappingNotes(data.classFolders, models.map((m, k) => ({ name: m.name, outputShape: outputShapes[k] })))) log(note);
  const items = Math.min(data.count, inputs.limitItems ?? Infinity);
  if (items === 0) throw new Error(`no images to probe in ${inputs.dataLabel ?? 'the data'}`);
  const reducers = inputs.reducers ?? [];
  const reducerOptions = new Map(reducers.map((r) => [r, resolveReducerOptions(r, inputs.reducerOptions?.[r.name])]));
  reducers.forEach((r) => passesOf(r));
  const topK = inputs.topK ?? 9;
  const dataLabel = inputs.dataLabel ?? data.describe(0);
  const provenance = probeProvenance({
    nets: netRecords,
    data: await dataProvenance(data, items, dataLabel, inputs.dataSpec, inputs.limitItems),
    layers: layers.map((l) => ({ name: l.name, tensors: Object.fromEntries(models.map((m, k) => [m.name, l.tensors[k]])) })),
    reducers: [...(topK > 0 ? [{ name: 'topk', options: { k: topK, patches: inputs.patches ?? true } }] : []), ...pluginReducerRecords(reducers, reducerOptions)],
    items,
    batch: inputs.batchItems !== undefined ? { items: inputs.batchItems } : undefined,
    shard: inputs.shard,
    itemsPerBatch: inputs.batchItems ?? DEFAULT_BATCH_ITEMS,
    blocks: inputs.blocks,
  });
  checkBlocks(inputs, provenance.items);
  checkShardNotEmpty(provenance.items, items, inputs.batchItems ?? DEFAULT_BATCH_ITEMS, inputs.shard, dataLabel);
  if (inputs.shard) refuseLayerCkaShard(reducers);
  if (inputs.shard) checkShardable(reducers);
  const nextPass = await openNextPass(inputs, provenance);
  const layerCka = nextPass ? undefined : planLayerCka(reducerOptions, models.map((m) => m.name), layers.map((l) => l.name), shapes, log);
  return { inputs, models, itemShape, layers, shapes, fields, outputs, items, reducerOptions, dataLabel, provenance, nextPass, layerCka };
}
