// `--size HxW` as `probe` (ONNX image data) and `train` (image folders) read it.

/** "HxW" as [H, W]; `example` shows a typical size in the message of a malformed value. */
export function parseSizeFlag(size: string, example: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) throw new Error(`--size expects HxW (e.g. ${example}), got "${size}"`);
  return [Number(m[1]), Number(m[2])];
}
