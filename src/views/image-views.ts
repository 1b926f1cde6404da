// The deconvnet views of one net on one image, in this thread: the image's forward pass (keeping
// the max-pool inputs for the switches) on the WASM op kernels, then each view on the WASM deconv
// ops. The same code draws in the main thread (one thread) and in each views worker
// (./views-worker.ts), so a view is the same bit for bit wherever it is drawn.
import type { OnnxModel } from '../inputs/onnx/model.js';
import { WasmInstance } from '../kernels/wasm-module.js';
import { viewForward } from '../forward/deconv/forward-pass.js';
import { deconvView } from '../forward/deconv/view.js';
import { wasmDeconvOps } from '../forward/deconv/wasm-ops.js';
import { wasmKernelsOn } from '../forward/wasm/kernels.js';

/** One view to draw on an image: the unit of `tensor` (the layer's ONNX value) at map position (y, x). */
export interface ViewRequest {
  layer: string;
  tensor: string;
  unit: number;
  y: number;
  x: number;
}

export interface DrawnView {
  /** (C, H, W) of the input, float64. */
  image: Float64Array;
  /** The unit's activation in this forward pass (the caller checks it against the probe's record). */
  activation: number;
}

/** A net's model and what its views need: the item shape and the tensors the views start from. */
export interface ViewNet {
  net: string;
  model: OnnxModel;
  item: readonly [number, number, number];
  tensors: string[];
}

export interface ImageViews {
  /** The ops the views run on (for views/status.json). */
  readonly opsName: string;
  /** The views of `requests` on image #`index`; a failure names the layer, unit and image. */
  draw(index: number, image: Float32Array, requests: ViewRequest[]): Promise<DrawnView[]>;
  dispose(): Promise<void>;
}

/** Views of `net` on two new instances of the WASM module (default: the embedded one): the forward kernels own one's heap, the deconv ops lay out the other's. */
export async function createImageViews(net: ViewNet, module?: WebAssembly.Module): Promise<ImageViews> {
  const kernels = wasmKernelsOn(await WasmInstance.create(module));
  const forward = viewForward(net.net, net.model, net.item, net.tensors, kernels);
  const ops = wasmDeconvOps(forward.plan, await WasmInstance.create(module));
  return {
    opsName: ops.name,
    async draw(index, image, requests) {
      let values;
      try {
        values = await forward.run(image);
      } catch (e) {
        throw new Error(`image #${index}: its forward pass failed: ${(e as Error).message}`, { cause: e });
      }
      return requests.map((r) => {
        try {
          return deconvView(forward.plan, values, { tensor: forward.targets.get(r.tensor)!, unit: r.unit, y: r.y, x: r.x }, ops);
        } catch (e) {
          throw new Error(`layer ${r.layer}, unit ${r.unit}, image #${index} at (${r.y}, ${r.x}): ${(e as Error).message}`, { cause: e });
        }
      });
    },
    async dispose() {
      ops.dispose();
      forward.dispose();
      await kernels.dispose();
    },
  };
}
