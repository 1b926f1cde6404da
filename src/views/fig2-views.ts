// The deconvnet views of Fig. 2 (Zeiler & Fergus 2014): after align, for every unit Fig. 2 shows
// (fig2-units.ts), the view of each of its top-k images, drawn on its patches' grid as
// RUN/views/units/<layer>/<net>/<unit>.png, with RUN/views/status.json saying what was drawn and
// why any are missing. `convergent report` (and so `convergent run`) takes this step; it needs a
// run probed from ONNX models on images, with the models and the data still readable and
// unchanged (sha256 and the data's record in probe.json). Units drawn before from the same model
// and records are kept. The views are drawn on worker threads (./view-drawers.ts), the same bit
// for bit as on one. A failure while drawing keeps the units already drawn (the next report draws
// the rest); an activation the views do not find again takes the whole net's. The page's
// in-memory study draws no views.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReceptiveField } from '../forward/receptive-field.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { checkItemShape } from '../inputs/data/preprocess.js';
import { readNpy } from '../inputs/npy/npy-read.js';
import { openPatchData } from '../merge/patch-data.js';
import { loadRun } from '../report/load.js';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { readManifest } from '../run-dir/manifest.js';
import { runPaths, safeName, topkRecordPath, type ProbeProvenance } from '../run-dir/layout.js';
import { fig2Units } from './fig2-units.js';
import { ActivationMismatch, drawNetViews, type UnitViews } from './net-views.js';
import { createViewDrawers } from './view-drawers.js';
import { hardwareConcurrency, type WorkerSource } from '../platform/workers.js';
import { readRecordedModel } from './recorded-model.js';
import { unitKey, type ViewsStatus } from './status.js';

export interface Fig2ViewsOptions {
  log?: (message: string) => void;
  /** Called once the models and data are checked, with the number of views to draw (0: all kept), then after each view. */
  onStart?: (views: number) => void;
  onView?: (done: number) => void;
  /** Threads drawing the views (default: all cores; 1: this thread). The views are the same bit for bit on any number. */
  threads?: number;
  /** The views workers' script (default: src/views/views-worker.ts compiled); tests wrap it to make a worker fail. */
  workerSource?: WorkerSource;
}

/** Above this many views the step says how many it will draw before it starts. */
export const VIEWS_ANNOUNCE = 50;

const PURPOSE = {
  what: 'draw the deconvnet views of Fig. 2',
  whose: 'the probe',
  advice: 'run `convergent report` where the probe\'s data can be read at the same path (the report shows Fig. 2 without views meanwhile)',
};

/** Draws the missing views of Fig. 2 into RUN/views/ and returns the status written there, with the seconds taken. */
export async function drawFig2Views(run: string, options: Fig2ViewsOptions = {}): Promise<ViewsStatus & { seconds: number }> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const previous = await readStatus(run);
  const status: ViewsStatus = { units: {}, views: 0, drawnNow: 0, notes: [] };
  const finish = async () => {
    await ensureDir(runPaths.viewsDir(run));
    await removeStale(run, status);
    await writeJsonAtomic(runPaths.viewsStatus(run), status);
    return { ...status, seconds: (performance.now() - started) / 1000 };
  };
  const manifest = await readManifest(run);
  const provenance = manifest.provenance;
  if (!provenance) {
    status.notes.push('the run was probed before probe.json recorded its provenance (the models\' sha256, the data): nothing says which weights and images to project through; probe it again');
    return finish();
  }
  if (!provenance.data || provenance.nets.some((n) => n.kind !== 'onnx')) {
    status.notes.push('the nets were given as activation files, not ONNX models with their images: a deconvnet view needs the net and the image');
    return finish();
  }
  const topk = provenance.reducers.find((r) => r.name === 'topk');
  if (!topk) {
    status.notes.push('the probe kept no top-k records (--top-k 0): there are no images to draw views of');
    return finish();
  }
  if (topk.options.patches === false) {
    status.notes.push('the probe drew no patches (--no-patches): the views go beneath the patches');
    return finish();
  }
  const units = await fig2Units(await loadRun(run));
  if (units.size === 0) {
    status.notes.push('no bipartite matching in tables/matches: Fig. 2 shows no units');
    return finish();
  }
  const plans: NetPlan[] = [];
  for (const net of provenance.nets) {
    const wanted = [...units].filter(([, nets]) => nets.has(net.name)).map(([layer, nets]) => ({ layer, units: nets.get(net.name)! }));
    if (wanted.length === 0) continue;
    try {
      plans.push(await planNet(run, net, wanted, provenance, previous, status));
    } catch (e) {
      status.notes.push(`no views of net ${net.name}: ${(e as Error).message}`);
    }
  }
  if (status.views === 0) return finish();
  // The data is checked even when every unit was drawn before: views of images that have changed
  // since would be pictures of nothing the run saw.
  let source;
  try {
    source = await openPatchData(provenance as ProbeProvenance & { data: NonNullable<ProbeProvenance['data']> }, PURPOSE);
  } catch (e) {
    status.notes.push((e as Error).message);
    status.units = {};
    status.views = 0;
    return finish();
  }
  const total = plans.reduce((n, p) => n + countViews(p.toDraw), 0);
  options.onStart?.(total);
  const images = new Set(plans.flatMap((p) => p.toDraw.flatMap((u) => u.slots.map((s) => `${p.net} ${s.item}`)))).size;
  const item = checkItemShape(provenance.data.itemShape) as [number, number, number];
  let drawers;
  try {
    drawers = total > 0 ? await createViewDrawers(options.threads ?? (await hardwareConcurrency()), options.workerSource) : undefined;
  } catch (e) {
    await source.close();
    throw e;
  }
  const threads = drawers ? `, ${drawers.threads === 1 ? 'this thread' : `${drawers.threads} threads`}` : '';
  if (total > VIEWS_ANNOUNCE) log(`drawing ${total.toLocaleString('en-US')} deconvnet views of Fig. 2 (${images.toLocaleString('en-US')} forward passes, one backward pass a view${threads})`);
  try {
    for (const p of plans) {
      if (p.toDraw.length === 0) continue;
      const written = new Set<UnitViews>();
      try {
        const drawer = await drawers!.forNet({ net: p.net, model: p.model, item, tensors: [...new Set(p.toDraw.map((u) => u.tensor))] });
        status.ops = drawer.opsName;
        await drawNetViews({
          net: p.net,
          drawer,
          item,
          units: p.toDraw,
          readItem: (i) => source.readItem(i),
          onView: () => {
            status.drawnNow++; // not inside `onView?.(...)`: without a callback it would not be counted
            options.onView?.(status.drawnNow);
          },
          write: async (u, png) => {
            const path = runPaths.viewPng(run, u.layer, p.net, u.unit);
            await ensureDir(join(path, '..'));
            await writeFileAtomic(path, png, { fsync: false });
            written.add(u);
          },
        });
      } catch (e) {
        if (e instanceof ActivationMismatch) {
          // The net's records or model are not what the views see: all its views go, those kept
          // from before too, and the other nets' stay.
          status.notes.push(`no views of net ${p.net}: ${e.message}`);
          forget(status, p.net, p.listed);
        } else {
          // Drawing failed (an op without a deconvnet rule, an unreadable image, a worker that
          // died): the units drawn before the failure are good views and stay; the next report
          // draws the rest.
          const lost = p.toDraw.filter((u) => !written.has(u));
          const kept = p.listed.length - lost.length;
          status.notes.push(`no views of net ${p.net} for ${lost.length} of its ${p.listed.length} units${kept > 0 ? ` (the other ${kept} are kept)` : ''}: ${(e as Error).message}`);
          forget(status, p.net, lost);
        }
      }
    }
  } finally {
    await drawers?.close();
    await source.close();
  }
  const done = await finish();
  if (total > VIEWS_ANNOUNCE) log(`drew ${status.drawnNow.toLocaleString('en-US')} views in ${done.seconds.toFixed(1)} s (${((1000 * done.seconds) / Math.max(1, status.drawnNow)).toFixed(1)} ms a view with its share of the forward passes)`);
  return done;
}

/** One net's units: its model (checked), every unit with views (listed) and those not drawn before from the same model and records (toDraw). */
interface NetPlan {
  net: string;
  model: OnnxModel;
  listed: UnitViews[];
  toDraw: UnitViews[];
}

async function planNet(
  run: string,
  net: ProbeProvenance['nets'][number],
  wanted: { layer: string; units: number[] }[],
  provenance: ProbeProvenance,
  previous: ViewsStatus | undefined,
  status: ViewsStatus,
): Promise<NetPlan> {
  const model = await readRecordedModel(net);
  const toDraw: UnitViews[] = [];
  const listed: UnitViews[] = [];
  for (const { layer, units } of wanted) {
    for (const u of await readUnitSlots(run, layer, net.name, units, provenance)) {
      if (u.slots.length === 0) continue;
      const signature = createHash('sha256').update(`${model.sha256} ${u.tensor} ${JSON.stringify(u.slots)}`).digest('hex');
      const key = unitKey(safeName(layer), safeName(net.name), u.unit);
      listed.push(u);
      status.units[key] = signature;
      if (previous?.units[key] === signature && (await exists(runPaths.viewPng(run, layer, net.name, u.unit)))) continue;
      toDraw.push(u);
    }
  }
  status.views += countViews(listed);
  return { net: net.name, model: model.model, listed, toDraw };
}

function countViews(units: UnitViews[]): number {
  return units.reduce((n, u) => n + u.slots.length, 0);
}

/** Takes units out of the status (their PNGs, if any, are removed as stale). */
function forget(status: ViewsStatus, net: string, units: UnitViews[]): void {
  for (const u of units) delete status.units[unitKey(safeName(u.layer), safeName(net), u.unit)];
  status.views -= countViews(units);
}

/** Deletes every unit's PNG that the status does not list (a model changed, data gone, a unit no longer shown). */
async function removeStale(run: string, status: ViewsStatus): Promise<void> {
  const units = join(runPaths.viewsDir(run), 'units');
  const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
  // units/<layer>/<net>/<unit>.png, the components as safeName wrote them (as the status keys are).
  for (const layer of await list(units)) {
    for (const net of await list(join(units, layer))) {
      for (const file of await list(join(units, layer, net))) {
        const key = `${layer}/${net}/${file.replace(/\.png$/, '')}`;
        if (file.endsWith('.png') && !(key in status.units)) await rm(join(units, layer, net, file), { force: true });
      }
    }
  }
}

async function readStatus(run: string): Promise<ViewsStatus | undefined> {
  try {
    return JSON.parse(await readFile(runPaths.viewsStatus(run), 'utf8')) as ViewsStatus;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** The filled top-k slots of `units` of a net at a layer (reducers/topk/<layer>/), with the patches' field. */
async function readUnitSlots(run: string, layer: string, net: string, units: number[], provenance: ProbeProvenance): Promise<UnitViews[]> {
  const dir = runPaths.reducerDir(run, 'topk', layer);
  const result = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as { k: number; nets: Record<string, { receptiveField: ReceptiveField }> };
  const field = result.nets[net]?.receptiveField;
  const tensor = provenance.layers.find((l) => l.name === layer)?.tensors[net];
  if (!field || tensor === undefined) throw new Error(`${join(dir, 'result.json')}: no record of net ${net} at layer ${layer}`);
  const [items, ys, xs, values] = await Promise.all((['items', 'y', 'x', 'values'] as const).map(async (kind) => (await readNpy(topkRecordPath(dir, net, kind))).data));
  const { k } = result;
  let layerPeak = 0;
  for (let at = 0; at < values.length; at++) if (items[at] >= 0) layerPeak = Math.max(layerPeak, Math.abs(values[at]));
  return units.map((unit) => {
    const slots = [];
    for (let j = 0; j < k; j++) {
      const at = unit * k + j;
      // Filled slots only: empty ones (-1) stay white, as in the patches.
      if (items[at] >= 0 && values[at] > 0) slots.push({ slot: j, item: items[at], y: ys[at], x: xs[at], value: values[at] });
    }
    return { layer, tensor, unit, k, field, slots, layerPeak };
  });
}
