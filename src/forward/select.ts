// The forward engine of a backend is one of its capabilities (src/backend/: `backend.forwardEngine`);
// this is that call as a plain function, for the library's face.
import type { Backend, ForwardEngineOptions } from '../backend/types.js';
import type { ForwardEngine, ForwardNet } from './engine.js';

export type { ForwardEngineOptions } from '../backend/types.js';

export function createForwardEngine(backend: Backend, nets: ForwardNet[], itemShape: number[], options: ForwardEngineOptions = {}): Promise<ForwardEngine> {
  return backend.forwardEngine(nets, itemShape, options);
}
