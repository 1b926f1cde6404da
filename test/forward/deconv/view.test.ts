// Deconvnet views (src/forward/deconv/) against the float64 views of
// scripts/fixtures/make_deconv_fixtures.py (the transposes of the ops' explicit matrices), on the
// reference and the WASM ops; and the single-filter net whose view is its filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxBuilder } from '../../../src/inputs/onnx/builder.js';
import { createReferenceKernels } from '../../../src/forward/reference/index.js';
import { viewForward, type ViewForward } from '../../../src/forward/deconv/forward-pass.js';
import { deconvView } from '../../../src/forward/deconv/view.js';
import { referenceDeconvOps } from '../../../src/forward/deconv/reference-ops.js';
import { createWasmDeconvOps } from '../../../src/forward/deconv/wasm-ops.js';
import type { DeconvOps } from '../../../src/forward/deconv/ops.js';
import { fixtureImage, fixtureModel, loadDeconvFixture } from './net-fixture.js';

const fx = loadDeconvFixture();

/** max |a - b| relative to max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('deconvnet views of the fixture net (grouped conv, LRN, max pooling, fc; 3 x 13 x 11)', () => {
  let forward: ViewForward;
  let wasmOps: DeconvOps;
  beforeAll(async () => {
    forward = viewForward('fixture', fixtureModel(fx), fx.item, ['r1', 'r2', 'r3'], createReferenceKernels());
    wasmOps = await createWasmDeconvOps(forward.plan);
  });
  afterAll(() => forward.dispose());

  it('has cases at every layer', () => {
    expect(new Set(fx.cases.map((c) => c.layer))).toEqual(new Set(['r1', 'r2', 'r3']));
  });

  for (const [name, ops] of [['reference (float64)', () => referenceDeconvOps], ['WASM (float32)', () => wasmOps]] as const) {
    it(`${name}: every view equals numpy's`, async () => {
      for (const c of fx.cases) {
        const values = await forward.run(fixtureImage(fx, c.image));
        const tensor = forward.targets.get(c.layer)!;
        const map = forward.plan.tensors[tensor].shape;
        // The position the probe's top-k would record: the unit's first maximum.
        if (map.length === 4) {
          const plane = values.get(tensor)!.subarray(c.unit * map[2] * map[3], (c.unit + 1) * map[2] * map[3]);
          expect(plane.indexOf(Math.max(...plane)), `${c.layer} unit ${c.unit}`).toBe(c.y * map[3] + c.x);
        }
        const view = deconvView(forward.plan, values, { tensor, unit: c.unit, y: c.y, x: c.x }, ops());
        expect(Math.abs(view.activation - c.activation) / c.activation).toBeLessThan(1e-6);
        expect(view.image.length).toBe(c.view.data.length);
        // The float32 forward pass rounds the activation the view scales with; WASM also sums in float32.
        expect(relativeError(view.image, c.view.data), `${c.layer} unit ${c.unit} image ${c.image}`).toBeLessThan(name.startsWith('WASM') ? 1e-5 : 1e-6);
      }
    });
  }
});

describe('a single-filter net: the view is the filter, times the activation, at the receptive field', () => {
  // One conv, one 3-channel 4 x 5 filter, stride 2 (rows) and 3 (columns), pads 1, then a ReLU.
  const [C, H, W] = [3, 11, 13];
  const [KH, KW] = [4, 5];
  const filter = Float32Array.from({ length: C * KH * KW }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
  const model = (() => {
    const b = new OnnxBuilder('one-filter');
    b.input('x', ['N', C, H, W]);
    b.initializer('w', [1, C, KH, KW], filter);
    b.node('Conv', ['x', 'w'], ['c'], { strides: [2, 3], pads: [1, 1, 1, 1] });
    b.node('Relu', ['c'], ['r']);
    b.output('r', ['N', 1, 5, 4]);
    return b.build({ opset: 13 });
  })();
  const image = Float32Array.from({ length: C * H * W }, (_, i) => Math.cos(i * 0.37));

  for (const [name, makeOps] of [['reference', async () => referenceDeconvOps], ['WASM', (f: ViewForward) => createWasmDeconvOps(f.plan)]] as const) {
    it(`${name}: inside the image and clipped at the border`, async () => {
      const forward = viewForward('one-filter', model, [C, H, W], ['r'], createReferenceKernels());
      const ops = await makeOps(forward);
      const values = await forward.run(image);
      const r = forward.targets.get('r')!;
      const [, , OH, OW] = forward.plan.tensors[r].shape;
      let positive = 0;
      for (let y = 0; y < OH; y++) {
        for (let x = 0; x < OW; x++) {
          const activation = values.get(r)![y * OW + x];
          const view = deconvView(forward.plan, values, { tensor: r, unit: 0, y, x }, ops);
          expect(view.activation).toBe(activation);
          if (activation > 0) positive++;
          const expected = new Float64Array(C * H * W);
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < KH; ky++) {
              for (let kx = 0; kx < KW; kx++) {
                const iy = y * 2 - 1 + ky;
                const ix = x * 3 - 1 + kx;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) expected[(c * H + iy) * W + ix] = filter[(c * KH + ky) * KW + kx] * activation;
              }
            }
          }
          for (let i = 0; i < expected.length; i++) expect(view.image[i]).toBeCloseTo(expected[i], name === 'WASM' ? 5 : 12);
        }
      }
      expect(positive).toBeGreaterThan(3);
      forward.dispose();
    });
  }
});

describe('a step without a deconvnet rule is refused, naming the node', () => {
  it('Sigmoid on the path from the unit to the image', async () => {
    const b = new OnnxBuilder('sigmoid');
    b.input('x', ['N', 1, 5, 7]);
    b.initializer('w', [2, 1, 3, 3], Float32Array.from({ length: 18 }, (_, i) => (i % 5) - 2));
    b.node('Sigmoid', ['x'], ['s'], {}, 'squash');
    b.node('Conv', ['s', 'w'], ['c']);
    b.node('Relu', ['c'], ['r']);
    b.output('r', ['N', 2, 3, 5]);
    const forward = viewForward('sigmoid', b.build({ opset: 13 }), [1, 5, 7], ['r'], createReferenceKernels());
    const values = await forward.run(Float32Array.from({ length: 35 }, (_, i) => Math.sin(i)));
    const r = forward.targets.get('r')!;
    const unit = values.get(r)!.findIndex((v) => v > 0);
    expect(() => deconvView(forward.plan, values, { tensor: r, unit: Math.floor(unit / 15), y: Math.floor((unit % 15) / 5), x: unit % 5 }, referenceDeconvOps)).toThrow(
      'no deconvnet view through Sigmoid node "squash": sigmoid has no deconvnet rule (only ReLU)',
    );
  });
});
