// `convergent layers MODEL.onnx`: every tensor that --layer can capture, with its op, node and
// shape (batch as N), the default layers marked with *. Also says whether convergent can run the
// model at all (an unsupported op is reported, the listing still printed).
import { defineCommand } from '../command.js';
import { checkSupported } from '../../src/forward/compile.js';
import { readOnnxFile } from '../../src/inputs/onnx/decode.js';
import { listLayers, type OnnxLayerInfo } from '../../src/forward/layer-shapes.js';
import type { CliContext } from '../context.js';
import { print } from '../output.js';
import { plural } from '../../src/util/plural.js';

/** Aligned columns; the last one is not padded. */
export function formatLayerTable(layers: OnnxLayerInfo[]): string {
  const header = ['', 'name', 'tensor', 'op', 'node', 'shape'];
  const rows = layers.map((l) => [l.isDefault ? '*' : '', l.name, l.tensor, l.op, l.node, l.shape.length ? `[${l.shape.map((d) => d ?? '?').join(', ')}]` : '?']);
  const widths = header.map((h, i) => Math.max(i === 0 ? 1 : h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function parseItemShape(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const dims = text.split(/[,x ]+/).filter(Boolean).map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`--input ${text}: expected positive integers such as 3,224,224`);
  return dims;
}

export function layersCommand(_ctx: CliContext) {
  return defineCommand({
    command: 'layers <model>',
    describe: 'list the tensors of an ONNX model that --layer can capture (defaults marked *)',
    builder: (y) =>
      y
        .positional('model', { type: 'string', demandOption: true, describe: 'an .onnx file' })
        .option('input', { type: 'string', describe: 'item shape C,H,W when the model leaves it symbolic' })
        .option('defaults', { type: 'boolean', default: false, describe: 'only the default layers' }),
    handler: async (argv) => {
      const model = await readOnnxFile(argv.model);
      let layers: OnnxLayerInfo[];
      try {
        layers = listLayers(model, parseItemShape(argv.input));
      } catch (e) {
        // A broken graph (dangling input, cycle): say which file it is in.
        throw new Error(`${argv.model}: ${(e as Error).message}`, { cause: e });
      }
      const shown = argv.defaults ? layers.filter((l) => l.isDefault) : layers;
      print(formatLayerTable(shown));
      const defaults = layers.filter((l) => l.isDefault).length;
      print(
        `\n${argv.model}: ${plural(model.nodes.length, 'node')}, opset ${model.opset}${model.producer ? `, from ${model.producer}` : ''}; ${plural(defaults, 'default layer')} (*)${defaults === 0 ? ': none (no ReLU after a Conv or Gemm); name layers with --layer NAME=TENSOR' : ''}\n`,
      );
      const unknown = layers.find((l) => l.error);
      if (unknown) print(`shapes marked ? could not be inferred: ${unknown.error}\n`);
      try {
        checkSupported(model, argv.model);
      } catch (e) {
        print(`note: convergent cannot run this model: ${(e as Error).message}\n`);
      }
    },
  });
}
