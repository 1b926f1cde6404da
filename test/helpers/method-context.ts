// Method contexts for tests that run a method on in-memory moments, without a run directory.
import { table } from 'arquero';
import type { BatchMoments } from '../../src/kernels/moments/contract.js';
import type { Method, MethodContext, NetLayer } from '../../src/align/methods/types.js';
import { correlationBlock, unitStats } from '../../src/align/unit-stats.js';

/** A method context over joint moments, as align.ts's loadLayerData builds it; `logs` collects ctx.log. */
export function contextFromMoments(
  moments: BatchMoments,
  nets: { name: string; units: number }[],
  options: Record<string, unknown> = {},
  layer = 'fc',
  logs: string[] = [],
): MethodContext & { logs: string[] } {
  const layers: NetLayer[] = [];
  let offset = 0;
  for (const net of nets) {
    layers.push({ name: net.name, units: net.units, offset, stats: unitStats(moments, offset, net.units) });
    offset += net.units;
  }
  if (offset !== moments.d) throw new Error('nets do not cover the moments');
  const pairs: [number, number][] = [];
  for (let a = 0; a < nets.length; a++) for (let b = a + 1; b < nets.length; b++) pairs.push([a, b]);
  return {
    layer,
    samples: moments.n,
    nets: layers,
    moments,
    pairs,
    correlation: (a, b) => correlationBlock(moments, layers[a].offset, layers[a].units, layers[b].offset, layers[b].units, layers[a].stats.dead, layers[b].stats.dead),
    backend: undefined as never,
    options,
    runDir: '',
    log: (m) => logs.push(m),
    table: (c) => table(c as Record<string, unknown[]>),
    reducerOutput: async () => undefined,
    logs,
  };
}

/** The method's declared option defaults with `overrides` on top, as align passes them to run(). */
export function optionsWithDefaults(method: Method, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(method.options ?? {})) options[k] = spec.default;
  return Object.assign(options, overrides);
}
