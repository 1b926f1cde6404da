// The deconvnet views of one net: one forward pass per image that any of its Fig. 2 units has
// among its top-k (keeping the max-pool inputs for the switches), then one view per (unit, slot)
// on that image, drawn into the unit's tile grid; each unit's PNG is handed over once its last
// slot is drawn. The images go to a NetDrawer (./view-drawers.ts: worker threads or this one),
// several at a time; each slot has its own tile, so the PNGs do not depend on the order in which
// the images come back.
import type { ReceptiveField } from '../forward/receptive-field.js';
import { blankPatchCanvas, patchGrid } from '../probe/patch-grid.js';
import type { ViewRequest } from './image-views.js';
import { StoppedByAnotherWorker, type NetDrawer } from './view-drawers.js';
import { drawViewTile, encodeCanvas } from './view-tiles.js';

/** One unit of Fig. 2 with its filled top-k slots (item, position of its strongest response). */
export interface UnitViews {
  layer: string;
  /** The ONNX value the layer captures in this net. */
  tensor: string;
  unit: number;
  k: number;
  field: ReceptiveField;
  /** value: the activation the probe recorded there (the view's forward pass must find it again). */
  slots: { slot: number; item: number; y: number; x: number; value: number }[];
  /** The largest activation the probe recorded for any unit of this net at this layer: the scale of its rounding. */
  layerPeak: number;
}

export interface NetViewsInput {
  net: string;
  drawer: NetDrawer;
  item: readonly [number, number, number];
  units: UnitViews[];
  readItem(index: number): Promise<Float32Array>;
  /** After each view. */
  onView(): void;
  /** Each unit's PNG, once all its slots are drawn. */
  write(unit: UnitViews, png: Uint8Array): Promise<void>;
}

/**
 * Difference allowed between the probe's activation and the views' forward pass, relative to the
 * layer's largest: the probe's batched kernels and the views' batch-1 pass sum in other orders, and
 * a unit far below the layer's scale (a sum that mostly cancels: fc7 of a random AlexNet) can
 * differ by more than 1e-3 of itself (2.3e-3 seen). Other weights or images differ by far more.
 */
const ACTIVATION_TOLERANCE = 1e-3;

/** The views' forward pass does not find the activation the probe recorded: the net's records or model are not what the views are drawn from. */
export class ActivationMismatch extends Error {}

/**
 * The view starts from the activation this forward pass finds; it must be the one the probe
 * recorded for that image and position, or the view would be of something the run never saw.
 */
function checkActivation(net: string, u: UnitViews, s: UnitViews['slots'][number], activation: number): void {
  if (Math.abs(activation - s.value) <= ACTIVATION_TOLERANCE * u.layerPeak) return;
  throw new ActivationMismatch(
    `layer ${u.layer}, unit ${u.unit}, image #${s.item} at (${s.y}, ${s.x}): the forward pass gives ${activation} where the probe recorded ${s.value} (reducers/topk/${u.layer}/${net}.values.npy); the views would not be of what the run saw`,
  );
}

/**
 * Draws the views of `units`. At the first failure no further image is started; those in flight
 * are finished (their units' PNGs written), then the failure is thrown.
 */
export async function drawNetViews(input: NetViewsInput): Promise<void> {
  const { net, drawer, item, units } = input;
  // Per image, the (unit, slot) pairs that show it; per unit, the slots still to draw.
  const byItem = new Map<number, { unit: number; slot: number }[]>();
  units.forEach((u, i) =>
    u.slots.forEach((s, j) => {
      if (!byItem.has(s.item)) byItem.set(s.item, []);
      byItem.get(s.item)!.push({ unit: i, slot: j });
    }),
  );
  const left = units.map((u) => u.slots.length);
  const grids = units.map((u) => patchGrid(u.k, u.field, item));
  const canvases = new Map<number, Uint8Array>();

  const drawImage = async (index: number) => {
    const pairs = byItem.get(index)!;
    const requests: ViewRequest[] = pairs.map(({ unit, slot }) => {
      const u = units[unit];
      const s = u.slots[slot];
      return { layer: u.layer, tensor: u.tensor, unit: u.unit, y: s.y, x: s.x };
    });
    const views = await drawer.draw(index, await input.readItem(index), requests);
    pairs.forEach(({ unit, slot }, k) => checkActivation(net, units[unit], units[unit].slots[slot], views[k].activation));
    for (const [k, { unit, slot }] of pairs.entries()) {
      const u = units[unit];
      const s = u.slots[slot];
      if (!canvases.has(unit)) canvases.set(unit, blankPatchCanvas(grids[unit]));
      drawViewTile(canvases.get(unit)!, grids[unit], s.slot, views[k].image, s.y, s.x);
      input.onView();
      if (--left[unit] === 0) {
        const png = encodeCanvas(canvases.get(unit)!, grids[unit]);
        canvases.delete(unit);
        await input.write(u, png);
      }
    }
  };

  const order = [...byItem.keys()].sort((a, b) => a - b);
  let next = 0;
  let failed = false;
  let failure: unknown;
  // `inFlight` lanes, each taking the next image when its last is drawn.
  const lane = async () => {
    while (!failed && next < order.length) {
      const index = order[next++];
      try {
        await drawImage(index);
      } catch (e) {
        // The first failure is reported, unless it only echoes another worker's.
        if (!failed || failure instanceof StoppedByAnotherWorker) failure = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(drawer.inFlight, order.length) }, lane));
  if (failed) throw failure;
}
