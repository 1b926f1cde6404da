// RUN/views/status.json: what the deconvnet views step (fig2-views.ts) drew and why any view is
// missing. The report (src/report/section-fig2.ts) reads it through RunFiles to say so in Fig. 2;
// the step reads it to skip units drawn before from the same records and model.

export interface ViewsStatus {
  /** Per unit drawn, "<layer>/<net>/<unit>" (names as safeName writes them) -> what it was drawn from. */
  units: Record<string, string>;
  /** Views (one per filled top-k slot) in the PNGs of `units`. */
  views: number;
  /** Views drawn by the last step (the rest were kept from an earlier one). No times: a run directory's files depend on its inputs only. */
  drawnNow: number;
  /** The ops the views ran on (src/forward/deconv/). */
  ops?: string;
  /** Why views are missing: the whole run (not ONNX, models or data unreadable) or one net. */
  notes: string[];
}

export function unitKey(layerComponent: string, netComponent: string, unit: number): string {
  return `${layerComponent}/${netComponent}/${unit}`;
}
