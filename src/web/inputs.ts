// What the page's user chose, turned into the study's inputs: ONNX files into named nets and
// their common layers, and the built-in MNIST digits or an image folder into an ImageSource.
import { modelInputDims } from '../forward/compile.js';
import { orderImages } from '../inputs/data/image-order.js';
import { resolvePreprocess } from '../inputs/data/preprocess.js';
import type { ImageSource } from '../inputs/data/source.js';
import { decodeOnnx } from '../inputs/onnx/decode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { resolveCaptureLayers } from '../probe/capture-layers.js';
import type { ProvenanceData } from '../run-dir/layout.js';
import { fileImages, lazyImageSource, mnistImages } from '../study/image-source.js';
import type { StudyNet } from '../study/probe.js';

/** A net name from a file name: its base without .onnx, in the letters net names may use. */
export function netName(fileName: string, taken: Set<string>): string {
  const base = fileName.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'net';
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}-${k}`;
  taken.add(name);
  return name;
}

/** The chosen .onnx files as nets, named after their files. */
export async function readNets(files: File[]): Promise<StudyNet[]> {
  const taken = new Set<string>();
  const onnx = files.filter((f) => /\.onnx$/i.test(f.name));
  return Promise.all(onnx.map(async (f) => ({ name: netName(f.name, taken), fileName: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** The default layers every net has (a ReLU after a Conv or Gemm), as `convergent layers` names them. */
export function commonLayers(nets: StudyNet[], log: (m: string) => void): string[] {
  const models = nets.map((n) => ({ name: n.name, path: n.fileName, model: decodeOnnx(n.bytes, n.fileName) }));
  return resolveCaptureLayers(models, undefined, log).map((l) => l.name);
}

/** (C, H, W) of one item: the first net's input, which must be fixed (as the CLI without --size). */
export function itemShapeOf(net: StudyNet): [number, number, number] {
  const model: OnnxModel = decodeOnnx(net.bytes, net.fileName);
  const dims = modelInputDims(model);
  const [, c, h, w] = dims;
  if (dims.length !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new Error(`${net.fileName}: input ${model.inputs[0]?.name} has shape ${JSON.stringify(dims)}; the page needs a fixed (N, C, H, W) input`);
  }
  return [c, h, w];
}

export interface PageData {
  source: ImageSource;
  label: string;
  record: ProvenanceData;
}

let mnistCache: Promise<{ pixels: Float32Array; labels: Uint8Array; first: number }> | undefined;

/** The held-out digits bundled with the page (scripts/build-web.mjs writes them to mnist/). */
function bundledMnist(base: URL): Promise<{ pixels: Float32Array; labels: Uint8Array; first: number }> {
  mnistCache ??= (async () => {
    const get = async (file: string) => {
      const r = await fetch(new URL(`mnist/${file}`, base));
      if (!r.ok) throw new Error(`mnist/${file}: ${r.status} ${r.statusText}`);
      return r.arrayBuffer();
    };
    const meta = JSON.parse(new TextDecoder().decode(await get('heldout.json'))) as { first: number };
    return { pixels: new Float32Array(await get('heldout.f32')), labels: new Uint8Array(await get('heldout.labels')), first: meta.first };
  })();
  return mnistCache;
}

/** The first `limit` held-out MNIST digits, the items `convergent run --data mnist --limit N` reads. */
export async function mnistData(base: URL, itemShape: [number, number, number], limit: number | undefined): Promise<PageData> {
  const { pixels, labels, first } = await bundledMnist(base);
  const source = lazyImageSource(mnistImages(pixels, labels, first), itemShape);
  if (limit !== undefined && limit > source.count) throw new Error(`the page holds ${source.count} held-out digits; ask for at most that many (or use \`convergent run --data mnist\`)`);
  return {
    source,
    label: 'mnist (heldout)',
    record: { source: 'mnist', split: 'heldout', ...(limit !== undefined ? { limit } : {}), itemShape: [...itemShape], preprocess: { ...resolvePreprocess(itemShape) } },
  };
}

/** The PNG and JPEG files of a chosen folder in the CLI's order, with its classes (first-level sub-folders), as `--data FOLDER` reads them. */
export function folderData(files: File[], itemShape: [number, number, number], limit: number | undefined): PageData {
  // webkitRelativePath starts with the chosen folder's own name: the paths are relative to it.
  const byPath = new Map(files.map((file) => [(file.webkitRelativePath || file.name).split('/').slice(file.webkitRelativePath ? 1 : 0).join('/'), file]));
  const ordered = orderImages([...byPath.keys()]);
  if (ordered.files.length === 0) throw new Error('the chosen folder holds no PNG or JPEG images');
  const folder = files[0]?.webkitRelativePath?.split('/')[0] || 'images';
  const chosen = ordered.files.map((path) => ({ path, file: byPath.get(path)! }));
  const classes = ordered.labels ? { names: ordered.classes, labels: ordered.labels } : undefined;
  const source = lazyImageSource(fileImages(chosen.map(({ file, path }) => ({ path, bytes: async () => new Uint8Array(await file.arrayBuffer()) })), classes), itemShape);
  const items = Math.min(source.count, limit ?? Infinity);
  return {
    source,
    label: folder,
    record: { source: folder, ...(limit !== undefined ? { limit } : {}), itemShape: [...itemShape], preprocess: { ...resolvePreprocess(itemShape) }, itemList: chosen.slice(0, items).map(({ file, path }) => ({ path, bytes: file.size })) },
  };
}
