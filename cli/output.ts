// Everything the CLI prints goes through here, so that `--quiet` means quiet in one place:
// with it, only errors reach the terminal (files are still written). A reader that closes the
// pipe early (`convergent run ... | head -3`) only loses the rest of the output: the command
// goes on, finishes its files and exits with its own status, with no stack trace.

let quiet = false;
/** Where status lines go while a multi-line progress display owns the terminal (it prints them above itself). */
let statusSink: ((line: string) => void) | undefined;

export function setOutputMode(mode: { quiet?: boolean }): void {
  quiet = mode.quiet === true;
}

export function isQuiet(): boolean {
  return quiet;
}

/** A status line on stderr, prefixed `convergent: `. */
export function info(message: string): void {
  if (quiet) return;
  const line = `convergent: ${message}\n`;
  if (statusSink) statusSink(line);
  else writeTo(process.stderr, line);
}

/** Routes status lines through a progress display while it is drawn (undefined: straight to stderr). */
export function setStatusSink(sink: ((line: string) => void) | undefined): void {
  statusSink = sink;
}

/** Results (tables, listings) on stdout. */
export function print(text: string): void {
  if (!quiet) writeTo(process.stdout, text);
}

/** Errors always reach stderr. */
export function printError(message: string): void {
  writeTo(process.stderr, `convergent: error: ${message}\n`);
}

/** The streams whose reader went away: what would go to them is dropped. */
const closedStreams = new Set<NodeJS.WritableStream>();

/** Writes unless the stream's reader has gone away (a closed pipe). */
export function writeTo(stream: NodeJS.WritableStream, text: string): void {
  if (!closedStreams.has(stream)) stream.write(text);
}

/**
 * When the reader of stdout or stderr goes away (EPIPE), further output to that stream is dropped
 * and the work goes on: a run piped into `head` must still write its files and exit as it would.
 */
export function dropOutputOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // ERR_STREAM_DESTROYED: a write that was already on its way when the pipe closed.
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') closedStreams.add(stream);
      else throw error;
    });
  }
}
