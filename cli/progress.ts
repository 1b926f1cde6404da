// Progress bars for long steps: counts, rate and time left on a terminal. Off a terminal a line per
// finished step (probe, train) or nothing (align, report); with --quiet nothing at all.
import cliProgress from 'cli-progress';
import { isQuiet, setStatusSink, writeTo } from './output.js';

export interface Progress {
  start(label: string, total: number, unit: string): void;
  update(done: number): void;
  stop(): void;
}

/** Bars on a terminal; with --quiet nothing. */
export function createProgress(options: { summaryOffTerminal?: boolean } = {}): Progress {
  const on = !isQuiet();
  const tty = Boolean(process.stderr.isTTY) && on;
  const summary = on && !tty && options.summaryOffTerminal !== false;
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  let label = '';
  let total = 0;
  let unit = '';
  let last = 0;
  return {
    start(l, t, u) {
      if (bar) bar.stop();
      bar = undefined;
      label = l;
      total = t;
      unit = u;
      started = performance.now();
      last = 0;
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        {
          format: `  ${label.padEnd(12)} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 20,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { rate: '0' });
    },
    update(done) {
      last = done;
      if (!bar) return;
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? formatCount(done / seconds) : '0' });
    },
    stop() {
      const seconds = (performance.now() - started) / 1000;
      if (bar) {
        bar.stop();
        bar = undefined;
      } else if (summary && label) {
        writeTo(process.stderr, `  ${label}: ${last}/${total} ${unit} in ${seconds.toFixed(2)} s (${formatCount(last / Math.max(seconds, 1e-9))} ${unit}/s)\n`);
      }
      label = '';
    },
  };
}

/** Undefined callbacks where nothing is drawn: methods then skip the work of reporting progress. */
export interface AlignProgress {
  onMethod?(layer: string, method: string, index: number, count: number): void;
  onMethodProgress?(done: number, total: number, unit: string): void;
  stop(): void;
}

/**
 * align on a terminal: a bar over the layer x method steps, and under it a bar for a method that
 * reports its own progress (sparse-prediction's units, clustering's merges). Nothing off a terminal.
 */
export function alignProgress(): AlignProgress {
  if (isQuiet() || !process.stderr.isTTY) return { stop() {} };
  const bars = new cliProgress.MultiBar(
    {
      format: '  {label} {bar} {value}/{total} {unit} | {rate}/s | eta {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  setStatusSink((line) => bars.log(line));
  let steps: cliProgress.SingleBar | undefined;
  let inner: cliProgress.SingleBar | undefined;
  let innerStarted = 0;
  const stepsStarted = performance.now();
  const rate = (done: number, since: number) => formatCount(done / Math.max((performance.now() - since) / 1000, 1e-9));
  const dropInner = () => {
    if (inner) bars.remove(inner);
    inner = undefined;
  };
  return {
    onMethod(layer, method, index, count) {
      dropInner();
      const payload = { label: `align ${layer} ${method}`.padEnd(32), unit: 'steps', rate: rate(index, stepsStarted) };
      if (!steps) steps = bars.create(count, index, payload);
      else steps.update(index, payload);
      bars.update(); // drawn now, not on the next tick of the timer: a quick step shows too
    },
    onMethodProgress(done, total, unit) {
      if (!inner) {
        innerStarted = performance.now();
        inner = bars.create(total, 0, { label: ''.padEnd(32), unit, rate: '0' });
      }
      inner.update(done, { rate: rate(done, innerStarted) });
      if (done === total) bars.update(); // the finished count is drawn before the bar goes
    },
    stop() {
      dropInner();
      if (steps) steps.update(steps.getTotal());
      bars.update(); // draws once more, printing the status lines still buffered
      bars.stop();
      setStatusSink(undefined);
    },
  };
}

function formatCount(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
