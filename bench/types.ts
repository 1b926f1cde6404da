// Common shape of a benchmark result row, shared by the bench/*.ts modules.
export interface BenchRow {
  /** What was measured, e.g. 'linear sum assignment (maximize, dense)'. */
  name: string;
  /** Problem size, e.g. '1000 x 1000'. */
  size: string;
  /** Our time in milliseconds. */
  ours_ms: number;
  /** Other implementations' times in milliseconds on the same input; null when not measured. */
  others: Record<string, number | null>;
  /** Why something is null, or anything else worth knowing about the row. */
  notes?: string[];
}

/** One forward-throughput measurement (bench/forward-*.ts): one net on one runner. */
export interface ForwardRow {
  /** 'lenet' or 'alexnet'. */
  net: string;
  /** e.g. 'ours wasm-simd', 'ours webgpu (llvmpipe)', 'onnxruntime-web wasm', 'onnxruntime-node cpu'. */
  runner: string;
  /** CPU threads it ran with; null for a GPU. */
  threads: number | null;
  ours: boolean;
  batch: number;
  /** Median seconds per batch over `batches` timed batches (after a warm-up). */
  seconds: number;
  batches: number;
  imagesPerSecond: number;
  /** The first class scores of item 0, to check that every runner computes the same net. */
  logits: number[];
}

/** What a forward part returns: its rows, and why a runner was skipped or how it ran. */
export interface ForwardPart {
  rows: ForwardRow[];
  notes: string[];
}

/** Runs one part in a child process (bench/main.ts): its result, or why there is none. */
export type RunPart = <T>(name: string) => T | { error: string };

/** What bench/max-rss-preload.ts prints on stderr before a child's peak RSS in KiB. */
export const MAX_RSS_MARK = '@@max-rss-kib@@';
