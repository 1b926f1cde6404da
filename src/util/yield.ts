// A turn for the event loop in the middle of long work, so that timers (a progress bar drawn on a
// timer) and I/O callbacks run before the work goes on.

/** Resolves after everything already queued on the event loop, timers included, has had its turn. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
