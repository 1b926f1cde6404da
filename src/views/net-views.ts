// The deconvnet views of one net: one forward pass per image that any of its Fig. 2 units has
// among its top-k (keeping the max-pool inputs for the switches), then one view per (unit, slot)
// on that image, drawn into the unit's tile grid; each unit's PNG is handed over once its last
// slot is drawn. Forward passes on the WASM op kernels, views on the WASM deconv ops.
import type { OnnxModel } from '../inputs/onnx/model.js';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { createWasmKernels } from '../forward/wasm/kernels.js';
import { viewForward } from '../forward/deconv/forward-pass.js';
import { deconvView } from '../forward/deconv/view.js';
import { createWasmDeconvOps } from '../forward/deconv/wasm-ops.js';
import { blankPatchCanvas, patchGrid } from '../probe/patch-grid.js';
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
}

export interface NetViewsInput {
  net: string;
  model: OnnxModel;
  item: readonly [number, number, number];
  units: UnitViews[];
  readItem(index: number): Promise<Float32Array>;
  /** After each view. */
  onView(): void;
  /** Each unit's PNG, once all its slots are drawn. */
  write(unit: UnitViews, png: Uint8Array): Promise<void>;
}

/** Difference allowed between the probe's activation and the views' forward pass, relative to the unit's best (other backends round differently). */
const ACTIVATION_TOLERANCE = 1e-3;

/**
 * The view starts from the activation this forward pass finds; it must be the one the probe
 * recorded for that image and position, or the view would be of something the run never saw.
 */
function checkActivation(net: string, u: UnitViews, s: UnitViews['slots'][number], activation: number): void {
  // Relative to the unit's best recorded value: a slot near 0 may differ by more than its own size.
  const scale = Math.max(...u.slots.map((t) => Math.abs(t.value)));
  if (Math.abs(activation - s.value) <= ACTIVATION_TOLERANCE * scale) return;
  throw new Error(
    `layer ${u.layer}, unit ${u.unit}, image #${s.item} at (${s.y}, ${s.x}): the forward pass gives ${activation} where the probe recorded ${s.value} (reducers/topk/${u.layer}/${net}.values.npy); the views would not be of what the run saw`,
  );
}

/** Draws the views of `units`; returns the name of the ops they ran on. */
export async function drawNetViews(input: NetViewsInput): Promise<string> {
  const { net, model, item, units } = input;
  const tensors = [...new Set(units.map((u) => u.tensor))];
  const kernels = await createWasmKernels();
  const forward = viewForward(net, model, item, tensors, kernels);
  const ops = await createWasmDeconvOps(forward.plan);
  try {
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
    for (const index of [...byItem.keys()].sort((a, b) => a - b)) {
      const values = await forward.run(await input.readItem(index));
      for (const { unit, slot } of byItem.get(index)!) {
        const u = units[unit];
        const s = u.slots[slot];
        const view = deconvView(forward.plan, values, { tensor: forward.targets.get(u.tensor)!, unit: u.unit, y: s.y, x: s.x }, ops);
        checkActivation(net, u, s, view.activation);
        if (!canvases.has(unit)) canvases.set(unit, blankPatchCanvas(grids[unit]));
        drawViewTile(canvases.get(unit)!, grids[unit], s.slot, view.image, s.y, s.x);
        input.onView();
        if (--left[unit] === 0) {
          await input.write(u, encodeCanvas(canvases.get(unit)!, grids[unit]));
          canvases.delete(unit);
        }
      }
    }
    return ops.name;
  } finally {
    ops.dispose();
    forward.dispose();
    await kernels.dispose();
  }
}
