// The whole study in memory, as the web page runs it: probe (src/study/probe.ts), align
// (src/study/align.ts) and the report rendered from the run (src/report/render.ts), with the run
// directory held in a MemoryRun that the page offers for download. Browser-safe.
import type { MethodRegistry } from '../align/methods/registry.js';
import type { Report } from '../report/render.js';
import { renderReport } from '../report/render.js';
import { runDataFrom } from '../report/run-data.js';
import type { Table } from '../tables/types.js';
import { alignInMemory } from './align.js';
import { MemoryRun } from './memory-run.js';
import { probeInMemory, type MemoryProbeOptions } from './probe.js';

export interface StudyOptions extends Omit<MemoryProbeOptions, 'run'> {
  /** The run's name: the folder its files are saved under. */
  runName: string;
  registry: MethodRegistry;
  methods: string[];
  methodOptions?: Record<string, Record<string, unknown>>;
  /** The Vega builds the report inlines. */
  libs: string[];
  onStage?: (stage: 'probe' | 'align' | 'report') => void;
  onMethod?: (layer: string, method: string, step: number, steps: number) => void;
}

export interface StudyResult {
  run: MemoryRun;
  summary: Table;
  report: Report;
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const run = new MemoryRun(options.runName);
  options.onStage?.('probe');
  const manifest = await probeInMemory({ ...options, run });
  options.onStage?.('align');
  const { summary } = await alignInMemory({ run, manifest, backend: options.backend, registry: options.registry, methods: options.methods, methodOptions: options.methodOptions, reducer: (name) => options.reducers?.find((r) => r.name === name), onMethod: options.onMethod, log: options.log });
  options.onStage?.('report');
  const report = await renderReport(await runDataFrom(run.root, run), { name: run.root, libs: options.libs, command: options.command, madeBy: 'convergent web page' });
  run.write(`${run.root}/report.html`, report.html);
  return { run, summary, report };
}
