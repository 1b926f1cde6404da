// Fig. 2 with the deconvnet views (src/views/): `convergent run` on two small ONNX CNNs (max
// pooling, a grouped conv, an fc layer; 3 x 9 x 7 images) draws, beneath each unit's top patches,
// the views of the same images on the same grid, equal to the float64 reference views drawn on
// that grid; a second report keeps them; a changed model or --no-views leaves none, and says why.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { decodeOnnx } from '../../src/inputs/onnx/decode.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { viewForward } from '../../src/forward/deconv/forward-pass.js';
import { deconvView } from '../../src/forward/deconv/view.js';
import { referenceDeconvOps } from '../../src/forward/deconv/reference-ops.js';
import { drawViewTile } from '../../src/views/view-tiles.js';
import { blankPatchCanvas, patchGrid } from '../../src/probe/patch-grid.js';
import { runPaths, topkRecordPath } from '../../src/run-dir/layout.js';
import { ITEM, convergent } from '../cli/helpers.js';
import { runOnPoolCnns, writePoolCnn } from '../views/pool-cnn.js';

let dir: string;
let run: string;
let first: ReturnType<typeof convergent>;
beforeAll(() => {
  ({ dir, run, result: first } = runOnPoolCnns('views'));
});

const html = () => readFileSync(join(run, 'report.html'), 'utf8');
const status = () => JSON.parse(readFileSync(runPaths.viewsStatus(run), 'utf8'));

describe('Fig. 2 with deconvnet views, from `convergent run` on ONNX nets', () => {
  it('puts each unit\'s views right beneath its patches, for every layer and both nets', () => {
    expect(first.code, first.stderr).toBe(0);
    const page = html();
    const cells = [...page.matchAll(/alt="top patches of (a|b) unit (\d+)"[^>]*><img class="views" alt="deconvnet views of (a|b) unit (\d+)" width="(\d+)"/g)];
    expect(cells.length).toBeGreaterThan(10);
    for (const c of cells) expect([c[3], c[4]]).toEqual([c[1], c[2]]);
    expect(page).toContain('deconvnet views (Zeiler &amp; Fergus 2014)');
    expect(page).toContain('LRN passed through unchanged');
    expect(status().notes).toEqual([]);
    expect(status().drawnNow).toBe(status().views);
    // More than 50: said before they are drawn, and how long they took.
    expect(status().views).toBeGreaterThan(50);
    expect(first.stderr).toContain(`drawing ${status().views} deconvnet views of Fig. 2 (`);
    expect(first.stderr).toMatch(new RegExp(`drew ${status().views} views in [0-9.]+ s`));
  });

  for (const [layer, tensor] of [['conv1', 'r1'], ['conv2', 'r2'], ['fc1', 'r3']] as const) {
    it(`${layer}: the views PNG is the patches' grid holding the float64 reference views`, async () => {
      const net = 'b';
      const topk = runPaths.reducerDir(run, 'topk', layer);
      const items = (await readNpy(topkRecordPath(topk, net, 'items'))).data;
      const ys = (await readNpy(topkRecordPath(topk, net, 'y'))).data;
      const xs = (await readNpy(topkRecordPath(topk, net, 'x'))).data;
      const k = 5;
      const result = JSON.parse(readFileSync(join(topk, 'result.json'), 'utf8'));
      const unit = Object.keys(status().units).map((key) => key.split('/')).find(([l, n]) => l === layer && n === net)![2];
      const u = Number(unit);
      const png = decode(readFileSync(runPaths.viewPng(run, layer, net, u)));
      const patches = decode(readFileSync(join(topk, net, `${u}.png`)));
      expect([png.width, png.height, png.channels]).toEqual([patches.width, patches.height, patches.channels]);

      const model = decodeOnnx(readFileSync(join(dir, `${net}.onnx`)), `${net}.onnx`);
      const forward = viewForward(net, model, ITEM, [tensor], createReferenceKernels());
      const images = (await readNpy(join(dir, 'images.npy'))).data;
      const size = ITEM[0] * ITEM[1] * ITEM[2];
      const grid = patchGrid(k, result.nets[net].receptiveField, ITEM);
      const expected = blankPatchCanvas(grid);
      let drawn = 0;
      for (let j = 0; j < k; j++) {
        const item = items[u * k + j];
        if (item < 0) continue;
        const values = await forward.run(Float32Array.from(images.subarray(item * size, (item + 1) * size)));
        const view = deconvView(forward.plan, values, { tensor: forward.targets.get(tensor)!, unit: u, y: ys[u * k + j], x: xs[u * k + j] }, referenceDeconvOps);
        drawViewTile(expected, grid, j, view.image, ys[u * k + j], xs[u * k + j]);
        drawn++;
      }
      expect(drawn).toBeGreaterThan(0);
      // WASM sums in float32: a pixel may round the other way.
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(png.data[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(1);
      expect(new Set(png.data).size).toBeGreaterThan(20); // a picture, not a blank
    });
  }

  it('a second report keeps the views it drew', () => {
    const r = convergent(['report', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(status().drawnNow).toBe(0);
    expect(html()).toContain('alt="deconvnet views of a unit');
  });

  it('an activation the views\' forward pass does not find again (a record changed): that net gets no views, and the report says where', async () => {
    const path = topkRecordPath(runPaths.reducerDir(run, 'topk', 'conv1'), 'b', 'values');
    const before = readFileSync(path);
    const { data, shape } = await readNpy(path);
    const unit = Number(Object.keys(status().units).find((key) => key.startsWith('conv1/b/'))!.split('/')[2]);
    const item = (await readNpy(topkRecordPath(runPaths.reducerDir(run, 'topk', 'conv1'), 'b', 'items'))).data[unit * 5];
    const changed = Float32Array.from(data);
    changed[unit * 5] *= 2;
    writeFileSync(path, encodeNpy(changed, shape));
    const r = convergent(['report', run]);
    writeFileSync(path, before);
    expect(r.code, r.stderr).toBe(0);
    expect(html()).toContain(`Deconvnet views missing: no views of net b: layer conv1, unit ${unit}, image #${item} at (`);
    expect(html()).toContain(`where the probe recorded ${changed[unit * 5]}`);
    expect(html()).not.toContain('alt="deconvnet views of b unit');
    expect(html()).toContain('alt="deconvnet views of a unit');
  });

  it('a model changed since the probe: its net gets no views, and the report says why', () => {
    writePoolCnn(join(dir, 'a.onnx'), 3);
    const r = convergent(['report', run]);
    expect(r.code, r.stderr).toBe(0);
    const page = html();
    expect(page).toContain(`Deconvnet views missing: no views of net a: ${join(dir, 'a.onnx')} is not the model the run probed`);
    expect(page).not.toContain('alt="deconvnet views of a unit');
    expect(page).toContain('alt="deconvnet views of b unit');
  });

  it('images changed since the probe: no views at all, even those drawn before, and the report says why', () => {
    const images = join(dir, 'images.npy');
    const before = readFileSync(images);
    writeFileSync(images, encodeNpy(Float32Array.from({ length: 13 * ITEM[0] * ITEM[1] * ITEM[2] }, (_, i) => Math.cos(i)), [13, ...ITEM]));
    const r = convergent(['report', run]);
    writeFileSync(images, before);
    expect(r.code, r.stderr).toBe(0);
    expect(html()).toContain(`Deconvnet views missing: the data at ${images} is not what the probe probed`);
    expect(html()).not.toContain('class="views"');
    expect(status().units).toEqual({});
  });

  it('--no-views: no views, and the report says how to get them', () => {
    const r = convergent(['report', run, '--no-views']);
    expect(r.code, r.stderr).toBe(0);
    expect(html()).not.toContain('class="views"');
    expect(html()).toContain('No deconvnet views: `convergent report` draws them');
  });
});
