// A method's progress report for the command line's bar: a no-op unless the caller asked for it,
// and then a pause for the event loop, so that the bar (drawn on a timer) moves during long work.
import type { MethodContext } from './types.js';
import { yieldToEventLoop } from '../../util/yield.js';

export async function reportProgress(ctx: MethodContext, done: number, total: number, unit: string): Promise<void> {
  if (!ctx.progress) return;
  ctx.progress(done, total, unit);
  await yieldToEventLoop();
}
