// Everything the CLI prints goes through here, so that `--quiet` means quiet in one place:
// with it, only errors reach the terminal (files are still written). A reader that closes the
// pipe early (`convergent methods | head -1`) ends the process quietly instead of with a trace.

let quiet = false;
let verbose = false;
/** Where status lines go while a multi-line progress display owns the terminal (it prints them above itself). */
let statusSink: ((line: string) => void) | undefined;

export function setOutputMode(mode: { quiet?: boolean; verbose?: boolean }): void {
  quiet = mode.quiet === true;
  verbose = mode.verbose === true && !quiet;
}

export function isQuiet(): boolean {
  return quiet;
}

export function isVerbose(): boolean {
  return verbose;
}

/** A status line on stderr, prefixed `convergent: `. */
export function info(message: string): void {
  if (quiet) return;
  const line = `convergent: ${message}\n`;
  if (statusSink) statusSink(line);
  else process.stderr.write(line);
}

/** Routes status lines through a progress display while it is drawn (undefined: straight to stderr). */
export function setStatusSink(sink: ((line: string) => void) | undefined): void {
  statusSink = sink;
}

/** Results (tables, listings) on stdout. */
export function print(text: string): void {
  if (!quiet) process.stdout.write(text);
}

/** Errors always reach stderr. */
export function printError(message: string): void {
  process.stderr.write(`convergent: error: ${message}\n`);
}

/** Exit quietly when the reader of stdout or stderr goes away (EPIPE). */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
