// Forward throughput of our engines (the ones `probe --data` runs): WASM SIMD on 1 and 2 threads,
// and WebGPU (Mesa llvmpipe on a machine without a GPU; skipped when there is no adapter). Each
// batch captures every ReLU output and the class scores and reads them back, as the probe does.
import { createBackend } from '../src/backend/select.js';
import type { Backend } from '../src/backend/types.js';
import { alexnet, lenet } from './forward-models.js';
import { benchInput, forwardRow, medianBatchSeconds } from './forward-timing.js';
import type { ForwardPart } from './types.js';

export async function benchOurForward(kind: 'wasm' | 'webgpu', threadCounts = [1, 2]): Promise<ForwardPart> {
  const part: ForwardPart = { rows: [], notes: [] };
  for (const threads of kind === 'wasm' ? threadCounts : [null]) {
    let backend: Backend;
    try {
      backend = await createBackend(kind, { threads: threads ?? undefined });
    } catch (error) {
      part.notes.push(`ours ${kind}: skipped (${(error as Error).message})`);
      return part;
    }
    try {
      for (const net of [lenet(), alexnet()]) {
        const engine = await backend.forwardEngine([{ name: net.name, model: net.model, captures: net.captures }], net.itemShape, { threads: threads ?? undefined });
        try {
          const input = benchInput(net);
          let captured: Float32Array[][] = [];
          const timing = await medianBatchSeconds(async () => (captured = await engine.forward(input, net.batch)));
          part.rows.push(forwardRow(net, `ours ${engine.name}`, threads, true, timing, captured[0][net.captures.length - 1]));
        } catch (error) {
          // One net the engine cannot run (e.g. a weight over the device's binding limit) is a
          // finding for the table, not a reason to lose the other measurements.
          part.notes.push(`ours ${engine.name}, ${net.name}: failed (${(error as Error).message})`);
        } finally {
          await engine.dispose();
        }
      }
    } finally {
      await backend.dispose();
    }
  }
  return part;
}
