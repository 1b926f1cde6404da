// The forward-throughput table: every runner on both nets, ours against onnxruntime-web (WASM) and
// onnxruntime-node (native CPU) on the same number of threads (a GPU runner against the runs on
// every core), and a check that each runner computed the same class scores.
import type { ForwardPart, ForwardRow, RunPart } from './types.js';

const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : '-');

/** Largest |a - b| relative to max(1, max |b|), as the forward tests compare against onnxruntime. */
function scoreDiff(a: number[], b: number[] | undefined): string {
  if (!b) return '-';
  const scale = Math.max(1, ...b.map(Math.abs));
  return (Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale).toExponential(1);
}

export function formatForwardTable(rows: ForwardRow[]): string {
  const cores = Math.max(...rows.map((r) => r.threads ?? 0));
  const find = (net: string, prefix: string, threads: number | null) => rows.find((r) => r.net === net && r.runner.startsWith(prefix) && r.threads === (threads ?? cores));
  const lines = [
    '| net | runner | threads | batch | ms / batch (median) | images/s | vs onnxruntime-web | vs onnxruntime-node | scores vs onnxruntime-node |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const net of [...new Set(rows.map((r) => r.net))]) {
    for (const r of rows.filter((x) => x.net === net)) {
      const web = find(net, 'onnxruntime-web', r.threads);
      const node = find(net, 'onnxruntime-node', r.threads);
      lines.push(
        `| ${r.net} | ${r.runner} | ${r.threads ?? 'GPU'} | ${r.batch} | ${(r.seconds * 1000).toFixed(1)} | ${r.imagesPerSecond.toFixed(1)} | ` +
          `${r.ours ? ratio(r.imagesPerSecond, web?.imagesPerSecond) : ''} | ${r.ours ? ratio(r.imagesPerSecond, node?.imagesPerSecond) : ''} | ` +
          `${r.runner.startsWith('onnxruntime-node') ? '' : scoreDiff(r.logits, node?.logits)} |`,
      );
    }
  }
  return lines.join('\n');
}

const FORWARD_PARTS = ['forward-wasm', 'forward-webgpu', 'forward-ort-web-1', 'forward-ort-web-2', 'forward-ort-node'];

/** Runs every forward part (each in its own process) and returns the markdown section. */
export function forwardSection(runPart: RunPart): string {
  const rows: ForwardRow[] = [];
  const notes: string[] = [];
  for (const name of FORWARD_PARTS) {
    const r = runPart<ForwardPart>(name);
    if ('error' in r) notes.push(`${name}: not measured (${r.error})`);
    else {
      rows.push(...r.rows);
      notes.push(...r.notes);
    }
  }
  return [
    '### Forward passes (images/s; LeNet 28 x 28 batch 64, AlexNet 227 x 227 batch 16; every ReLU output and the scores read back)',
    '',
    formatForwardTable(rows),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}
