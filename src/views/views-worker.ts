// The worker side of the views pool (./view-drawers.ts): one net at a time, its views drawn by
// ./image-views.ts (the code the main thread runs with one thread) on two instances of the module
// the pool posts, so a view is the same bit for bit on any thread.
//
// Messages in:  { type: 'init', module }, then { type: 'net', id, net } (drops the net before) and
//               { type: 'draw', id, index, image, requests }.
// Messages out: { type: 'ready' } | { type: 'result', id, opsName?, views?, failure? } | { type: 'error', id?, message }.
// A view that cannot be drawn (a node without a deconvnet rule, ...) is a result with `failure`
// (its message names the layer, unit and image); `error` is for what breaks the worker itself.
import { serveRequests, type Answer } from '../platform/worker-port.js';
import { createImageViews, type DrawnView, type ImageViews, type ViewNet, type ViewRequest } from './image-views.js';

export interface ViewsInitMessage {
  type: 'init';
  module: WebAssembly.Module;
}
export interface ViewsNetMessage {
  type: 'net';
  id: number;
  net: ViewNet;
}
export interface ViewsDrawMessage {
  type: 'draw';
  id: number;
  index: number;
  image: Float32Array;
  requests: ViewRequest[];
}
export type ViewsWorkerMessage = ViewsInitMessage | ViewsNetMessage | ViewsDrawMessage;
export type ViewsWorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; opsName?: string; views?: DrawnView[]; failure?: string }
  | { type: 'error'; id?: number; message: string };

/** The worker's module, and the net it draws now. */
interface ViewsState {
  module: WebAssembly.Module;
  views?: ImageViews;
}

/** One message after the init: a net (the one before dropped), or an image's views. */
async function answer(state: ViewsState, msg: ViewsNetMessage | ViewsDrawMessage): Promise<Answer<ViewsWorkerReply>> {
  if (msg.type === 'net') {
    await state.views?.dispose();
    state.views = undefined;
    state.views = await createImageViews(msg.net, state.module);
    return [{ type: 'result', id: msg.id, opsName: state.views.opsName }, []];
  }
  if (!state.views) throw new Error('draw before net');
  let drawn: DrawnView[];
  try {
    drawn = await state.views.draw(msg.index, msg.image, msg.requests);
  } catch (e) {
    return [{ type: 'result', id: msg.id, failure: e instanceof Error ? e.message : String(e) }, []];
  }
  // Each view in a buffer of its own, transferred (not copied) back.
  const own = drawn.map((v) => (v.image.byteOffset === 0 && v.image.byteLength === v.image.buffer.byteLength ? v : { ...v, image: v.image.slice() }));
  return [{ type: 'result', id: msg.id, views: own }, [...new Set(own.map((v) => v.image.buffer as ArrayBuffer))]];
}

// Node's worker_threads, or a Deno module worker. Awaited, so that whoever imports this module
// finds it listening.
await serveRequests<ViewsInitMessage, ViewsNetMessage | ViewsDrawMessage, ViewsState, ViewsWorkerReply>((msg) => ({ module: msg.module }), answer);
