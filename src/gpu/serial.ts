// Runs a kernel's asynchronous calls one at a time, in call order, on its shared buffers; a
// failed call does not block the next one, and calls after dispose() are refused by name.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly kernel: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.closed) throw new Error(`${this.kernel}: kernel was disposed`);
      return fn();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Waits for the calls in flight, then refuses new ones. */
  async close(): Promise<void> {
    await this.tail;
    this.closed = true;
  }
}
