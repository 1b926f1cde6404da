// Progress bars for long steps: counts, rate and time left on a terminal; a line per step otherwise.
import cliProgress from 'cli-progress';

export interface Progress {
  start(label: string, total: number, unit: string): void;
  update(done: number): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  const tty = Boolean(process.stderr.isTTY) && enabled;
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  let label = '';
  let total = 0;
  let unit = '';
  let last = 0;
  return {
    start(l, t, u) {
      label = l;
      total = t;
      unit = u;
      started = performance.now();
      last = 0;
      if (!enabled) return;
      if (tty) {
        bar = new cliProgress.SingleBar(
          {
            format: `  ${label.padEnd(12)} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '0' });
      }
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
      } else if (enabled) {
        process.stderr.write(`  ${label}: ${last}/${total} ${unit} in ${seconds.toFixed(2)} s (${formatCount(last / Math.max(seconds, 1e-9))} ${unit}/s)\n`);
      }
    },
  };
}

function formatCount(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
