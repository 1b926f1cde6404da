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
