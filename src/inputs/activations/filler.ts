// A filler copies a layer's data bytes, in file order, into the reader's buffers; one kind reads a
// .npy file or a stored npz entry at file offsets, the other inflates a deflated npz entry.

/** Reads from files are done in pieces of at most this many bytes. */
export const READ_PIECE = 4 << 20;

/** Fills buffers with consecutive bytes of a layer's data. */
export interface Filler {
  fill(dst: Uint8Array, nbytes: number): Promise<void>;
  /** Passes over the next `nbytes` bytes (a read that starts inside the layer). */
  skip(nbytes: number): Promise<void>;
  /** Called after the last byte of the layer's data was filled, when the whole layer was read. */
  finishFull(): Promise<void>;
  dispose(): Promise<void>;
}
