// Synthetic conv-layer activation files for the benches: float32 .npy of shape (items, channels,
// height, width), as a probe would read an AlexNet layer saved by another framework. Every
// position of every item has a few latent factors drawn from a stream that all nets share (same
// `sharedSeed`), so the nets resemble each other; each net mixes them with its own weights and
// adds its own noise (`netSeed`), then a ReLU. Written one item at a time, so the files cost no
// memory to speak of.
import { open } from 'node:fs/promises';
import { encodeNpyHeader } from '../src/inputs/npy/npy-header.js';

/** Shape of one conv layer's activations per item. */
export interface ConvShape {
  channels: number;
  height: number;
  width: number;
}

const LATENTS = 8;

/** A seeded linear congruential stream of uniform values in [-0.5, 0.5). */
function uniformStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
}

/** Writes `items` x channels x height x width float32 values to `path` (see the file comment). */
export async function writeConvLayer(path: string, items: number, shape: ConvShape, sharedSeed: number, netSeed: number): Promise<void> {
  const { channels, height, width } = shape;
  const positions = height * width;
  const header = encodeNpyHeader({ descr: '<f4', shape: [items, channels, height, width] });
  const shared = uniformStream(sharedSeed);
  const own = uniformStream(netSeed);
  const weights = Float32Array.from({ length: LATENTS * channels }, own);
  const item = new Float32Array(channels * positions);
  const z = new Float32Array(LATENTS);
  const file = await open(path, 'w');
  try {
    await file.write(header, 0, header.length, 0);
    let offset = header.length;
    for (let i = 0; i < items; i++) {
      for (let p = 0; p < positions; p++) {
        for (let l = 0; l < LATENTS; l++) z[l] = shared();
        for (let c = 0; c < channels; c++) {
          let v = 0.5 * own();
          for (let l = 0; l < LATENTS; l++) v += z[l] * weights[l * channels + c];
          // Channel-major within an item, as NCHW stores it.
          item[c * positions + p] = Math.max(0, v);
        }
      }
      const bytes = new Uint8Array(item.buffer);
      await file.write(bytes, 0, bytes.length, offset);
      offset += bytes.length;
    }
  } finally {
    await file.close();
  }
}
