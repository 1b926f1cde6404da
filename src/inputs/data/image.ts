// A decoded image before preprocessing: interleaved samples (HWC) exactly as the decoder gave them.

export interface RawImage {
  width: number;
  height: number;
  /** Samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** width x height x channels samples, row-major, channels interleaved. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
  /**
   * The sample value of full intensity (255 for 8-bit, 65535 for 16-bit, 1 for MNIST's 0..1 grey
   * levels). Preprocessing brings every image to the 0..255 scale with it, so one `scale` fits all.
   */
  maxValue: number;
}

/** Channels that carry colour (alpha is not one of them). */
export function colourChannels(image: RawImage): 1 | 3 {
  return image.channels <= 2 ? 1 : 3;
}
