// The cost of Fig. 2's deconvnet views (src/forward/deconv/, src/views/) at AlexNet's size: the
// CaffeNet-shaped net of forward-models.ts with seeded weights, a few seeded 227 x 227 images,
// and for a few units of conv5 and fc7 (at each unit's strongest position) one view per (unit,
// image): the forward pass that gives the switches (WASM op kernels, one thread, batch 1), the
// view on the WASM backward kernels, and on the float64 reference. Medians, with the load.
import { createWasmKernels } from '../src/forward/wasm/kernels.js';
import { viewForward } from '../src/forward/deconv/forward-pass.js';
import { deconvView } from '../src/forward/deconv/view.js';
import { referenceDeconvOps } from '../src/forward/deconv/reference-ops.js';
import { createWasmDeconvOps } from '../src/forward/deconv/wasm-ops.js';
import { seededNormal } from '../src/util/random.js';
import { loadLine, median } from './alternation.js';
import { alexnet } from './forward-models.js';

export interface DeconvViewsBench {
  images: number;
  unitsPerLayer: number;
  forwardMs: number;
  rows: { layer: string; ops: string; views: number; msPerView: number }[];
  load: string;
}

export async function benchDeconvViews(images = 3, unitsPerLayer = 3, referenceViews = 2): Promise<DeconvViewsBench> {
  const net = alexnet(1);
  const layers = [['conv5', 'relu5'], ['fc7', 'relu7']] as const;
  const kernels = await createWasmKernels();
  const forward = viewForward(net.name, net.model, net.itemShape, layers.map(([, t]) => t), kernels);
  const wasmOps = await createWasmDeconvOps(forward.plan);
  const next = seededNormal(7);
  const size = net.itemShape.reduce((a, b) => a * b, 1);
  const forwardMs: number[] = [];
  const times = new Map<string, number[]>();
  const time = (key: string, fn: () => void) => {
    const t0 = performance.now();
    fn();
    times.set(key, [...(times.get(key) ?? []), performance.now() - t0]);
  };
  for (let i = 0; i < images; i++) {
    const image = Float32Array.from({ length: size }, () => next());
    const t0 = performance.now();
    const values = await forward.run(image);
    forwardMs.push(performance.now() - t0);
    for (const [layer, tensor] of layers) {
      const id = forward.targets.get(tensor)!;
      const shape = forward.plan.tensors[id].shape;
      const positions = shape.length === 4 ? shape[2] * shape[3] : 1;
      const data = values.get(id)!;
      // The most active units of this image, each at its strongest position (as the top-k records it).
      const best = Array.from({ length: shape[1] }, (_, u) => {
        let at = 0;
        for (let p = 1; p < positions; p++) if (data[u * positions + p] > data[u * positions + at]) at = p;
        return { u, at, v: data[u * positions + at] };
      })
        .sort((a, b) => b.v - a.v)
        .slice(0, unitsPerLayer);
      for (const [k, { u, at }] of best.entries()) {
        const target = { tensor: id, unit: u, y: shape.length === 4 ? Math.floor(at / shape[3]) : 0, x: shape.length === 4 ? at % shape[3] : 0 };
        time(`${layer} ${wasmOps.name}`, () => deconvView(forward.plan, values, target, wasmOps));
        if (i === 0 && k < referenceViews) time(`${layer} ${referenceDeconvOps.name}`, () => deconvView(forward.plan, values, target, referenceDeconvOps));
      }
    }
  }
  forward.dispose();
  await kernels.dispose();
  const rows = [...times].map(([key, ms]) => {
    const [layer, ...ops] = key.split(' ');
    return { layer, ops: ops.join(' '), views: ms.length, msPerView: median(ms) };
  });
  return { images, unitsPerLayer, forwardMs: median(forwardMs), rows, load: loadLine() };
}

export function formatDeconvViewsTable(r: DeconvViewsBench): string[] {
  return [
    `AlexNet-shaped net (forward-models.ts), ${r.images} seeded 227 x 227 images, the ${r.unitsPerLayer} most active units of conv5 and fc7 per image; ${r.load}.`,
    `Forward pass for the switches (WASM op kernels, batch 1, one thread): ${r.forwardMs.toFixed(0)} ms an image (shared by every view of that image).`,
    '',
    '| layer | ops | views | ms a view (median) |',
    '| --- | --- | ---: | ---: |',
    ...r.rows.map((row) => `| ${row.layer} | ${row.ops} | ${row.views} | ${row.msPerView.toFixed(1)} |`),
  ];
}

export function deconvViewsSection(runPart: <T>(name: string) => T | { error: string }): string {
  const r = runPart<DeconvViewsBench>('deconv-views');
  if ('error' in r) return `### Deconvnet views (Fig. 2)\n\nnot measured (${r.error})`;
  return ['### Deconvnet views (Fig. 2)', '', ...formatDeconvViewsTable(r)].join('\n');
}
