// Waits between retries that a shutdown must cut short: a list or watch loop sleeping off a failure should not hold
// the process open for up to 30 s after close().

export class Naps {
  readonly #wakers = new Set<() => void>();
  #closed = false;

  /** Resolves after `ms`, or at once when closed (also when close() came first). */
  sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.#wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  close(): void {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
  }
}
