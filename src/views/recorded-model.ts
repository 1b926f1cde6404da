// A net's ONNX model as the probe read it: the file named in probe.json's provenance, refused
// (naming the path; the caller names the net) when it cannot be read or its sha256 is not the one recorded, so
// a view is never drawn through weights other than those the run probed.
import { createHash } from 'node:crypto';
import { decodeOnnx, readOnnxBytes } from '../inputs/onnx/decode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import type { ProbeProvenance } from '../run-dir/layout.js';

export async function readRecordedModel(net: ProbeProvenance['nets'][number]): Promise<{ model: OnnxModel; sha256: string }> {
  const file = net.files[0];
  if (net.kind !== 'onnx' || !file) throw new Error(`it was probed from activation files (${net.source}), not an ONNX model`);
  let bytes: Uint8Array;
  try {
    bytes = await readOnnxBytes(file.path);
  } catch (e) {
    throw new Error(`cannot read its model ${file.path} (${(e as Error).message})`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.sha256) throw new Error(`${file.path} is not the model the run probed (sha256 ${sha256.slice(0, 12)}..., recorded ${file.sha256.slice(0, 12)}...)`);
  return { model: decodeOnnx(bytes, file.path), sha256 };
}
