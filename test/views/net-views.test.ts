// The check that a view starts from the activation the probe recorded (src/views/net-views.ts):
// rounding is judged against the layer's scale, so a unit far below it (fc7 of a seeded random
// AlexNet, bench/views-threads.ts: recorded 3.582928e-4, the batch-1 pass 3.5912730e-4, 2.3e-3
// of itself) is drawn, while a record that is not the pass's (twice the value) is refused, naming
// the layer, unit and image.
import { describe, expect, it } from 'vitest';
import type { ReceptiveField } from '../../src/forward/receptive-field.js';
import type { NetDrawer } from '../../src/views/view-drawers.js';
import { ActivationMismatch, drawNetViews, type UnitViews } from '../../src/views/net-views.js';

const item = [3, 7, 5] as const;
const dense: ReceptiveField = { spatial: false, y: { jump: 1, size: 1, start: 0 }, x: { jump: 1, size: 1, start: 0 } };

/** A drawer whose forward pass finds `activation` (the view itself a blank image). */
function drawerFinding(activation: number): NetDrawer {
  return { opsName: 'test', inFlight: 1, draw: async (_index, _image, requests) => requests.map(() => ({ image: new Float64Array(3 * 7 * 5), activation })) };
}

function draw(recorded: number, layerPeak: number, found: number) {
  const unit: UnitViews = { layer: 'fc7', tensor: 'relu7', unit: 3389, k: 1, field: dense, slots: [{ slot: 0, item: 7, y: 0, x: 0, value: recorded }], layerPeak };
  const written: number[] = [];
  const done = drawNetViews({
    net: 'net2',
    drawer: drawerFinding(found),
    item,
    units: [unit],
    readItem: async () => new Float32Array(3 * 7 * 5),
    onView: () => {},
    write: async (u) => void written.push(u.unit),
  });
  return { done, written };
}

describe('the activation a view starts from', () => {
  it('may differ by rounding at the layer\'s scale from what the probe recorded', async () => {
    const { done, written } = draw(3.582928e-4, 100 * 3.582928e-4, 3.591273e-4); // a layer whose largest is 100 times this unit's
    await done;
    expect(written).toEqual([3389]);
  });

  it('is refused when it is not the recorded one, naming the layer, unit and image', async () => {
    const { done, written } = draw(2 * 3.591273e-4, 3.591273e-4 * 2, 3.591273e-4);
    await expect(done).rejects.toThrow(ActivationMismatch);
    await expect(done).rejects.toThrow(/^layer fc7, unit 3389, image #7 at \(0, 0\): the forward pass gives 0\.000359\d+ where the probe recorded 0\.000718/);
    expect(written).toEqual([]);
  });
});
